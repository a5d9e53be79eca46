/* SPDX-License-Identifier: MIT */
/* hostile_proc.c: a host that is hard on the shim; prints only what must be equal bare and traced.
 * Modes: reexec N | forks N | clone | _Fork | signals N | seccomp | chroot DIR | emfile | exec PATH... */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *const KEY = "OPENAI_API_KEY";

/* Presence and length of the key: never its value (tests grep every output for canaries). */
static void show_key(const char *who)
{
	const char *v = getenv(KEY);
	printf("%s: key %s len %zu\n", who, v ? "present" : "absent", v ? strlen(v) : 0);
}

static int wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int reexec(int n, int i)
{
	char a[16], b[16];
	if (i >= n) {
		show_key("reexec last");
		printf("reexec done %d\n", i);
		return 0;
	}
	(void)getenv(KEY);
	snprintf(a, sizeof a, "%d", n);
	snprintf(b, sizeof b, "%d", i + 1);
	execl("/proc/self/exe", "hostile_proc", "reexec", a, b, (char *)NULL);
	printf("execl failed: errno %d\n", errno);
	return 1;
}

static int forks(int n)
{
	long sum = 0;
	int failed = 0;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(i % 7);
		if (p < 0) {
			failed++;
			continue;
		}
		sum += wait_status(p);
	}
	printf("forks %d failed %d status sum %ld\n", n, failed, sum);
	return 0;
}

/* A child that ran no atfork handler: raw clone without CLONE_VM, and glibc's _Fork. */
static int child_work(int code)
{
	show_key("child");
	setenv("ANTHROPIC_API_KEY", "", 1);
	fflush(stdout);
	_exit(code);
}

static int do_clone(void)
{
	long p = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
	if (p == 0)
		child_work(3);
	printf("clone: child status %d\n", p > 0 ? wait_status((pid_t)p) : -1);
	return 0;
}

extern pid_t _Fork(void);
static int do_fork_raw(void)
{
	pid_t p = _Fork();
	if (p == 0)
		child_work(4);
	printf("_Fork: child status %d\n", p > 0 ? wait_status(p) : -1);
	return 0;
}

/* A fast timer without SA_RESTART while the program makes many traced calls: its own calls see
 * EINTR or succeed, never anything else, and it counts what it saw in classes that do not depend on
 * timing. */
static volatile sig_atomic_t ticks;
static void on_tick(int s)
{
	(void)s;
	ticks++;
}

static int signals(int n)
{
	struct sigaction sa;
	struct itimerval it = {{0, 200}, {0, 200}};
	int fds[2], odd = 0;
	char val[64], c;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tick; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	if (pipe(fds) < 0)
		return 1;
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < n; i++) {
		ssize_t r;
		snprintf(val, sizeof val, "sk-not-a-secret-%d", i); /* a new value: a set record each time */
		if (setenv(KEY, val, 1) != 0)
			odd++;
		(void)getenv(KEY);
		r = write(fds[1], "x", 1);
		if (r != 1 && !(r < 0 && errno == EINTR))
			odd++;
		if (r == 1) {
			do
				r = read(fds[0], &c, 1);
			while (r < 0 && errno == EINTR);
			if (r != 1)
				odd++;
		}
		if ((i & 63) == 0) {
			struct timespec ts = {0, 100000};
			if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
				odd++;
		}
	}
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	printf("signals: %d iterations, unexpected results %d, ticks seen %s\n", n, odd, ticks > 0 ? "yes" : "no");
	return 0;
}

/* getrandom, kcmp and prlimit64 fail with EPERM; everything else is allowed. */
static int seccomp_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrandom, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kcmp, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prlimit64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		printf("seccomp: cannot install: errno %d\n", errno);
		return 1;
	}
	return 0;
}

static int do_seccomp(int after)
{
	struct rlimit rl;
	pid_t p;
	int rc;
	if (!after && seccomp_filter())
		return 1;
	show_key(after ? "seccomp exec'd" : "seccomp");
	errno = 0;
	rc = getrlimit(RLIMIT_NOFILE, &rl); /* glibc: prlimit64, which the filter refuses */
	printf("getrlimit: %d errno %d\n", rc, rc ? errno : 0);
	setenv(KEY, "", 1);
	unsetenv(KEY);
	p = fork();
	if (p == 0)
		child_work(5);
	printf("fork child status %d\n", p > 0 ? wait_status(p) : -1);
	fflush(stdout);
	if (!after) {
		execl("/proc/self/exe", "hostile_proc", "seccomp-after", (char *)NULL);
		printf("exec failed: errno %d\n", errno);
	}
	return 0;
}

/* A fork child that chroots into an empty directory: no trace directory there. */
static int do_chroot(const char *dir)
{
	pid_t p = fork();
	if (p == 0) {
		if (chroot(dir) != 0 || chdir("/") != 0) {
			printf("chroot failed: errno %d\n", errno);
			_exit(9);
		}
		show_key("chrooted");
		setenv(KEY, "", 1);
		pid_t q = fork();
		if (q == 0)
			child_work(6);
		printf("chrooted grandchild status %d\n", q > 0 ? wait_status(q) : -1);
		execl("/bin/true", "true", (char *)NULL);
		printf("exec in chroot: errno %d\n", errno);
		fflush(stdout);
		_exit(7);
	}
	printf("chroot child status %d\n", p > 0 ? wait_status(p) : -1);
	return 0;
}

/* Opens fds until EMFILE, then does its work; a freed slot must go to the program, not the shim. */
static int emfile(void)
{
	int n = 0, last = -1, fd, e;
	pid_t p;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		last = fd;
		n++;
	}
	e = errno;
	printf("emfile: stopped with errno %d after more than 10: %s\n", e, n > 10 ? "yes" : "no");
	show_key("emfile");
	setenv(KEY, "", 1);
	fd = pipe((int[2]){0, 0});
	printf("pipe at the limit: %d errno %d\n", fd, fd ? errno : 0);
	close(last);
	p = fork();
	if (p == 0) {
		(void)getenv(KEY);
		fd = open("/dev/null", O_RDONLY);
		printf("child reopened the freed slot: %s\n", fd == last ? "yes" : "no");
		fflush(stdout);
		_exit(0);
	}
	printf("fork child status %d\n", p > 0 ? wait_status(p) : -1);
	(void)getenv("ANTHROPIC_API_KEY");
	fd = open("/dev/null", O_RDONLY);
	printf("parent reopened the freed slot: %s\n", fd == last ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	int rc = 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "reexec") && argc > 2)
		rc = reexec(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0);
	else if (!strcmp(m, "forks") && argc > 2)
		rc = forks(atoi(argv[2]));
	else if (!strcmp(m, "clone"))
		rc = do_clone();
	else if (!strcmp(m, "_Fork"))
		rc = do_fork_raw();
	else if (!strcmp(m, "signals") && argc > 2)
		rc = signals(atoi(argv[2]));
	else if (!strcmp(m, "seccomp") || !strcmp(m, "seccomp-after"))
		rc = do_seccomp(m[7] == '-');
	else if (!strcmp(m, "chroot") && argc > 2)
		rc = do_chroot(argv[2]);
	else if (!strcmp(m, "emfile"))
		rc = emfile();
	else if (!strcmp(m, "exec") && argc > 2) {
		show_key("exec");
		fflush(stdout);
		execv(argv[2], argv + 2);
		printf("exec failed: errno %d\n", errno);
		rc = 127;
	} else
		fprintf(stderr, "usage: hostile_proc reexec N|forks N|clone|_Fork|signals N|seccomp|chroot DIR|emfile|exec PATH...\n");
	return rc;
}
