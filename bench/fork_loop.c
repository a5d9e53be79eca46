/* SPDX-License-Identifier: MIT */
/* fork_loop: the cost of the atfork handlers. N times fork, _exit in the child, wait in the parent.
 * Usage: fork_loop [N] (default 2000). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) {
			perror("fork_loop: fork");
			return 1;
		}
		if (p == 0)
			_exit(0);
		int st;
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "fork_loop: child %ld failed\n", i);
			return 1;
		}
	}
	return 0;
}
