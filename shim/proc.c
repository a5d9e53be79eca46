/* SPDX-License-Identifier: MIT */
/* proc.c: fork and _Fork. The parent records the child's pid; the child starts a trace file of its
 * own at its first record, saying who its parent was and how many threads that parent had. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct.h"
#include "fork_region.h"

extern pid_t _Fork(void);

CT_STATE static pid_t (*real_fork)(void);
CT_STATE static pid_t (*real__Fork)(void);

void ct_proc_resolve(void)
{
	real_fork = (pid_t(*)(void))ct_dlsym_next("fork", (void *)fork);
	real__Fork = (pid_t(*)(void))ct_dlsym_next("_Fork", (void *)_Fork);
	ct_proc_exec_resolve();
	ct_proc_spawn_resolve();
}

/* The atfork handlers: see ct_fork_prepare and ct_fork_mark_child (init.c). No parent handler: the
 * fork hook does the parent's part itself, and a fork it did not see needs none. */
static void atfork_prepare(void)
{
	CT_KEEP_ERRNO; /* a failed system call in the handler must not show in the host's errno */
	if (ct_g_on) {
		ct_fork_prepare();
		ct_region_prepare(); /* the file this fork's child writes into (fork_region.c) */
	}
}

static void atfork_child(void)
{
	if (ct_g_on)
		ct_fork_mark_child();
}

void ct_proc_init(void)
{
	pthread_atfork(atfork_prepare, NULL, atfork_child);
}

/* Is this a vfork child? ct_self() with errno kept: on its slow path (a child that no atfork handler
 * marked, such as a raw clone's) it makes system calls, and kcmp fails under a seccomp filter or a
 * kernel without CONFIG_KCMP; a hook that then makes its real call unchanged must not show that
 * error (tests/cases/11-proc.sh, proc_exec_errno clone). */
int ct_vfork_child(void)
{
	CT_KEEP_ERRNO;
	return ct_self() == CT_SELF_VFORK;
}

static void fork_record(const char *fn, pid_t pid, int err, int threads)
{
	struct ct_rec r;
	ct_rec_begin(&r, "fork");
	ct_rec_str(&r, "fn", fn);
	ct_rec_int(&r, "child", pid);
	if (pid < 0)
		ct_rec_int(&r, "errno", err);
	ct_rec_int(&r, "threads", threads);
	ct_rec_int(&r, "gen", ct_g_gen);
	ct_rec_int(&r, "forks", ct_forks_now());
	/* A language-level site only: native backtraces are kept to reads, connects and first uses, and
	 * a fork loop must not pay one per fork (docs/trace-format.md, the `fork` record). */
	if (ct_g_pysite.set)
		ct_rec_site(&r);
	ct_rec_emit(&r);
}

/* The parent's side after the fork. Written for the cost of a fork: the pages it writes (the fork
 * record on the stack, ct_g_hot) are the only ones copied for it while the child shares them. No
 * guard is needed: nothing here calls a hooked function, and errno is written back only when it
 * changed (libc leaves it alone on success): CT_KEEP_ERRNO would write it always, and so copy
 * the page that holds it. */
static pid_t fork_parent(const char *fn, pid_t pid)
{
	int err = errno;
	ct_sock_fork_parent(pid > 0);
	if (pid > 0)
		__atomic_add_fetch(&ct_g_hot.forks, 1, __ATOMIC_RELAXED); /* other threads' records read it */
	fork_record(fn, pid, err, ct_g_hot.threads_at_fork);
	if (errno != err)
		errno = err;
	return pid;
}

/* What fork and _Fork share: made exactly as asked, with the child's pid (or the error) recorded
 * by the parent. libc's fork runs our atfork handlers: prepare notes what the child's header needs,
 * child marks the child, which re-initialises at its first slow path (ct_self). _Fork (glibc 2.34)
 * runs none, so for it the same two steps are taken here, around the call. */
static pid_t fork_hooked(const char *fn, pid_t (*real)(void), int runs_atfork)
{
	if (!ct_g_on || ct_g_guard || ct_vfork_child())
		return real();
	if (!runs_atfork) { /* _Fork: libc runs no atfork handler, so the prepare step is ours */
		CT_KEEP_ERRNO;
		ct_fork_prepare();
		ct_region_prepare();
	} else if (ct_env_replaced()) { /* checked first: the guard is a page written per fork */
		CT_KEEP_ERRNO;
		ct_g_guard = 1;
		ct_env_check_replaced();
		ct_g_guard = 0;
	}
	pid_t pid = real();
	if (pid == 0) {
		if (!runs_atfork)
			ct_fork_mark_child();
		return 0;
	}
	return fork_parent(fn, pid);
}

CT_EXPORT pid_t fork(void)
{
	if (CT_UNLIKELY(!real_fork))
		ct_real_resolve();
	return fork_hooked("fork", real_fork, 1);
}

CT_EXPORT pid_t _Fork(void)
{
	if (CT_UNLIKELY(!real__Fork))
		ct_real_resolve();
	return fork_hooked("_Fork", real__Fork, 0);
}
