/* SPDX-License-Identifier: MIT */
/* ct_process.h: the process layer. Process-wide state every layer may read (process.c: is tracing on,
 * which process is this, the per-thread guard), and the constructor, real-function resolution and
 * fork bookkeeping (init.c) that only the hooks call. */
#ifndef CT_PROCESS_H
#define CT_PROCESS_H

#include <stdint.h>
#include <sys/types.h>

#include "ct_base.h"

/* The small variables a process writes at start and a fork child writes at its first record, in
 * one section of their own: adjacent, they cost one or two page faults instead of one for each file
 * whose .data or .bss they would otherwise sit in. Not for tables or buffers. */
#define CT_STATE __attribute__((section("ct_state")))

/* ---- state (process.c) ------------------------------------------------------------------------ */
/* ct_g_on: 0 before the constructor ran or when tracing is off; 1 while tracing. */
extern int ct_g_on CT_HIDDEN;
/* pid of the process whose memory this is, as last seen by init or the atfork child handler. */
extern pid_t ct_g_pid CT_HIDDEN;
/* fork generation: 0 in an exec'd image, parent's + 1 in a fork child. */
extern int ct_g_gen CT_HIDDEN;

/* State written around a fork, kept in one cache line: after fork() every page the parent or the
 * child writes costs a copy-on-write fault (a few microseconds here, the budget of a whole fork),
 * so what the parent writes after each fork and what the atfork child handler writes live here. */
struct ct_hot {
	int forks;                /* number of fork children this process has started so far */
	int read_gen;             /* env.c's read table generation: bumped in every child */
	pid_t child_pid;          /* set by the atfork child handler: this memory is a fork child's,
	                           * to re-initialise at its first slow-path call (ct_self) */
	int threads_at_fork;      /* thread count, set by the atfork prepare handler before each fork */
	uint64_t fork_ts;         /* when that fork began */
	_Atomic uint64_t written; /* bytes written to this process's trace (writer.c) */
} __attribute__((aligned(64)));
extern struct ct_hot ct_g_hot CT_HIDDEN;
static inline int ct_forks_now(void)
{
	return __atomic_load_n(&ct_g_hot.forks, __ATOMIC_RELAXED);
}
/* per-thread re-entrancy guard: while set, hooks pass straight through. */
extern __thread int ct_g_guard CT_HIDDEN;
extern int ct_g_cfg_backtrace CT_HIDDEN;   /* CREDTRACE_BACKTRACE != 0 and libunwind loaded (backtrace.c) */
extern char ct_g_self_path[512] CT_HIDDEN; /* path of libcredtrace.so, to check LD_PRELOAD survives */
extern char **ct_g_argv CT_HIDDEN;         /* the argv the constructor was given */
extern char ct_g_exe[512] CT_HIDDEN;       /* /proc/self/exe at start */
long ct_raw_getpid(void) CT_HIDDEN;
int ct_vfork_child(void) CT_HIDDEN;  /* proc.c: ct_self() == CT_SELF_VFORK, errno kept */
int ct_thread_count(void) CT_HIDDEN; /* 1 when glibc says single-threaded, else from /proc; 0: unknown */

/* ---- where am I running? (init.c) Only called on slow paths. ---------------------------------- */
enum ct_self { CT_SELF_OWN, CT_SELF_FORKED, CT_SELF_VFORK };
/* CT_SELF_OWN: pid matches; CT_SELF_FORKED: a child with its own memory that ran no atfork handler
 * (raw clone, spawn helper): it has been re-initialised lazily by this call; CT_SELF_VFORK: a child
 * sharing the parent's memory: touch no shared state, stack and raw syscalls only. */
enum ct_self ct_self(void) CT_HIDDEN;

/* ---- real functions, resolved once in the constructor (init.c) -------------------------------- */
/* Each hook file keeps its own static pointers to the real functions and fills them in its
 * ct_<area>_resolve(), which ct_real_resolve() calls once, in the constructor or from the first hook
 * that runs before it. Idempotent. A hook whose real pointer is still NULL before init passes
 * through without allocating (getenv scans environ itself; fd calls use syscall()). */
void ct_real_resolve(void) CT_HIDDEN;
void ct_env_resolve(void) CT_HIDDEN;
void ct_proc_resolve(void) CT_HIDDEN;
void ct_proc_exec_resolve(void) CT_HIDDEN;  /* proc_exec.c, called by ct_proc_resolve */
void ct_proc_spawn_resolve(void) CT_HIDDEN; /* proc_spawn.c, called by ct_proc_resolve */
void ct_sock_resolve(void) CT_HIDDEN;
/* dlsym(RTLD_NEXT) that rejects our own wrapper (returns NULL then, or when missing). */
void *ct_dlsym_next(const char *name, const void *self) CT_HIDDEN;

/* ---- late load (attach.c, got_patch.c): `credtrace attach` opened the shim with dlopen -------- */
extern int ct_g_late CT_HIDDEN;                            /* set by the constructor: not preloaded */
extern const char *ct_g_start_origin CT_HIDDEN;            /* hdr origin: "exec" or "attach" */
int ct_loaded_late(void) CT_HIDDEN;                        /* is the shim after libc in the link map? */
void ct_start(char **argv, const char *origin) CT_HIDDEN;  /* the constructor's work (init.c) */
const char *ct_attach_setting(const char *name) CT_HIDDEN; /* CREDTRACE_* given by attach, or NULL */

/* ---- fork bookkeeping (init.c) --------------------------------------------------------------- */
/* The atfork handlers (proc.c calls them itself around _Fork, which runs none): prepare notes the
 * thread count and time and marks tracked sockets for their first use after the fork; the child
 * handler only marks the memory as a fork child's, re-initialised lazily by ct_self(). */
void ct_fork_prepare(void) CT_HIDDEN;
void ct_fork_mark_child(void) CT_HIDDEN;
void ct_fork_child_reinit(const char *origin, pid_t pid) CT_HIDDEN; /* "fork"/"clone" */

#endif
