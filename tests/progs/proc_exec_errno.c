/* SPDX-License-Identifier: MIT */
/* proc_exec_errno: every exec function failing (missing file, a directory, a file that is not
 * executable, a bad fd), then fork and _Fork with errno set beforehand (also after environ was
 * replaced); prints each result and errno so that a bare run and a traced run compare line by line.
 * With "clone": the same errno check for fork, system, posix_spawn, popen, and a write, dup2 and
 * close of a connected socket, made in a raw clone child (no atfork handler ran) of a process whose
 * seccomp filter refuses kcmp, as container runtimes' profiles may. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

/* A TCP client connected to a loopback listener (tracked by the shim). */
static int connected_socket(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4) || getsockname(l, (struct sockaddr *)&a, &al))
		exit(1);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		exit(1);
	return c;
}

static int in_clone_child(void)
{
	char *av[] = {"true", NULL};
	int e, c = connected_socket();
	pid_t p;
	/* kcmp fails with EPERM, everything else is allowed (the syscall number is the native one). */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kcmp, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		printf("seccomp: cannot install\n");
		return 0;
	}
	long k = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (k < 0)
		return 1;
	if (k > 0) {
		waitpid((pid_t)k, NULL, 0);
		return 0;
	}
	errno = EILSEQ;
	p = fork();
	if (p == 0)
		_exit(0);
	e = errno;
	waitpid(p, NULL, 0);
	errno = e;
	show("clone child: fork", p > 0);
	errno = EILSEQ;
	show("clone child: system", system("true"));
	errno = EILSEQ;
	e = posix_spawn(&p, "/bin/true", NULL, NULL, av, environ);
	int e2 = errno;
	waitpid(p, NULL, 0);
	errno = e2;
	show("clone child: posix_spawn", e);
	errno = EILSEQ;
	FILE *fp = popen("true", "r");
	e = errno;
	pclose(fp);
	errno = e;
	show("clone child: popen", fp != NULL);
	errno = EILSEQ;
	show("clone child: write", write(c, "x", 1));
	errno = EILSEQ;
	show("clone child: dup2", dup2(c, 100) == 100);
	errno = EILSEQ;
	show("clone child: close", close(c));
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "clone"))
		return in_clone_child();
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
