/* SPDX-License-Identifier: MIT */
/* fork_sock: the socket-reuse pattern at its worst for the shim: the parent holds a connected
 * loopback socket and every one of N fork children writes one byte on it (each child is a finding).
 * Usage: fork_sock [N] (default 2000). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loopback_pair.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	int c, s;
	char buf[4096];
	long got = 0;

	if (loopback_pair(&c, &s)) {
		perror("fork_sock: loopback");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) {
			perror("fork_sock: fork");
			return 1;
		}
		if (p == 0)
			_exit(write(c, "x", 1) == 1 ? 0 : 1);
		int st;
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "fork_sock: child %ld failed\n", i);
			return 1;
		}
		/* Drain now and then so the receive buffer never fills. */
		if (i % 512 == 511) {
			ssize_t r = read(s, buf, sizeof buf);
			got += r > 0 ? r : 0;
		}
	}
	shutdown(c, SHUT_WR);
	for (ssize_t r; (r = read(s, buf, sizeof buf)) > 0;)
		got += r;
	if (got != n) {
		fprintf(stderr, "fork_sock: got %ld bytes, want %ld\n", got, n);
		return 1;
	}
	return 0;
}
