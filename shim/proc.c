/* SPDX-License-Identifier: MIT */
/* proc.c: fork and _Fork. The parent records the child's pid; the child starts a trace file of its
 * own at its first record, saying who its parent was and how many threads that parent had. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct.h"

extern pid_t _Fork(void);
void ct_proc_exec_resolve(void);
void ct_proc_spawn_resolve(void);

static pid_t (*real_fork)(void);
static pid_t (*real__Fork)(void);

void ct_proc_resolve(void)
{
	real_fork = (pid_t(*)(void))ct_dlsym_next("fork", (void *)fork);
	real__Fork = (pid_t(*)(void))ct_dlsym_next("_Fork", (void *)_Fork);
	ct_proc_exec_resolve();
	ct_proc_spawn_resolve();
}

static void atfork_parent(void)
{
	if (ct_on)
		ct_sock_fork_parent();
}

/* Runs in every child of fork(), whoever called it (also libc-internal forks such as daemon()). */
static void atfork_child(void)
{
	if (ct_on)
		ct_fork_child_reinit("fork");
}

void ct_proc_init(void)
{
	pthread_atfork(NULL, atfork_parent, atfork_child);
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
	ct_rec_int(&r, "gen", ct_gen);
	ct_rec_int(&r, "forks", ct_forks);
	/* A language-level site only: SHIM-RULES keeps native unwinding to reads, connects and uses. */
	if (ct_pysite.set)
		ct_rec_site(&r);
	ct_rec_emit(&r);
}

/* fork: made exactly as asked. In the child the guard we held is dropped (the child's only thread
 * is this one); the child's own state was reset by the atfork child handler. */
CT_EXPORT pid_t fork(void)
{
	pid_t pid;
	int e, threads;
	if (CT_UNLIKELY(!real_fork))
		ct_real_resolve();
	if (!ct_on || ct_guard || ct_self() == CT_SELF_VFORK)
		return real_fork();
	e = errno;
	ct_guard = 1;
	ct_site_key = (uintptr_t)__builtin_return_address(0);
	ct_env_check_replaced();
	threads = ct_fork_prepare();
	errno = e;
	pid = real_fork();
	if (pid == 0) {
		ct_guard = 0;
		return 0;
	}
	e = errno;
	ct_fork_done();
	if (pid > 0)
		ct_forks++;
	fork_record("fork", pid, e, threads);
	ct_guard = 0;
	errno = e;
	return pid;
}

/* _Fork (glibc 2.34): a fork that runs no atfork handlers, so both sides are handled here. */
CT_EXPORT pid_t _Fork(void)
{
	pid_t pid;
	int e, threads;
	if (CT_UNLIKELY(!real__Fork))
		ct_real_resolve();
	if (!ct_on || ct_guard || ct_self() == CT_SELF_VFORK)
		return real__Fork();
	e = errno;
	ct_guard = 1;
	ct_site_key = (uintptr_t)__builtin_return_address(0);
	threads = ct_fork_prepare();
	errno = e;
	pid = real__Fork();
	if (pid == 0) {
		ct_fork_child_reinit("fork");
		ct_guard = 0;
		return 0;
	}
	e = errno;
	ct_fork_done();
	if (pid > 0) {
		ct_forks++;
		ct_sock_fork_parent();
	}
	fork_record("_Fork", pid, e, threads);
	ct_guard = 0;
	errno = e;
	return pid;
}
