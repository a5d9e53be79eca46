/* SPDX-License-Identifier: MIT */
/* spawn_loop: posix_spawn of /bin/true N times (the shim's spawn hook and its constructor in each
 * child). Usage: spawn_loop [N] (default 500). */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 500;
	char *args[] = {"true", NULL};
	for (long i = 0; i < n; i++) {
		pid_t p;
		int st, e = posix_spawn(&p, "/bin/true", NULL, NULL, args, environ);
		if (e) {
			fprintf(stderr, "spawn_loop: posix_spawn: error %d\n", e);
			return 1;
		}
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "spawn_loop: child %ld failed\n", i);
			return 1;
		}
	}
	return 0;
}
