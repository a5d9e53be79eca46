/* SPDX-License-Identifier: MIT */
/* env_errno: every environment call leaves errno as glibc leaves it: the caller's value on success
 * (getenv never sets it), EINVAL for an invalid name. Each call is made with errno set to a sentinel,
 * for credential and ordinary names, on a first read, a repeated read, in a vfork child, a fork child
 * and a raw clone child (no atfork handlers). Prints one TAP line per check; exits 0 when all passed.
 *   env_errno [MODE] [TRACE_DIR]
 * MODE "seccomp": kcmp fails with EPERM and getrandom with ENOSYS, as under a container's seccomp
 * profile (the shim's slow path then cannot tell a vfork child by kcmp, and a fork child's nonce
 * falls back). TRACE_DIR given: removed before the first call, so that every record the shim tries
 * to write fails. The credential value comes from OPENAI_API_KEY and is never printed. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SENTINEL 4242 /* no errno value: a hook that writes errno cannot leave it by chance */

static const char *mode = "plain";
static int failed;

/* A vfork child shares our memory but must not use stdio: its results wait here. */
static struct {
	const char *what;
	int got, want;
} later[32];
static int nlater;

static void report(const char *what, int got, int want)
{
	if (got == want) {
		printf("ok - %s: %s leaves errno %d\n", mode, what, want);
	} else {
		printf("not ok - %s: %s: errno %d, want %d\n", mode, what, got, want);
		failed++;
	}
}

static void note(const char *what, int got, int want) /* safe in a vfork child: no stdio */
{
	if (nlater < (int)(sizeof later / sizeof later[0])) {
		later[nlater].what = what;
		later[nlater].got = got;
		later[nlater].want = want;
		nlater++;
	}
}

/* Each CALL sets the sentinel, makes the call once, and checks errno. */
#define CALL(check, what, want, expr)        \
	do {                                  \
		errno = SENTINEL;             \
		(void)(expr);                 \
		check(what, errno, want);     \
	} while (0)

/* The reads, as one function per context: each has its own call sites, so that every context
 * makes first reads (the shim keys a read by its call site and value) as well as repeated ones. */
#define READS_FN(fname)                                                                                \
	static __attribute__((noinline)) void fname(void (*check)(const char *, int, int),           \
	                                            const char *where)                                \
	{                                                                                             \
		static char msg[3][96];                                                               \
		int i;                                                                                \
		CALL(check, "getenv(credential)", SENTINEL, getenv("OPENAI_API_KEY"));                \
		CALL(check, "getenv(absent credential)", SENTINEL, getenv("OPEN_AI_API_KEY"));        \
		CALL(check, "getenv(HOME)", SENTINEL, getenv("HOME"));                                \
		CALL(check, "getenv(ordinary long name)", SENTINEL, getenv("SOME_ORDINARY_SETTING")); \
		CALL(check, "secure_getenv(credential)", SENTINEL, secure_getenv("OPENAI_API_KEY"));  \
		CALL(check, "secure_getenv(ordinary)", SENTINEL, secure_getenv("SOME_ORDINARY_SETTING")); \
		for (i = 0; i < 3; i++) /* one call site, one value: counted after the first */      \
			CALL(check, "getenv(credential), repeated", SENTINEL, getenv("OPENAI_API_KEY")); \
		/* The Node adapter's messages come through getenv too (node.c). */                   \
		snprintf(msg[0], sizeof msg[0], "\037credtrace:hello:1:node:v0.0.0-%s", where);       \
		snprintf(msg[1], sizeof msg[1], "\037credtrace:r:0:7\037f\037/app/%s.js\037OPENAI_API_KEY", \
		         where);                                                                      \
		snprintf(msg[2], sizeof msg[2], "\037credtrace:e");                                   \
		CALL(check, "getenv(adapter hello)", SENTINEL, getenv(msg[0]));                       \
		CALL(check, "getenv(adapter read message)", SENTINEL, getenv(msg[1]));                \
		CALL(check, "getenv(adapter end message)", SENTINEL, getenv(msg[2]));                 \
	}
READS_FN(reads_parent)
READS_FN(reads_vfork)
READS_FN(reads_child)

static void writes(void (*check)(const char *, int, int))
{
	static char put_cred[] = "GROQ_API_KEY=gsk_short";
	static char put_plain[] = "PLAIN_PUT=1";
	CALL(check, "setenv(credential)", SENTINEL, setenv("ANTHROPIC_API_KEY", "sk-ant-x", 1));
	CALL(check, "setenv(credential, no overwrite)", SENTINEL, setenv("ANTHROPIC_API_KEY", "y", 0));
	CALL(check, "setenv(ordinary)", SENTINEL, setenv("PLAIN_VAR", "1", 1));
	CALL(check, "setenv(feature flag)", SENTINEL, setenv("LANGSMITH_TRACING", "true", 1));
	CALL(check, "setenv(\"\")", EINVAL, setenv("", "x", 1));
	CALL(check, "setenv(\"A=B\")", EINVAL, setenv("A=B", "x", 1));
	CALL(check, "putenv(credential)", SENTINEL, putenv(put_cred));
	CALL(check, "putenv(ordinary)", SENTINEL, putenv(put_plain));
	CALL(check, "unsetenv(credential)", SENTINEL, unsetenv("ANTHROPIC_API_KEY"));
	CALL(check, "unsetenv(absent credential)", SENTINEL, unsetenv("MISTRAL_API_KEY"));
	CALL(check, "unsetenv(ordinary)", SENTINEL, unsetenv("PLAIN_VAR"));
	CALL(check, "unsetenv(\"\")", EINVAL, unsetenv(""));
}

/* A child with its own memory: its first slow path re-initialises the shim's state for it. */
static void own_child(const char *kind, int clearenv_first)
{
	static char m[64];
	snprintf(m, sizeof m, "%s, %s", mode, kind);
	mode = m;
	if (clearenv_first) {
		CALL(report, "clearenv as the first call", SENTINEL, clearenv());
	} else {
		reads_child(report, kind);
		writes(report);
		CALL(report, "clearenv", SENTINEL, clearenv());
	}
	fflush(stdout);
	_exit(failed ? 1 : 0);
}

static void wait_child(pid_t pid, const char *what)
{
	int st = 0;
	if (pid < 0) {
		printf("not ok - %s: %s: could not start: %s\n", mode, what, strerror(errno));
		failed++;
		return;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		failed++; /* the child printed its own not-ok lines (or died: say so) */
	if (!WIFEXITED(st))
		printf("not ok - %s: %s died (status %d)\n", mode, what, st);
}

static int deny_syscalls(void)
{
#if defined(__x86_64__) || defined(__aarch64__)
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kcmp, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrandom, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#else
	return -1;
#endif
}

static void remove_dir(const char *d)
{
	char p[4096];
	struct dirent *e;
	DIR *dp = opendir(d);
	if (!dp)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", d, e->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(d);
}

int main(int argc, char **argv)
{
	pid_t pid;
	int i;
	if (argc > 1)
		mode = argv[1];
	if (!strcmp(mode, "seccomp") && deny_syscalls() != 0) {
		printf("skip - seccomp: cannot install a seccomp filter here: %s\n", strerror(errno));
		return 0;
	}
	if (argc > 2)
		remove_dir(argv[2]);
	if (argc > 2 && !access(argv[2], F_OK)) {
		printf("not ok - %s: could not remove the trace directory\n", mode);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The parent: first reads, repeated reads, writes. */
	reads_parent(report, "parent");
	writes(report);

	/* vfork: the child shares this memory; it reads and removes an absent credential only (a
	 * setenv there would change the parent's environment under it). */
	pid = vfork();
	if (pid == 0) {
		reads_vfork(note, "vfork");
		CALL(note, "unsetenv(absent credential)", SENTINEL, unsetenv("MISTRAL_API_KEY"));
		_exit(0);
	}
	wait_child(pid, "vfork child");
	for (i = 0; i < nlater; i++) {
		char what[96];
		snprintf(what, sizeof what, "vfork child: %s", later[i].what);
		report(what, later[i].got, later[i].want);
	}

	/* fork (atfork handlers run) and a raw clone (none run), each as a first call and as a
	 * series of calls. */
	fflush(stdout);
	if ((pid = fork()) == 0)
		own_child("fork child", 1);
	wait_child(pid, "fork child");
	if ((pid = fork()) == 0)
		own_child("fork child", 0);
	wait_child(pid, "fork child");
	if ((pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)) == 0)
		own_child("clone child", 1);
	wait_child(pid, "clone child");
	if ((pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)) == 0)
		own_child("clone child", 0);
	wait_child(pid, "clone child");

	CALL(report, "clearenv", SENTINEL, clearenv());
	return failed ? 1 : 0;
}
