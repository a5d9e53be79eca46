/* SPDX-License-Identifier: MIT */
/* sock_neg: socket patterns that are not the bug: a listener inherited by accepting children, a
 * socketpair, and client sockets connected after the last fork; plus a client socket the parent
 * closes right after the fork while the child uses it. argv[1]: port of an echo server. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int connect_port(int port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static int child_status(pid_t pid)
{
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);
		if (r <= 0)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = 0;
	return (ssize_t)n;
}

/* A pre-fork server: children accept on the inherited listener and answer in upper case. */
static void listener_case(void)
{
	struct sockaddr_in a = loopback(0);
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 8) ||
	    getsockname(l, (struct sockaddr *)&a, &al)) {
		perror("listen");
		exit(1);
	}
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		if ((kids[i] = fork()) == 0) {
			char buf[64];
			int c = accept(l, NULL, NULL);
			ssize_t n = read_line(c, buf, sizeof buf);
			for (ssize_t k = 0; k < n; k++)
				buf[k] = (char)toupper((unsigned char)buf[k]);
			_exit(write(c, buf, (size_t)n) == n ? 0 : 3);
		}
	}
	for (int i = 0; i < 2; i++) {
		char buf[64];
		int c = connect_port(ntohs(a.sin_port));
		if (send(c, "hello\n", 6, 0) != 6)
			exit(1);
		read_line(c, buf, sizeof buf);
		printf("listener reply %s", buf);
		close(c);
	}
	for (int i = 0; i < 2; i++)
		printf("listener child %d\n", child_status(kids[i]));
	close(l);
}

static void socketpair_case(void)
{
	int sv[2];
	char buf[64];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		perror("socketpair");
		exit(1);
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		if (write(sv[1], "ping\n", 5) != 5)
			_exit(3);
		read_line(sv[1], buf, sizeof buf);
		_exit(strcmp(buf, "pong\n") ? 4 : 0);
	}
	close(sv[1]);
	read_line(sv[0], buf, sizeof buf);
	printf("socketpair got %s", buf);
	if (write(sv[0], "pong\n", 5) != 5)
		exit(1);
	printf("socketpair child %d\n", child_status(pid));
	close(sv[0]);
}

/* The parent closes its copy at once (close record, role parent); the child uses and closes its
 * inherited copy (one use record and one close record, role child). */
static void closed_after_fork_case(int port)
{
	int fd = connect_port(port);
	pid_t pid = fork();
	if (pid == 0) {
		char buf[64];
		if (write(fd, "x\n", 2) != 2)
			_exit(3);
		read_line(fd, buf, sizeof buf);
		close(fd);
		_exit(strcmp(buf, "x\n") ? 4 : 0);
	}
	close(fd);
	printf("closed-after-fork child %d\n", child_status(pid));
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	listener_case();
	socketpair_case();
	closed_after_fork_case(atoi(argv[1]));
	return 0;
}
