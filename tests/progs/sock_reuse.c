/* SPDX-License-Identifier: MIT */
/* sock_reuse: a client socket connected before two forks and written by both children and the parent
 * afterwards (the bug credtrace reports). Prints what the server echoed; argv[1] is the port. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int connect_port(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		_exit(3);
}

static int child_status(pid_t pid)
{
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int fd = connect_port(atoi(argv[1]));
	int fd2 = dup(fd); /* a dup of the same socket: still one use per process */
	pid_t c1 = fork();
	if (c1 == 0) {
		put(fd, "c1a\n");
		if (send(fd, "c1b\n", 4, 0) != 4)
			_exit(3);
		_exit(0);
	}
	printf("child1 %d\n", child_status(c1));
	pid_t c2 = fork();
	if (c2 == 0) {
		struct iovec v = {.iov_base = "c2b\n", .iov_len = 4};
		put(fd2, "c2a\n");
		if (writev(fd, &v, 1) != 4)
			_exit(3);
		_exit(0);
	}
	printf("child2 %d\n", child_status(c2));
	put(fd, "p\n");
	char buf[256];
	size_t got = 0;
	const size_t want = strlen("c1a\nc1b\nc2a\nc2b\np\n");
	while (got < want) {
		ssize_t n = read(fd2, buf + got, sizeof buf - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	printf("echo:\n%s", buf);
	close(fd2);
	close(fd);
	return 0;
}
