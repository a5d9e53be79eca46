/* SPDX-License-Identifier: MIT */
/* ct.h: what the shim's files share, by layer (libuv's src/unix/internal.h). Every name here is
 * hidden; only hooks are exported. From the bottom:
 *   ct_base.h     visibility, errno scope, spinlock                 (nothing)
 *   ct_record.h   the JSON record builder               record.c    (base)
 *   ct_secret.h   credential names, value facts, argv   secret.c... (record)
 *   ct_process.h  process state; constructor, fork      process.c, init.c
 *   ct_writer.h   the trace file, its hdr, debug output writer.c, trace_*.c (record, process state)
 *   this file     the hooks' areas (env, sites, runtimes, processes, sockets, aggregation), and
 *                 ct_rec_emit_any, where the process layer and the writer meet.
 * tests/cases/05-layers.sh checks the objects' references against this order. */
#ifndef CT_H
#define CT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "glibc_compat.h"

#include "ct_base.h"

#include "cred_table.h"
#include "ct_process.h"
#include "ct_record.h"
#include "ct_secret.h"
#include "ct_writer.h"

#define CT_FD_MAX 65536 /* fds above this are not tracked (documented blind spot) */

/* ---- glibc newer than 2.17, looked up at start (compat.c, glibc_compat.h) ---- */
void ct_compat_resolve(void) CT_HIDDEN;
/* &__libc_single_threaded (glibc 2.32+), NULL before the constructor or on older glibc. */
extern const char *ct_g_single_threaded CT_HIDDEN;
/* __x86_get_cpuid_feature_leaf (glibc 2.33+, sha256.c), NULL when absent: portable SHA-256. */
extern void *ct_g_cpuid_leaf CT_HIDDEN;

/* For the hooks that may run in a vfork child (the exec family): one getpid tells, and a fork
 * child that ran no atfork handler is re-initialised by the same call (ct_self). */
static inline void ct_rec_emit_any(struct ct_rec *r)
{
	if (ct_self() == CT_SELF_VFORK) {
		ct_rec_finish(r);
		ct_trace_write_vfork(r->buf, r->len);
	} else {
		ct_trace_emit(r);
	}
}

/* ---- attach (attach.c, got_patch.c, python.c, sock_held.c) ------------------------------------ */
int ct_got_patch(void) CT_HIDDEN;   /* binds every object's GOT slots to the hooks; how many */
int ct_got_restore(void) CT_HIDDEN; /* binds them back to libc; how many */
int ct_got_hooks(void) CT_HIDDEN;   /* number of hooks the slots may be bound to */
void ct_py_attach(void) CT_HIDDEN;  /* python.c: the adapter through Py_AddPendingCall */
void ct_py_detach(void) CT_HIDDEN;
void ct_sock_held_scan(void) CT_HIDDEN;                          /* sock_held.c: sockets open at attach */
int ct_sock_adopt(int fd, int inherited, pid_t owner) CT_HIDDEN; /* sock.c: track one, `held` record */

/* ---- environment (env.c) ------------------------------------------------------------------- */
void ct_env_snapshot(char **argv) CT_HIDDEN; /* "env" records at start, after the writer's hdr */
/* environ assigned by the program since we last looked? Records what changed. Slow paths only. */
void ct_env_check_replaced(void) CT_HIDDEN;
int ct_env_replaced(void) CT_HIDDEN; /* the test alone: writes nothing */
/* "env", "lost", "emptied", "changed" of an exec record: envp against the credentials as last known. */
void ct_env_diff(struct ct_rec *r, char *const envp[]) CT_HIDDEN;
/* Looks name up in envp without libc (works before init). */
const char *ct_env_lookup(char *const *envp, const char *name) CT_HIDDEN;
int ct_env_exit_pending(void) CT_HIDDEN; /* ct_env_exit has reads to write */
/* feature.c: "feature" records for CT_FEATURE_FLAGS (cred_table.h): those on at start, and every
 * feature's state after the program wrote a flag variable (setenv, putenv, unsetenv). */
int ct_feature_var(const char *name, size_t n) CT_HIDDEN;
void ct_feature_snapshot(char *const *envp) CT_HIDDEN;
void ct_feature_changed(void) CT_HIDDEN; /* saves errno, guards itself */

/* ---- sites (backtrace.c, python.c) --------------------------------------------------------- */
/* A language-level site stashed by a runtime adapter just before it calls into libc, consumed by
 * the next hook on the same thread. */
struct ct_pysite {
	int set;
	int line;
	int module_level; /* the frame is a module body: import time */
	const char *lang; /* the site's key: "js" (Node adapter), "rb" (Ruby adapter); NULL: "py" */
	char file[256];
	char func[96];
};
extern __thread struct ct_pysite ct_g_pysite CT_HIDDEN;
/* The application's return address in the hook that is about to record a site: the key under which
 * ct_rec_site caches the frames (one unwind per call site). Set on slow paths only; consumed. */
extern __thread uintptr_t ct_g_site_key CT_HIDDEN;
/* Adds "site":{...} for the caller to r: the stashed Python site when there is one (and clears
 * it), else a native backtrace when enabled and safe. */
void ct_rec_site(struct ct_rec *r) CT_HIDDEN;
int ct_bt_init(char *why, size_t whylen) CT_HIDDEN; /* 1 when libunwind is usable */
int ct_bt_capture(uintptr_t *ips, int max) CT_HIDDEN;
void ct_rec_frames(struct ct_rec *r, const uintptr_t *ips, int n) CT_HIDDEN; /* "frames":[[mod,"0xoff"]..] */
/* backtraces are unsafe in a fresh fork child until it returned to its own code once */
extern int ct_g_bt_child_fresh CT_HIDDEN;

/* Python adapter (python.c): registers an audit hook when the host is CPython 3.8+. */
void ct_py_init(void) CT_HIDDEN;
/* Called by the adapter for an os.environ read of a credential name. */
void ct_env_read_py(const char *name, const char *value, const struct ct_pysite *site) CT_HIDDEN;
/* The same for another runtime's read (fn "process.env"), keyed by the site's file and line. */
void ct_env_read_lang(const char *fn, const char *name, const char *value,
                      const struct ct_pysite *site) CT_HIDDEN;

/* Node adapter (node.c): getenv names that start with CT_NODE_MARK are messages from
 * credtrace-node.cjs (docs/runtimes.md#nodejs); ct_node_msg answers them. */
#define CT_NODE_MARK '\x1f'
char *ct_node_msg(char *(*real)(const char *), const char *name) CT_HIDDEN;
void ct_node_init(void) CT_HIDDEN; /* a runtime record for a Node process without the adapter */
/* Set between a message of the adapter and its end: getenv reads of this thread are the adapter's
 * own access for a read it reported already (or a copy), not new reads. */
extern __thread int ct_g_node_mute CT_HIDDEN;

/* ---- backtraces around a fork (backtrace.c) ---------------------------------------------------- */
void ct_bt_fork_prepare(void) CT_HIDDEN; /* backtrace.c: share sites with the children */
void ct_bt_fork_child(void) CT_HIDDEN;   /* backtrace.c: reset its module table lock */

/* ---- processes (proc.c) and sockets (sock.c) ----------------------------------------------- */
void ct_proc_init(void) CT_HIDDEN; /* pthread_atfork */
/* One "exec" record (proc_exec.c). child: pid when known, else 0; result: -1 when not known yet
 * (exec family, system, popen), 0 ok, else failed with err. Stack only. */
void ct_exec_record(const char *fn, const char *path, char *const argv[], char *const envp[], long child,
                    int result, int err, uint64_t ts) CT_HIDDEN; /* ts 0: now */
/* Called in a fork child by ct_self()'s re-initialisation, before anything else: mark every tracked
 * socket inherited. No syscalls, no locks (the parent's threads are gone). */
void ct_sock_fork_child(void) CT_HIDDEN;
/* Before a fork (atfork prepare): every tracked socket is marked forked and watched, so that the
 * first use in the child and the creator's next use take the slow path and are recorded once.
 * Done before the fork because a page written before it costs nothing, after it a fault. */
void ct_sock_fork_prepare(void) CT_HIDDEN;
/* After it, in the parent: a failed fork's marks are undone; after a successful one nothing is
 * written (a socket whose parent use is recorded already drops its watch at its next use). */
void ct_sock_fork_parent(int ok) CT_HIDDEN;
void ct_env_fork_child(void) CT_HIDDEN;
void ct_env_exit(void) CT_HIDDEN; /* read counts at normal exit */

/* ---- aggregation of repeated events (aggregate.c) -------------------------------------------- */
/* Counts one event of kind (a static string: "connect") under key (ct_agg_hash of its site and
 * state fields). Returns 1 when it is the first of its key, to be written individually with
 * "agg":*id; 0 when it is counted only (an "agg" record carries the running count, first and last
 * times). *id 0: the table is full, write it individually without an id. */
int ct_agg_event(const char *kind, uint64_t key, uint64_t ts, int *id) CT_HIDDEN;
uint64_t ct_agg_hash(uint64_t h, const void *p, size_t n) CT_HIDDEN; /* h 0: start a new hash */
uint64_t ct_agg_site_key(uint64_t h, uintptr_t native) CT_HIDDEN;    /* Python site or native */
int ct_agg_exit_pending(void) CT_HIDDEN;
void ct_agg_exit(void) CT_HIDDEN; /* the counts not written yet, at normal exit */
void ct_agg_fork_child(void) CT_HIDDEN;

#endif
