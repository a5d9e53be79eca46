/* SPDX-License-Identifier: MIT */
/* musl_app.c: a musl-linked program for tests/cases/48-musl.sh: reads two credentials, forks a child
 * that reads one again and execs this program. Prints states only, never a value. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *state(const char *name)
{
	const char *v = getenv(name);
	return !v ? "absent" : *v ? "present" : "empty";
}

int main(int argc, char **argv)
{
	pid_t p;
	int st;

	printf("%s: OPENAI_API_KEY %s, ANTHROPIC_API_KEY %s\n", argc > 1 ? "exec" : "parent",
	       state("OPENAI_API_KEY"), state("ANTHROPIC_API_KEY"));
	if (argc > 1)
		return 3;
	fflush(stdout);
	p = fork();
	if (p == 0) {
		printf("child: OPENAI_API_KEY %s\n", state("OPENAI_API_KEY"));
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "again", (char *)0);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) != p)
		return 1;
	printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
