/* SPDX-License-Identifier: MIT */
/* fork_region: fork children that record, for tests/cases/86-fork-region.sh.
 *   sock N   N fork children each write one byte on the parent's loopback connection
 *   kill     one child writes on it, then child and parent are killed with SIGKILL
 *   vfork    a fork child writes on it, then a vfork child execs /bin/true
 *   many N   one fork child reads N distinct credential names (more than its region holds)
 * Prints nothing; exits 0 when every step did what it should. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../bench/loopback_pair.h"

static int wait_ok(pid_t p)
{
	int st;
	return waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "sock";
	long n = argc > 2 ? atol(argv[2]) : 3;
	int c, s, pfd[2];
	char b;
	pid_t p;

	if (loopback_pair(&c, &s))
		return 2;
	if (!strcmp(mode, "sock")) {
		for (long i = 0; i < n; i++) {
			if ((p = fork()) == 0)
				_exit(write(c, "x", 1) == 1 ? 0 : 1);
			if (p < 0 || !wait_ok(p))
				return 1;
			if (read(s, &b, 1) != 1)
				return 1;
		}
		return 0;
	}
	if (!strcmp(mode, "kill")) {
		if (pipe(pfd))
			return 2;
		if ((p = fork()) == 0) {
			/* The write is recorded before it returns: then tell the parent, and wait. */
			if (write(c, "x", 1) != 1 || write(pfd[1], "k", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (p < 0 || read(pfd[0], &b, 1) != 1)
			return 1;
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		kill(getpid(), SIGKILL);
		return 1;
	}
	if (!strcmp(mode, "vfork")) {
		if ((p = fork()) == 0)
			_exit(write(c, "x", 1) == 1 ? 0 : 1);
		if (p < 0 || !wait_ok(p))
			return 1;
		char *args[] = {"true", NULL};
		if ((p = vfork()) == 0) {
			execv("/bin/true", args);
			_exit(127);
		}
		return p > 0 && wait_ok(p) ? 0 : 1;
	}
	if (!strcmp(mode, "many")) {
		if ((p = fork()) == 0) {
			char name[64];
			for (long i = 0; i < n; i++) {
				snprintf(name, sizeof name, "CT_REGION_%ld_API_KEY", i);
				(void)!getenv(name);
			}
			_exit(write(c, "x", 1) == 1 ? 0 : 1);
		}
		return p > 0 && wait_ok(p) ? 0 : 1;
	}
	return 2;
}
