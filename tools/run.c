/* SPDX-License-Identifier: MIT */
/* run.c: `credtrace run`: run a command under the shim, pass its exit status through, then report. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "../shim/dirpolicy.h"
#include "cli.h"
#include "help.h"

/* Exit statuses of a wrapper, as GNU env, timeout and nice use them: the command's own status when it
 * ran, 126 when it cannot be executed, 127 when it is not found, 125 when credtrace itself failed. */
enum { RUN_FAILED = 125, RUN_NOEXEC = 126, RUN_NOTFOUND = 127, RUN_USAGE = 2 };

/* Signals a user sends to stop or poke a program; forwarded so `kill <credtrace>` reaches the command. */
static const int fwd_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define NFWD (sizeof fwd_sigs / sizeof fwd_sigs[0])
static volatile sig_atomic_t child_pid;

static void usage(void)
{
	fputs("usage: credtrace run [-o DIR] [-q] [--wait SECONDS] [--] CMD [ARGS...]\n", stderr);
}

/* Forward a signal to the command, unless the command already got it: the terminal sends SIGINT,
 * SIGQUIT and SIGHUP to the whole foreground process group (si_code SI_KERNEL), and the command
 * itself may signal us. Forwarding those would deliver them twice. */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	pid_t c = child_pid;
	if (c <= 0 || si->si_code == SI_KERNEL || (si->si_code == SI_USER && si->si_pid == c))
		return;
	int saved = errno;
	kill(c, sig);
	errno = saved;
}

/* PATH lookup as execvp does it. Returns 0 with the path in out, or an errno: ENOENT when nothing
 * is found, EACCES/EISDIR when the only candidate cannot be executed. */
static int resolve(const char *cmd, char *out, size_t n)
{
	struct stat st;
	if (strchr(cmd, '/')) {
		if (snprintf(out, n, "%s", cmd) >= (int)n)
			return ENAMETOOLONG;
		if (stat(out, &st) < 0)
			return errno;
		if (S_ISDIR(st.st_mode))
			return EISDIR;
		return access(out, X_OK) < 0 ? errno : 0;
	}
	const char *path = getenv("PATH");
	int err = ENOENT;
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *e = strchrnul(p, ':');
		int len = (int)(e - p);
		if (snprintf(out, n, "%.*s%s%s", len, p, len ? "/" : "", cmd) < (int)n &&
		    stat(out, &st) == 0) {
			if (!S_ISDIR(st.st_mode) && access(out, X_OK) == 0)
				return 0;
			err = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
		}
		if (!*e)
			break;
		p = e;
	}
	return err;
}

/* Reads an ELF header and says whether the file has no program interpreter (a static executable,
 * which ld.so never sees, so LD_PRELOAD does nothing). Returns 1 static, 0 dynamic or not ELF. */
static int elf_static(int fd, const Elf64_Ehdr *eh)
{
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		off_t off = (off_t)eh->e_phoff + (off_t)i * eh->e_phentsize;
		if (pread(fd, &ph, sizeof ph, off) != (ssize_t)sizeof ph)
			return 0;
		if (ph.p_type == PT_INTERP)
			return 0;
	}
	return 1;
}

/* Says, before the command runs, why the shim cannot trace it; NULL when it can as far as we know.
 * Follows one "#!" line, since the interpreter is what the kernel really starts. */
static const char *untraceable(const char *path, int depth)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	const char *why = NULL;
	/* glibc ignores LD_PRELOAD paths with slashes in secure-execution mode (AT_SECURE), which the
	 * kernel sets when the exec changes the effective ids or grants file capabilities. */
	if (((st.st_mode & S_ISUID) && st.st_uid != getuid()) ||
	    ((st.st_mode & S_ISGID) && st.st_gid != getgid()))
		why = "is setuid or setgid: the loader ignores LD_PRELOAD for it";
	else if (fgetxattr(fd, "security.capability", NULL, 0) > 0)
		why = "has file capabilities: the loader ignores LD_PRELOAD for it";
	unsigned char buf[256];
	ssize_t n = why ? 0 : pread(fd, buf, sizeof buf - 1, 0);
	if (n >= (ssize_t)sizeof(Elf64_Ehdr) && memcmp(buf, ELFMAG, SELFMAG) == 0) {
		Elf64_Ehdr eh;
		memcpy(&eh, buf, sizeof eh);
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (buf[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
			why = "is built for another architecture or a 32-bit ABI: the shim cannot load in it";
		else if (strncmp(base, "ld-", 3) != 0 && elf_static(fd, &eh))
			why = "is statically linked: LD_PRELOAD does not apply to it";
	} else if (n > 2 && buf[0] == '#' && buf[1] == '!' && depth == 0) {
		buf[n] = 0;
		char *p = (char *)buf + 2;
		p += strspn(p, " \t");
		p[strcspn(p, " \t\r\n")] = 0;
		if (*p == '/' && untraceable(p, 1))
			why = "runs an interpreter that cannot be traced (static or setuid)";
	}
	close(fd);
	return why;
}

/* LD_PRELOAD with the shim first, keeping every entry the user had. A leading sanitizer runtime stays
 * first (ASan refuses to start otherwise); an entry that already names the shim is not repeated. */
static char *preload_value(const char *shim)
{
	const char *old = getenv("LD_PRELOAD");
	if (!old || !*old)
		return strdup(shim);
	size_t sl = strlen(shim);
	for (const char *p = old; *p;) {
		size_t l = strcspn(p, " :");
		if (l == sl && memcmp(p, shim, l) == 0)
			return strdup(old);
		p += l;
		p += strspn(p, " :");
	}
	size_t keep = 0; /* length of the leading sanitizer runtimes in old */
	for (const char *p = old; *p;) {
		size_t l = strcspn(p, " :");
		const char *b = memrchr(p, '/', l);
		b = b ? b + 1 : p;
		if (strncmp(b, "libasan", 7) != 0 && strncmp(b, "libubsan", 8) != 0 &&
		    strncmp(b, "libtsan", 7) != 0)
			break;
		p += l;
		keep = (size_t)(p - old);
		p += strspn(p, " :");
	}
	char *v = malloc(strlen(old) + sl + 3);
	if (!v)
		return NULL;
	if (keep)
		sprintf(v, "%.*s %s %s", (int)keep, old, shim, old + keep + strspn(old + keep, " :"));
	else
		sprintf(v, "%s %s", shim, old);
	size_t vl = strlen(v);
	while (vl && v[vl - 1] == ' ')
		v[--vl] = 0;
	return v;
}

/* The value of var (NODE_OPTIONS, RUBYOPT) with a runtime adapter beside the shim loaded after every
 * option the user had: "<old> <opt><dir>/<file>". NULL when there is no such file, or the user already
 * loads it. Both runtimes split these variables at spaces: the path has none (checked with the
 * shim's, in the same directory). */
static char *adapter_value(const char *shim, const char *var, const char *file, const char *opt)
{
	const char *old = getenv(var);
	const char *slash = strrchr(shim, '/');
	char adapter[PATH_MAX];
	if (!slash || snprintf(adapter, sizeof adapter, "%.*s/%s", (int)(slash - shim), shim, file) >=
	                  (int)sizeof adapter)
		return NULL;
	if (access(adapter, R_OK) != 0 || (old && strstr(old, adapter)))
		return NULL;
	char *v = malloc((old ? strlen(old) : 0) + strlen(opt) + strlen(adapter) + 2);
	if (v)
		sprintf(v, "%s%s%s%s", old && *old ? old : "", old && *old ? " " : "", opt, adapter);
	return v;
}

/* Creates the trace directory 0700, or checks an existing one, with the shim's own policy
 * (shim/dirpolicy.c): it holds the fingerprint key, so no symlink or directory someone else could
 * have planted, ours, not writable by others. Fills abs with its absolute path. */
static int prepare_dir(const char *dir, int is_default, char *abs)
{
	const char *why;
	char at[PATH_MAX];
	if (is_default && mkdir(dir, 0700) < 0) {
		weprintf("cannot create trace directory %s:", dir);
		return -1;
	}
	if (ct_dir_absolute(dir, abs, PATH_MAX, &why) < 0) {
		weprintf("refusing trace directory %s: %s", dir, why);
		return -1;
	}
	/* the shim keeps the directory in a 1024-byte buffer (docs/trace-format.md) */
	if (strlen(abs) > 1023) {
		weprintf("refusing trace directory %.60s...: its absolute path is %zu bytes, the shim "
		         "accepts at most 1023",
		         abs, strlen(abs));
		return -1;
	}
	if (ct_dir_check(abs, geteuid(), &why, at, sizeof at) < 0) {
		weprintf("refusing trace directory %s: %s %s (it will hold the fingerprint key)", dir, at,
		         why);
		return -1;
	}
	return 0;
}

static int count_traces(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		n += l > 6 && strcmp(e->d_name + l - 6, ".jsonl") == 0;
	}
	closedir(d);
	return n;
}

/* The text report on stderr, as `credtrace report --format text DIR` prints it on stdout. Run in a
 * child so that an error path in the report code that exits cannot replace the command's status. */
static void report(const char *dir)
{
	fflush(NULL);
	pid_t p = fork();
	if (p < 0) {
		weprintf("report: fork:");
		return;
	}
	if (p == 0) {
		char *av[] = {"report", "--format", "text", (char *)dir, NULL};
		dup2(STDERR_FILENO, STDOUT_FILENO);
		optind = 0; /* glibc: a full getopt re-initialisation, in case the report parses with it */
		int rc = cmd_report(4, av);
		fflush(NULL);
		_exit(rc);
	}
	int st;
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
}

/* How long run waits, after the command, for the processes it left behind (daemons, double-forked
 * services, background jobs): their traces are only complete once they end. */
#define WAIT_DEFAULT 3.0

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Every process of the run that outlived the command is a child of ours by now (we are their
 * subreaper): reap them until none is left or `secs` have passed. Returns 1 when none is left. */
static int wait_tree(double secs)
{
	double end = now_s() + secs;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0)
			continue;
		if (p < 0 && errno == ECHILD)
			return 1;
		if (now_s() >= end)
			return 0;
		struct timespec ten_ms = {0, 10000000L};
		nanosleep(&ten_ms, NULL);
	}
}

/* Names, on stderr, the processes of the run still alive: our descendants, from /proc. */
static void name_alive(double secs)
{
	enum { MAXP = 4096, SHOW = 8 };
	static pid_t pid[MAXP], ppid[MAXP];
	static char comm[MAXP][20];
	static unsigned char mine[MAXP];
	int n = 0, shown = 0, total = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d)) && n < MAXP;) {
		char p[300], buf[512];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(p, sizeof p, "/proc/%.280s/stat", e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		size_t got = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[got] = 0;
		char *l = strchr(buf, '('), *r = strrchr(buf, ')');
		int pp;
		if (!l || !r || sscanf(r + 1, " %*c %d", &pp) != 1)
			continue;
		pid[n] = atoi(buf);
		ppid[n] = pp;
		snprintf(comm[n], sizeof comm[n], "%.*s", (int)(r - l - 1), l + 1);
		mine[n] = pp == getpid();
		n++;
	}
	closedir(d);
	for (int changed = 1; changed;) { /* descendants of our children, to any depth */
		changed = 0;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n && !mine[i]; j++)
				if (mine[j] && ppid[i] == pid[j])
					mine[i] = changed = 1;
	}
	for (int i = 0; i < n; i++)
		total += mine[i];
	if (!total)
		return;
	fprintf(stderr, "credtrace: %d process%s of the run still running after %gs:", total,
	        total == 1 ? "" : "es", secs);
	for (int i = 0; i < n && shown < SHOW; i++)
		if (mine[i])
			fprintf(stderr, "%s pid %d (%s)", shown++ ? "," : "", (int)pid[i], comm[i]);
	fprintf(stderr,
	        "%s; what they record from now on is not in this report (credtrace report "
	        "DIR later, or run --wait SECONDS)\n",
	        total > SHOW ? ", ..." : "");
}

/* Says how the command ended when a signal ended it (a shell shows only 128+N). */
static void say_signal(int st)
{
	int sig = WTERMSIG(st);
	const char *abbrev = sigabbrev_np(sig);
	fprintf(stderr, "credtrace: the command was killed by signal %d (%s%s)%s\n", sig, abbrev ? "SIG" : "",
	        abbrev ? abbrev : "unknown", WCOREDUMP(st) ? ", core dumped" : "");
}

/* fork + execvp with the environment set in the child. Returns the child's pid, or -1 with *err set
 * to the exec errno (the child reports it through a close-on-exec pipe). */
static pid_t start(char **cmd, const char *preload, const char *nodeopts, const char *rubyopt,
                   const char *dir, const sigset_t *oldmask, int *err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		*err = errno;
		return -1;
	}
	pid_t p = fork();
	if (p == 0) {
		/* Signals are blocked here; our handlers must not run in the child (child_pid is 0). */
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		for (size_t i = 0; i < NFWD; i++) {
			struct sigaction cur;
			sigaction(fwd_sigs[i], NULL, &cur);
			if (cur.sa_handler != SIG_IGN)
				sigaction(fwd_sigs[i], &dfl, NULL);
		}
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		close(pfd[0]);
		if (setenv("LD_PRELOAD", preload, 1) == 0 && setenv("CREDTRACE_DIR", dir, 1) == 0 &&
		    (!nodeopts || setenv("NODE_OPTIONS", nodeopts, 1) == 0) &&
		    (!rubyopt || setenv("RUBYOPT", rubyopt, 1) == 0))
			execvp(cmd[0], cmd);
		int e = errno;
		ssize_t w = write(pfd[1], &e, sizeof e);
		(void)w;
		_exit(e == ENOENT ? RUN_NOTFOUND : RUN_NOEXEC);
	}
	close(pfd[1]);
	if (p < 0) {
		*err = errno;
		close(pfd[0]);
		return -1;
	}
	child_pid = p;
	int e = 0;
	ssize_t r;
	while ((r = read(pfd[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	*err = r == (ssize_t)sizeof e ? e : 0;
	return p;
}

static int not_runnable(const char *cmd, int err)
{
	if (err == ENOENT && !strchr(cmd, '/')) {
		weprintf("%s: command not found", cmd);
		return RUN_NOTFOUND;
	}
	weprintf("%s: %s", cmd, strerror(err));
	return err == ENOENT ? RUN_NOTFOUND : RUN_NOEXEC;
}

int cmd_run(int argc, char **argv)
{
	const char *dir = NULL;
	int quiet = 0, i = 1;
	double wait_secs = WAIT_DEFAULT;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (++i == argc) {
				weprintf("run: %s needs a directory", a);
				usage();
				return RUN_USAGE;
			}
			dir = argv[i];
		} else if (!strcmp(a, "--wait")) {
			char *end = NULL;
			if (++i == argc || (wait_secs = strtod(argv[i], &end), end == argv[i]) || *end ||
			    !(wait_secs >= 0 && wait_secs <= 86400)) {
				weprintf("run: --wait needs a number of seconds (0 to 86400)");
				usage();
				return RUN_USAGE;
			}
		} else if (!strncmp(a, "-o", 2)) {
			dir = a + 2;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help_run(stdout);
			return 0;
		} else {
			weprintf("run: unknown option %s", a);
			usage();
			return RUN_USAGE;
		}
	}
	if (i == argc) {
		weprintf("run: no command given");
		usage();
		return RUN_USAGE;
	}
	char **cmd = argv + i;
	if (dir && !*dir) {
		weprintf("run: -o needs a non-empty directory name");
		return RUN_USAGE;
	}

	char path[PATH_MAX], shim[PATH_MAX], abs[PATH_MAX], defdir[64];
	int err = resolve(cmd[0], path, sizeof path);
	if (err)
		return not_runnable(cmd[0], err);
	if (find_shim(shim, sizeof shim) < 0) {
		weprintf("cannot find libcredtrace.so next to this program or in ../lib from it");
		return RUN_FAILED;
	}
	if (strpbrk(shim, " :")) {
		weprintf("%s: LD_PRELOAD cannot carry a path with a space or colon; install it elsewhere",
		         shim);
		return RUN_FAILED;
	}
	if (!dir) {
		/* A new directory per run, in the current directory, where the user will look for it. */
		time_t now = time(NULL);
		char stamp[32];
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(defdir, sizeof defdir, "credtrace-%s-%ld", stamp, (long)getpid());
		dir = defdir;
	}
	if (prepare_dir(dir, dir == defdir, abs) < 0)
		return RUN_FAILED;
	int before = count_traces(abs);
	char *preload = preload_value(shim);
	if (!preload) {
		weprintf("out of memory");
		return RUN_FAILED;
	}
	if (!quiet)
		fprintf(stderr, "credtrace: tracing into %s\n", abs);
	if (before)
		fprintf(stderr,
		        "credtrace: warning: %s already holds %d trace(s); the report includes "
		        "them\n",
		        abs, before);
	const char *why = untraceable(path, 0);
	if (why)
		fprintf(stderr,
		        "credtrace: warning: %s %s; it runs untraced (its children may still be "
		        "traced)\n",
		        path, why);

	/* Block the forwarded signals until child_pid is set, so none is lost or sent to pid 0. Signals
	 * ignored on entry stay ignored, for us and the command, as a shell would leave them. */
	sigset_t block, old;
	sigemptyset(&block);
	for (size_t k = 0; k < NFWD; k++) {
		struct sigaction cur, sa = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART};
		sigaction(fwd_sigs[k], NULL, &cur);
		if (cur.sa_handler == SIG_IGN)
			continue;
		sigaddset(&block, fwd_sigs[k]);
		sigfillset(&sa.sa_mask);
		sigaction(fwd_sigs[k], &sa, NULL);
	}
	fflush(NULL);
	/* Orphans of the run (daemons, double forks) become our children, so that we see them end. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* The runtime adapters (docs/runtimes.md): JavaScript and Ruby file:line of credential reads. */
	char *nodeopts = adapter_value(shim, "NODE_OPTIONS", "credtrace-node.cjs", "--require ");
	char *rubyopt = adapter_value(shim, "RUBYOPT", "credtrace-ruby.rb", "-r");
	pid_t pid = start(cmd, preload, nodeopts, rubyopt, abs, &old, &err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(preload);
	free(nodeopts);
	free(rubyopt);
	if (pid < 0) {
		weprintf("fork: %s", strerror(err));
		return RUN_FAILED;
	}
	int st, rc;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	child_pid = 0;
	if (err) {
		if (dir == defdir)
			rmdir(abs); /* nothing ran; do not leave an empty directory behind */
		return not_runnable(cmd[0], err);
	}
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (WIFSIGNALED(st) && !quiet)
		say_signal(st);
	if (!wait_tree(wait_secs) && !quiet)
		name_alive(wait_secs);
	if (quiet) {
		/* -q drops the report, not where the traces went: a quiet run is looked at later. */
		fprintf(stderr, "credtrace: traces in %s\n", abs);
		return rc;
	}
	if (count_traces(abs) == 0)
		fprintf(stderr,
		        "credtrace: no trace was written in %s: the command did not load the shim "
		        "(static, setuid, or LD_PRELOAD removed) or could not write there (full or "
		        "read-only file system; CREDTRACE_DEBUG=1 makes the shim say why)\n",
		        abs);
	else
		report(abs);
	fprintf(stderr, "credtrace: traces kept in %s (credtrace report --format json %s)\n", abs, abs);
	return rc;
}
