/* SPDX-License-Identifier: MIT */
/* init.c: the constructor (configuration, identity, the start of the trace), real-function
 * resolution, and the fork-child bookkeeping. The state it sets lives in process.c. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "ct.h"

extern char **environ;

/* "exec" from the constructor, "attach" from credtrace_attach (attach.c): the hdr's origin. */
const char *ct_g_start_origin = "exec";

void *ct_dlsym_next(const char *name, const void *self)
{
	void *p = dlsym(RTLD_NEXT, name);
	Dl_info a, b;
	/* Loaded late (attach), our own references to a hook's name bind to libc: self is then libc's
	 * function, and only an address inside this object is ours. */
	if (CT_UNLIKELY(ct_g_late)) {
		int ours =
		    p && dladdr(p, &a) && dladdr((void *)ct_dlsym_next, &b) && a.dli_fbase == b.dli_fbase;
		return ours ? NULL : p;
	}
	return p == self ? NULL : p;
}

void ct_real_resolve(void)
{
	CT_STATE static atomic_int done;
	if (atomic_exchange(&done, 1))
		return;
	ct_compat_resolve();
	ct_env_resolve();
	ct_proc_resolve();
	ct_sock_resolve();
}

/* Reads a small /proc file with raw syscalls into buf; returns bytes read. */
static size_t read_small(const char *p, char *buf, size_t n)
{
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	long got;
	if (fd < 0)
		return 0;
	got = syscall(SYS_read, fd, buf, n - 1);
	syscall(SYS_close, fd);
	if (got < 0)
		got = 0;
	buf[got] = 0;
	return (size_t)got;
}

/* Docker, containerd and Kubernetes put a 64-hex container id in the cgroup path. Reading it costs
 * a process 10 us or more (procfs, nine hierarchies under cgroup v1), so only where a container is
 * likely: a Kubernetes pod (KUBERNETES_SERVICE_HOST), or a host name of 12 hex digits (Docker's and
 * Podman's default, the id's first digits). Elsewhere the host name tells processes apart. */
static int container_likely(void)
{
	size_t i;
	if (ct_env_lookup(environ, "KUBERNETES_SERVICE_HOST"))
		return 1;
	for (i = 0; ct_g_host[i]; i++)
		if (!((ct_g_host[i] >= '0' && ct_g_host[i] <= '9') ||
		      (ct_g_host[i] >= 'a' && ct_g_host[i] <= 'f')))
			return 0;
	return i == 12;
}

static void find_container(void)
{
	char b[4096];
	size_t n = read_small("/proc/self/cgroup", b, sizeof b), i, run = 0;
	for (i = 0; i < n; i++) {
		char c = b[i];
		int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		run = hex ? run + 1 : 0;
		if (run == 64 && !(i + 1 < n && ((b[i + 1] >= '0' && b[i + 1] <= '9') ||
		                                 (b[i + 1] >= 'a' && b[i + 1] <= 'f')))) {
			memcpy(ct_g_hdr_facts.container, b + i - 63, 64);
			ct_g_hdr_facts.container[64] = 0;
			return;
		}
	}
}

/* Atfork prepare: runs in the parent before every fork that runs handlers (ours, daemon()'s) and
 * is called by our _Fork hook. Everything here is written before the fork, where it is free. */
void ct_fork_prepare(void)
{
	ct_g_hot.threads_at_fork = ct_thread_count();
	ct_g_hot.fork_ts = ct_now_us();
	ct_sock_fork_prepare();
	ct_bt_fork_prepare();
}

/* Atfork child: the least that makes the child tell itself apart (one syscall, one page). The
 * read table's generation moves now because repeated reads are counted without ct_self(). */
void ct_fork_mark_child(void)
{
	ct_g_hot.child_pid = (pid_t)ct_raw_getpid();
	ct_g_hot.read_gen++;
}

/* Everything a new child process must reset before it records anything. Runs from ct_self() at the
 * child's first slow-path call (lazily: most children of a fork loop exit or exec before that) or
 * for a child that ran no atfork handler; async-signal-safe work only. */
void ct_fork_child_reinit(const char *origin, pid_t pid)
{
	int fork_ = origin[0] == 'f';
	ct_g_hdr_facts.parent.pid = ct_g_pid;
	memcpy(ct_g_hdr_facts.parent.nonce, ct_g_nonce, sizeof ct_g_hdr_facts.parent.nonce);
	ct_g_hdr_facts.parent.threads = fork_ ? ct_g_hot.threads_at_fork : 0;
	ct_g_hdr_facts.parent.fork_ts = fork_ ? ct_g_hot.fork_ts : ct_now_us();
	ct_g_pid = pid;
	ct_g_gen++;
	ct_g_hot.forks = 0;
	/* A child of a single-threaded parent cannot inherit a lock held by another thread, so it
	 * may unwind; for any other child (or an unknown thread count) dl_iterate_phdr's lock may be
	 * held by a thread that does not exist here. */
	ct_g_bt_child_fresh = !(fork_ && ct_g_hot.threads_at_fork == 1);
	ct_g_pysite.set = 0; /* a site stashed for the fork itself belongs to the parent's record */
	ct_trace_fork_child(origin);
	ct_sock_fork_child();
	ct_env_fork_child();
	ct_agg_fork_child();
	ct_bt_fork_child();
}

/* Re-initialisation from a slow path: a signal handler's hooks pass through while the state is
 * half reset. */
static void reinit_guarded(const char *origin, pid_t pid)
{
	int g = ct_g_guard;
	ct_g_guard = 1;
	ct_fork_child_reinit(origin, pid);
	ct_g_guard = g;
}

/* A child that shares our memory (vfork, CLONE_VM) must not touch it; one with its own memory that
 * ran no atfork handler is made a traced process of its own here. kcmp tells the two apart; where
 * kcmp is unavailable we assume shared memory, the safe side. errno is kept (a failed kcmp, the
 * re-initialisation): callers return from here to the program, some without restoring it. */
enum ct_self ct_self(void)
{
	long pid = ct_raw_getpid(), k;
	CT_KEEP_ERRNO;
	if (CT_LIKELY(pid == ct_g_pid))
		return CT_SELF_OWN;
	if (pid == ct_g_hot.child_pid) { /* a fork child (atfork handler ran): its first slow path */
		reinit_guarded("fork", (pid_t)pid);
		return CT_SELF_OWN;
	}
	if (syscall(SYS_getppid) == ct_g_pid) {
		k = syscall(SYS_kcmp, pid, (long)ct_g_pid, KCMP_VM, 0, 0);
		if (k == 1 || k == 2) { /* ordered, not equal: a separate address space */
			reinit_guarded("clone", (pid_t)pid);
			return CT_SELF_FORKED;
		}
	}
	return CT_SELF_VFORK;
}

static void read_config(void)
{
	/* `credtrace attach -o DIR` gives settings without touching the process's environment. */
	ct_config_read_given(environ, CT_UNLIKELY(ct_g_late) ? ct_attach_setting : NULL);
	for (int i = 0; ct_config_problem(i); i++)
		ct_debug(ct_config_problem(i), NULL);
	ct_cred_configure(ct_g_config.vars);
}

static void find_self(void)
{
	Dl_info di;
	if (dladdr((void *)find_self, &di) && di.dli_fname) {
		size_t n = strlen(di.dli_fname);
		if (n >= sizeof ct_g_self_path)
			n = sizeof ct_g_self_path - 1;
		memcpy(ct_g_self_path, di.dli_fname, n);
		ct_g_self_path[n] = 0;
	}
}

__attribute__((constructor(101))) static void ct_init(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)envp;
	if (ct_g_on)
		return;
	if (ct_loaded_late()) { /* opened by `credtrace attach`: credtrace_attach starts tracing */
		ct_g_argv = argv;
		return;
	}
	ct_start(argv, "exec");
}

void ct_start(char **argv, const char *origin)
{
	long got;
	ct_g_start_origin = origin;
	ct_g_guard = 1;
	ct_real_resolve();
	if (getauxval(AT_SECURE)) /* setuid/setgid/capabilities: trace nothing at all */
		goto out;
	read_config();
	ct_g_pid = (pid_t)ct_raw_getpid();
	ct_g_argv = argv;
	for (char **e = environ; e && *e; e++)
		ct_g_hdr_facts.vars++;
	got = syscall(SYS_readlink, "/proc/self/exe", ct_g_exe, sizeof ct_g_exe - 1);
	ct_g_exe[got > 0 ? got : 0] = 0;
	find_self();
	if (ct_trace_init() != 0)
		goto out;
	if (container_likely())
		find_container();
	ct_bt_init(ct_g_hdr_facts.bt, sizeof ct_g_hdr_facts.bt); /* sets ct_g_cfg_backtrace */
	ct_proc_init();
	ct_g_on = 1;
	ct_trace_batch(1);
	ct_trace_write_hdr(origin); /* the file's first line */
	ct_env_snapshot(argv);
	if (!ct_g_late)
		ct_py_init(); /* attach installs the adapter itself (ct_py_attach) */
	ct_node_init();
	ct_trace_batch(0);
out:
	ct_g_guard = 0;
}

__attribute__((destructor)) static void ct_fini(void)
{
	/* An "end" record says the process exited normally (a report's "end"); a fork child that wrote
	 * nothing has no file, and gets none just for this. Aggregates still counting are flushed. */
	if (!ct_g_on || ct_self() != CT_SELF_OWN ||
	    !(ct_env_exit_pending() || ct_agg_exit_pending() || ct_trace_has_file()))
		return;
	ct_g_guard = 1;
	ct_env_exit();
	ct_agg_exit();
	ct_g_guard = 0;
}
