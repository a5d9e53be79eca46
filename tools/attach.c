/* SPDX-License-Identifier: MIT */
/* attach.c: `credtrace attach` and `credtrace detach`: load the shim into running processes and tell
 * it to start or stop tracing, each through one injected call (inject.c). Every check that can be
 * made from outside is made before the target is touched; any failure leaves it as it was. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "help.h"
#include "inject.h"

#define BUDGET_MS 10.0
#define RTLD_NOW_ 0x2 /* the target's dlopen flags (glibc's values) */

/* What /proc/PID/maps says about the objects that matter. */
struct maps {
	struct inj_target t;
	uint64_t libc_base, shim_base;
	char libc_path[PATH_MAX];
	int musl;
};

/* A refusal: what happened and how to allow it. */
static int refuse(long pid, const char *what, const char *hint)
{
	fprintf(stderr, "%s: cannot attach to %ld: %s\n", argv0, pid, what);
	if (hint && *hint)
		fprintf(stderr, "  how to allow it: %s\n", hint);
	return 2;
}

static int read_text(const char *p, char *buf, size_t n)
{
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t got;
	if (fd < 0)
		return -1;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return -1;
	buf[got] = 0;
	return 0;
}

static long status_field(long pid, const char *key)
{
	char p[64], b[8192], *at;
	snprintf(p, sizeof p, "/proc/%ld/status", pid);
	if (read_text(p, b, sizeof b) != 0 || !(at = strstr(b, key)))
		return -1;
	return strtol(at + strlen(key), NULL, 10);
}

static const char *yama_words(void)
{
	char b[16];
	if (read_text("/proc/sys/kernel/yama/ptrace_scope", b, sizeof b) != 0)
		return "absent (no Yama)";
	switch (atoi(b)) {
	case 0:
		return "0 (classic)";
	case 1:
		return "1 (descendants only: CAP_SYS_PTRACE, or sysctl kernel.yama.ptrace_scope=0)";
	case 2:
		return "2 (admin only: CAP_SYS_PTRACE)";
	default:
		return "3 (no attach until reboot)";
	}
}

/* Why ptrace may be refused, in terms of what the user can change. */
static void permission_hint(long pid, char *out, size_t n)
{
	char sb[8192], *c;
	unsigned long long capeff = 0;
	if (read_text("/proc/self/status", sb, sizeof sb) == 0 && (c = strstr(sb, "CapEff:")))
		capeff = strtoull(c + 7, NULL, 16);
	snprintf(out, n,
	         "ptrace needs the target's user (you are uid %ld, it runs as uid %ld) or CAP_SYS_PTRACE "
	         "(you %s it); Yama ptrace_scope is %s; your seccomp mode is %ld. Run as root or as its "
	         "user; in a container add the SYS_PTRACE capability (see docs/attach.md).",
	         (long)geteuid(), status_field(pid, "Uid:\t"), capeff & (1ull << 19) ? "have" : "lack",
	         yama_words(), status_field(getpid(), "Seccomp:\t"));
}

static int base_is(const char *path, const char *prefix)
{
	const char *b = strrchr(path, '/');
	return !strncmp(b ? b + 1 : path, prefix, strlen(prefix));
}

/* Reads /proc/PID/maps: libc's and the loader's text, libc's and the shim's load bases. */
static int read_maps(long pid, const char *shim, struct maps *m)
{
	char p[64], line[PATH_MAX + 128];
	FILE *f;
	memset(m, 0, sizeof *m);
	m->t.pid = (pid_t)pid;
	snprintf(p, sizeof p, "/proc/%ld/maps", pid);
	if (!(f = fopen(p, "re")))
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long long lo, hi, off;
		char perms[8], path[PATH_MAX] = "";
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095[^\n]", &lo, &hi, perms, &off, path) < 4)
			continue;
		if (path[0] != '/')
			continue;
		if (base_is(path, "ld-musl") || base_is(path, "libc.musl"))
			m->musl = 1;
		if (base_is(path, "libc.so.6")) {
			if (off == 0 && !m->libc_base) {
				m->libc_base = lo;
				snprintf(m->libc_path, sizeof m->libc_path, "%s", path);
			}
			if (perms[2] == 'x' && !m->t.libc_lo) {
				m->t.libc_lo = lo;
				m->t.libc_hi = hi;
			}
		} else if (base_is(path, "ld-linux") && perms[2] == 'x' && !m->t.ld_lo) {
			m->t.ld_lo = lo;
			m->t.ld_hi = hi;
		} else if (shim && !strcmp(path, shim)) {
			if (off == 0 && !m->shim_base)
				m->shim_base = lo;
			if (perms[2] == 'x' && !m->t.shim_lo) {
				m->t.shim_lo = lo;
				m->t.shim_hi = hi;
			}
		}
	}
	fclose(f);
	return 0;
}

/* The value of a defined dynamic symbol in an ELF file, 0 when absent. */
static uint64_t elf_sym(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;
	Elf_Scn *s = NULL;
	uint64_t v = 0;
	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	if (!(e = elf_begin(fd, ELF_C_READ, NULL))) {
		close(fd);
		return 0;
	}
	while (!v && (s = elf_nextscn(e, s)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_DYNSYM || !(d = elf_getdata(s, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / (sh.sh_entsize ? sh.sh_entsize : 24); i++) {
			GElf_Sym sym;
			const char *n;
			if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			if ((n = elf_strptr(e, sh.sh_link, sym.st_name)) && !strcmp(n, name)) {
				v = sym.st_value;
				break;
			}
		}
	}
	elf_end(e);
	close(fd);
	return v;
}

/* What kind of program is it? NULL when it can take the shim, else why not. */
static const char *program_kind(long pid)
{
	char p[64];
	int fd, go = 0, interp = 0;
	Elf *e;
	GElf_Ehdr eh;
	size_t shstr, nph;
	Elf_Scn *s = NULL;
	snprintf(p, sizeof p, "/proc/%ld/exe", pid);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL; /* unreadable here: the maps check says more */
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || !gelf_getehdr(e, &eh)) {
		if (e)
			elf_end(e);
		close(fd);
		return "its program is not an ELF file this tool can read";
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		elf_end(e);
		close(fd);
		return "it is not a 64-bit x86-64 program (the injector knows that ABI only)";
	}
	if (elf_getphdrnum(e, &nph) == 0)
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_INTERP)
				interp = 1;
		}
	if (elf_getshdrstrndx(e, &shstr) == 0)
		while ((s = elf_nextscn(e, s)) != NULL) {
			GElf_Shdr sh;
			const char *n;
			if (gelf_getshdr(s, &sh) && (n = elf_strptr(e, shstr, sh.sh_name)) &&
			    (!strcmp(n, ".go.buildinfo") || !strcmp(n, ".gopclntab")))
				go = 1;
		}
	elf_end(e);
	close(fd);
	if (go)
		return "it is a Go program: its runtime keeps its own copy of the environment and its "
		       "goroutine stacks and signal handling make an injected call unsafe";
	if (!interp)
		return "it is a static binary: it has no dynamic loader to load the shim into";
	return NULL;
}

static const char *p_status(char *buf, size_t n, long pid)
{
	snprintf(buf, n, "/proc/%ld/status", pid);
	return buf;
}

/* Every check made before the target is touched. 0, or the exit status of a refusal. */
static int preflight(long pid, const char *shim, struct maps *m, int seccomp_ok)
{
	char hint[1024], p[PATH_MAX + 64], what[PATH_MAX + 128];
	const char *kind, *st;
	struct stat a, b;
	long v;
	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
		return refuse(pid, "no such process", NULL);
	if (pid == getpid())
		return refuse(pid, "that is this process", NULL);
	if ((kind = program_kind(pid)) != NULL)
		return refuse(
		    pid, kind,
		    "start it under `credtrace run`, or read its environment with `credtrace snap`");
	if (read_maps(pid, shim, m) != 0) {
		int e = errno;
		permission_hint(pid, hint, sizeof hint);
		snprintf(what, sizeof what, "cannot read /proc/%ld/maps: %s", pid, strerror(e));
		return refuse(pid, what, hint);
	}
	if (m->musl)
		return refuse(pid, "it runs on musl libc; the shim is built for glibc",
		              "build credtrace against musl inside that image");
	if (!m->libc_base || !m->t.libc_lo)
		return refuse(pid, "glibc (libc.so.6) is not loaded in it", "start it under `credtrace run`");
	if (read_text(p_status(p, sizeof p, pid), what, sizeof what) == 0 &&
	    (st = strstr(what, "State:\t")) && (st[7] == 'T' || st[7] == 't' || st[7] == 'Z' || st[7] == 'X'))
		return refuse(pid,
		              st[7] == 'Z' || st[7] == 'X' ? "it is exiting (a zombie)"
		                                           : "it is stopped (SIGSTOP or a debugger)",
		              st[7] == 'Z' || st[7] == 'X' ? NULL : "continue it first (kill -CONT)");
	if ((v = status_field(pid, "TracerPid:\t")) > 0) {
		snprintf(what, sizeof what, "it is already being traced by process %ld (a debugger?)", v);
		return refuse(pid, what, "detach that tracer first");
	}
	if ((v = status_field(pid, "Seccomp:\t")) == 1)
		return refuse(pid, "it runs in strict seccomp mode: loading a library would kill it", NULL);
	if (v == 2 && !seccomp_ok)
		return refuse(pid,
		              "it runs under a seccomp filter, which may kill it for the system calls "
		              "that loading the shim makes (openat, mmap, mprotect)",
		              "pass --seccomp-ok when the filter allows them (Docker's and Kubernetes' "
		              "RuntimeDefault profiles do)");
	/* The target opens the shim by path, in its own mount namespace. */
	snprintf(p, sizeof p, "/proc/%ld/root%s", pid, shim);
	if (stat(shim, &a) != 0 || stat(p, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		snprintf(what, sizeof what, "it does not see %s (another mount namespace: a container?)",
		         shim);
		return refuse(pid, what,
		              "make the same file visible at the same path inside it (a volume), or run "
		              "credtrace from inside the container");
	}
	return 0;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* Reads a NUL-terminated string of the target (dlerror's message). */
static void read_str(pid_t pid, uint64_t addr, char *out, size_t n)
{
	struct iovec l = {out, n - 1}, r = {(void *)addr, n - 1};
	ssize_t got = addr ? process_vm_readv(pid, &l, 1, &r, 1, 0) : -1;
	out[got > 0 ? got : 0] = 0;
	out[strcspn(out, "\n")] = 0;
}

static sigset_t block_signals(void)
{
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	sigprocmask(SIG_BLOCK, &s, &old);
	return old;
}

/* Stops one thread, makes the calls, restores it. cfg NULL: detach. Returns the exit status. */
static int inject(long pid, const char *shim, struct maps *m, const char *cfg)
{
	struct inj in;
	char why[512] = "", err[256];
	uint64_t dlopen_at, fn_off, ret = 0, handle = 0, t_load, t_call, t_end;
	int rc = 0;
	sigset_t old;
	if (cfg && !m->shim_base) {
		char lp[PATH_MAX + 64];
		snprintf(lp, sizeof lp, "/proc/%ld/root%s", pid, m->libc_path);
		dlopen_at = elf_sym(lp, "dlopen");
		if (!dlopen_at)
			dlopen_at = elf_sym(lp, "__libc_dlopen_mode"); /* glibc before 2.34 */
		if (!dlopen_at)
			return refuse(pid, "its libc exports no dlopen", NULL);
		dlopen_at += m->libc_base;
	} else {
		dlopen_at = 0;
	}
	fn_off = elf_sym(shim, cfg ? "credtrace_attach" : "credtrace_detach");
	if (!fn_off)
		return refuse(pid, "the shim exports no credtrace_attach/credtrace_detach (an old build?)",
		              NULL);
	old = block_signals(); /* an interrupted tracer would leave the thread in the middle of a call */
	if (inj_stop(&m->t, &in, why, sizeof why) != 0) {
		char hint[1024] = "";
		if (strstr(why, "PTRACE_SEIZE"))
			permission_hint(pid, hint, sizeof hint);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return refuse(pid, why, hint);
	}
	t_load = inj_now_ns();
	if (dlopen_at) {
		if (inj_call(&in, dlopen_at, shim, 0, RTLD_NOW_, &handle, why, sizeof why) != 0) {
			rc = 2;
		} else if (!handle) {
			uint64_t dlerror_at = elf_sym(m->libc_path, "dlerror"), msg = 0;
			err[0] = 0;
			if (dlerror_at &&
			    inj_call(&in, dlerror_at + m->libc_base, NULL, 0, 0, &msg, why, sizeof why) == 0)
				read_str(m->t.pid, msg, err, sizeof err);
			snprintf(why, sizeof why, "dlopen of the shim failed in the target: %s",
			         err[0] ? err : "no reason given");
			rc = 2;
		}
		if (!rc) {
			struct maps m2;
			if (read_maps(pid, shim, &m2) != 0 || !m2.shim_base) {
				snprintf(why, sizeof why, "the shim is not mapped after dlopen");
				rc = 2;
			} else {
				m->shim_base = m2.shim_base;
			}
		}
	}
	t_call = inj_now_ns();
	if (!rc && inj_call(&in, m->shim_base + fn_off, cfg, 0, 0, &ret, why, sizeof why) != 0)
		rc = 2;
	t_end = inj_now_ns();
	inj_release(&in);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return refuse(pid, why, NULL);
	if ((int)ret == -4) {
		fprintf(stderr,
		        "%s: %ld is busy binding a library it just loaded: nothing changed, try again\n",
		        argv0, pid);
		return 2;
	}
	if (!cfg) {
		if ((int)ret < 0) {
			fprintf(stderr, "%s: %ld was not attached\n", argv0, pid);
			return 2;
		}
		fprintf(stderr,
		        "%s: detached from %ld: %d hook slots restored; thread %d stopped %.3f ms (on a CPU "
		        "%.3f ms)\n",
		        argv0, pid, (int)ret, (int)in.tid, ms(in.total_ns), ms(in.run_ns));
		return 0;
	}
	switch ((int)ret) {
	case -1:
		return refuse(pid, "it is traced already (the shim is in its LD_PRELOAD)", NULL);
	case -2:
		return refuse(
		    pid,
		    "the shim could not start tracing (the trace directory is missing or not writable by "
		    "the target's user, or the process runs setuid or with file capabilities)",
		    "pass -o DIR with a directory the target's user can write");
	case -3:
		fprintf(stderr, "%s: %ld is attached already\n", argv0, pid);
		return 0;
	default:
		break;
	}
	fprintf(stderr,
	        "%s: attached to %ld: %d hook slots bound; thread %d stopped %.3f ms (budget %.0f ms%s; "
	        "dlopen %.3f ms, start %.3f ms; on a CPU %.3f ms, the rest waiting for one)\n",
	        argv0, pid, (int)ret, (int)in.tid, ms(in.total_ns), BUDGET_MS,
	        ms(in.total_ns) > BUDGET_MS ? ", OVER" : "", dlopen_at ? ms(t_call - t_load) : 0.0,
	        ms(t_end - t_call), ms(in.run_ns));
	return 0;
}

static int detach_one(long pid, const char *shim)
{
	struct maps m;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return refuse(pid, "no such process", NULL);
	if (read_maps(pid, shim, &m) != 0) {
		char hint[1024];
		permission_hint(pid, hint, sizeof hint);
		return refuse(pid, "cannot read its memory map", hint);
	}
	if (!m.shim_base) {
		fprintf(stderr, "%s: %ld has no shim loaded: nothing to detach\n", argv0, pid);
		return 2;
	}
	return inject(pid, shim, &m, NULL);
}

static volatile sig_atomic_t stop_early;
static void on_signal(int s)
{
	(void)s;
	stop_early = 1;
}

static int usage_attach(void)
{
	fprintf(stderr,
	        "usage: %s attach [-o DIR] [--for SECONDS] [--children] [--seccomp-ok] PID...\n"
	        "       %s detach PID...\n",
	        argv0, argv0);
	return 2;
}

static long parse_pid(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v > 0 ? v : -1;
}

int cmd_attach(int argc, char **argv)
{
	const char *dir = NULL;
	char shim[PATH_MAX], absdir[PATH_MAX], cfg[PATH_MAX + 128];
	long secs = -1;
	int children = 0, seccomp_ok = 0, i, rc = 0, attached = 0;
	long pids[256];
	int ok[256];
	int npid = 0;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help_attach(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--for") && i + 1 < argc) {
			char *end;
			secs = strtol(argv[++i], &end, 10);
			if (*end || secs <= 0) {
				weprintf("--for wants a positive number of seconds, not '%s'", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--children"))
			children = 1;
		else if (!strcmp(argv[i], "--seccomp-ok"))
			seccomp_ok = 1;
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else
			return usage_attach();
	}
	if (i >= argc)
		return usage_attach();
	if (find_shim(shim, sizeof shim) != 0) {
		weprintf("cannot find libcredtrace.so next to this program or in ../lib from it");
		return 2;
	}
	if (dir) {
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			weprintf("%s:", dir);
			return 2;
		}
		if (!realpath(dir, absdir)) {
			weprintf("%s:", dir);
			return 2;
		}
	}
	snprintf(cfg, sizeof cfg, "dir=%s\nchildren=%d\nfor=%ld\n", dir ? absdir : "", children, secs);
	for (; i < argc && npid < 256; i++) {
		struct maps m;
		long pid = parse_pid(argv[i]);
		int r;
		if (pid < 0) {
			weprintf("'%s' is not a process id", argv[i]);
			rc = 2;
			continue;
		}
		r = preflight(pid, shim, &m, seccomp_ok);
		if (!r) {
			/* A target of another user writes as that user: give it the directory. */
			long uid = status_field(pid, "Uid:\t");
			if (dir && geteuid() == 0 && uid > 0 && chown(absdir, (uid_t)uid, (gid_t)-1) != 0)
				weprintf("chown %s:", absdir);
			r = inject(pid, shim, &m, cfg);
		}
		if (r)
			rc = r;
		else
			attached++;
		pids[npid] = pid;
		ok[npid++] = !r;
	}
	if (children && attached)
		fprintf(stderr,
		        "%s: --children: LD_PRELOAD and CREDTRACE_DIR were added to the environment of the "
		        "attached processes so that programs they start are traced (restored at detach)\n",
		        argv0);
	if (secs > 0 && attached) {
		struct timespec end, now;
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += secs;
		do {
			usleep(20000);
			clock_gettime(CLOCK_MONOTONIC, &now);
		} while (!stop_early && (now.tv_sec < end.tv_sec ||
		                         (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec)));
		for (i = 0; i < npid; i++)
			if (ok[i] && detach_one(pids[i], shim) != 0)
				rc = 2;
	}
	return rc;
}

int cmd_detach(int argc, char **argv)
{
	char shim[PATH_MAX];
	int rc = 0;
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		help_detach(stdout);
		return 0;
	}
	if (argc < 2)
		return usage_attach();
	if (find_shim(shim, sizeof shim) != 0) {
		weprintf("cannot find libcredtrace.so next to this program or in ../lib from it");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		long pid = parse_pid(argv[i]);
		if (pid < 0) {
			weprintf("'%s' is not a process id", argv[i]);
			rc = 2;
			continue;
		}
		if (detach_one(pid, shim) != 0)
			rc = 2;
	}
	return rc;
}
