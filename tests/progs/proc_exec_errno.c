/* SPDX-License-Identifier: MIT */
/* proc_exec_errno: every exec function failing (missing file, a directory, a file that is not
 * executable, a bad fd), then fork and _Fork with errno set beforehand (also after environ was
 * replaced); prints each result and errno so that a bare run and a traced run compare line by line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
extern pid_t _Fork(void);

static void show(const char *what, long r)
{
	int e = errno;
	printf("%-24s ret=%ld errno=%s\n", what, r, strerrorname_np(e) ? strerrorname_np(e) : "0");
}

/* errno is set to a value no fork sets; the parent and the child print what they see after it. */
static void fork_keeps_errno(const char *what, pid_t (*fn)(void))
{
	int st = 0;
	errno = EILSEQ;
	pid_t p = fn();
	if (p == 0) {
		show(what, 0);
		fflush(stdout);
		_exit(0);
	}
	int e = errno; /* the child prints first: the lines come in one order */
	waitpid(p, &st, 0);
	errno = e;
	show(what, p > 0);
}

int main(void)
{
	char *av[] = {"nope", NULL};
	char *ev[] = {"PATH=/nonexistent", NULL};
	setvbuf(stdout, NULL, _IONBF, 0);

	show("execve missing", execve("/nonexistent/x", av, ev));
	show("execv directory", execv("/", av));
	show("execvp missing", execvp("credtrace-no-such-program", av));
	show("execvpe missing", execvpe("credtrace-no-such-program", av, ev));
	show("execl not executable", execl("/etc/hostname", "x", (char *)NULL));
	show("execlp missing", execlp("credtrace-no-such-program", "x", "y", (char *)NULL));
	show("execle missing", execle("/nonexistent/x", "x", (char *)NULL, ev));
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	show("fexecve not executable", fexecve(fd, av, ev));
	close(fd);
	show("fexecve bad fd", fexecve(-1, av, ev));

	fork_keeps_errno("fork", fork);
	fork_keeps_errno("_Fork", _Fork);
	/* A replaced environ sends fork through its environment check first. */
	static char *fresh[] = {"PATH=/usr/bin:/bin", NULL};
	environ = fresh;
	fork_keeps_errno("fork after environ=", fork);
	return 0;
}
