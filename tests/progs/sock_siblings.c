/* SPDX-License-Identifier: MIT */
/* sock_siblings: a loopback socket made before N forks; every child writes one byte on it from the
 * same call path (a prefork server's workers), and one last child from a deeper path (through
 * deeper(), whose frame is larger). Usage: sock_siblings [N] (default 4). Exit 0 when every child
 * wrote its byte and the server side got them all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../bench/loopback_pair.h"

static __attribute__((noinline)) int use(int fd)
{
	return write(fd, "x", 1) == 1 ? 0 : 1;
}

/* The same innermost call site as the others, one frame and a larger stack deeper. */
static __attribute__((noinline)) int deeper(int fd)
{
	volatile char pad[512];
	memset((char *)pad, 0, sizeof pad);
	return use(fd) + pad[7];
}

static int run_child(int fd, int deep)
{
	pid_t p = fork();
	int st;
	if (p < 0)
		return 1;
	if (p == 0)
		_exit(deep ? deeper(fd) : use(fd));
	return waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 4, got = 0;
	int c, s, bad = 0;
	char buf[64];
	if (loopback_pair(&c, &s)) {
		perror("sock_siblings: loopback");
		return 1;
	}
	for (long i = 0; i < n; i++)
		bad |= run_child(c, 0);
	bad |= run_child(c, 1);
	shutdown(c, SHUT_WR);
	for (ssize_t r; (r = read(s, buf, sizeof buf)) > 0;)
		got += r;
	return bad || got != n + 1;
}
