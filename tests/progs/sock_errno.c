/* SPDX-License-Identifier: MIT */
/* sock_errno: return values and errno of socket and fd calls, printed so that a bare run and a
 * traced run can be compared line by line: refused connect, bad fds, a read interrupted by a timer
 * signal (SA_RESTART off) on a plain pipe and on a watched socket, errno kept on success. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	int e = errno;
	printf("%-28s ret=%ld errno=%s\n", what, r, r < 0 ? strerrorname_np(e) : "-");
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void arm_timer(void)
{
	struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 100000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A listener and a client connected to it (tracked by the shim), its accepted peer in *acc. */
static int pair_tcp(int *lis, int *acc)
{
	struct sockaddr_in a = loopback(0);
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		exit(1);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		exit(1);
	*acc = accept(l, NULL, NULL);
	*lis = l;
	return c;
}

int main(void)
{
	char buf[16];
	int p[2];
	setvbuf(stdout, NULL, _IONBF, 0);

	/* A port that was just free: bind, learn the number, close without listening. */
	struct sockaddr_in a = loopback(0);
	socklen_t al = sizeof a;
	int t = socket(AF_INET, SOCK_STREAM, 0);
	bind(t, (struct sockaddr *)&a, sizeof a);
	getsockname(t, (struct sockaddr *)&a, &al);
	close(t);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	show("connect refused", connect(s, (struct sockaddr *)&a, sizeof a));
	close(s);

	errno = 0;
	show("read(-1)", read(-1, buf, sizeof buf));
	show("read(4321)", read(4321, buf, sizeof buf));
	show("write(4321)", write(4321, "x", 1));
	show("send(4321)", send(4321, "x", 1, 0));
	show("recv(4321)", recv(4321, buf, sizeof buf, 0));
	show("close(-1)", close(-1));
	show("close(4321)", close(4321));
	show("dup(4321)", dup(4321));
	show("dup2(4321,5)", dup2(4321, 5));
	show("dup3(1,1,0)", dup3(1, 1, 0));
	show("fcntl(4321,F_DUPFD)", fcntl(4321, F_DUPFD, 0));
	show("close_range(10,5,0)", close_range(10, 5, 0));
	if (pipe(p))
		return 1;
	show("recv(pipe)", recv(p[0], buf, sizeof buf, MSG_DONTWAIT));
	show("shutdown(pipe)", shutdown(p[0], SHUT_RDWR));
	show("fcntl(pipe,F_GETFL)&O_ACCMODE", fcntl(p[1], F_GETFL) & O_ACCMODE);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: the blocked read must fail with EINTR */
	sigaction(SIGALRM, &sa, NULL);
	arm_timer();
	show("read(pipe) interrupted", read(p[0], buf, sizeof buf));

	/* The same on a socket connected before a fork: the shim's slow path runs first. */
	int l, acc, c = pair_tcp(&l, &acc);
	int l2, acc2, c2 = pair_tcp(&l2, &acc2);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	arm_timer();
	show("read(sock) interrupted", read(c, buf, sizeof buf));
	errno = 77;
	long r = send(c2, "x", 1, 0);
	printf("send(sock) ok                ret=%ld errno kept=%d\n", r, errno == 77);
	errno = 78;
	r = write(p[1], "y", 1);
	printf("write(pipe) ok               ret=%ld errno kept=%d\n", r, errno == 78);
	errno = 79;
	r = dup2(c2, 40);
	printf("dup2(sock,40) ok             ret=%ld errno kept=%d\n", r, errno == 79);
	errno = 80;
	r = close(40);
	printf("close(40) ok                 ret=%ld errno kept=%d\n", r, errno == 80);
	show("read(acc2)", read(acc2, buf, 1));
	show("shutdown(c2)", shutdown(c2, SHUT_WR));
	show("read(acc2) eof", read(acc2, buf, 1));
	return 0;
}
