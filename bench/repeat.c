/* SPDX-License-Identifier: MIT */
/* repeat: runs a command N times in a row (interpreter start-up benchmarks), fails on the first
 * failure. Usage: repeat N CMD [ARGS...]. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: repeat N CMD [ARGS...]\n");
		return 2;
	}
	long n = atol(argv[1]);
	for (long i = 0; i < n; i++) {
		pid_t p;
		int st, e = posix_spawnp(&p, argv[2], NULL, NULL, argv + 2, environ);
		if (e) {
			fprintf(stderr, "repeat: %s: error %d\n", argv[2], e);
			return 1;
		}
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "repeat: %s failed at run %ld\n", argv[2], i);
			return 1;
		}
	}
	return 0;
}
