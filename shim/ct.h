/* SPDX-License-Identifier: MIT */
/* ct.h: what the shim's files share. Every name here is hidden; only hooks are exported. */
#ifndef CT_H
#define CT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "glibc_compat.h"

#include "ct_base.h"

#include "cred_table.h"

/* The trace format's words (schema, states, flags) live in cred_table.h, shared with the CLI. */
#define CT_SCHEMA   CT_TRACE_SCHEMA
#define CT_LINE_MAX 4096  /* one record is one write() of at most this many bytes */
#define CT_FD_MAX   65536 /* fds above this are not tracked (documented blind spot) */

/* ---- global state (init.c) ---------------------------------------------------------------- */

/* ct_on: 0 before the constructor ran or when tracing is off; 1 while tracing. */
extern int ct_on CT_HIDDEN;
/* pid of the process whose memory this is, as last seen by init or the atfork child handler. */
extern pid_t ct_pid CT_HIDDEN;
/* fork generation: 0 in an exec'd image, parent's + 1 in a fork child. */
extern int ct_gen CT_HIDDEN;
/* The small variables a process writes at start and a fork child writes at its first record, in
 * one section of their own: adjacent, they cost one or two page faults instead of one for each file
 * whose .data or .bss they would otherwise sit in. Not for tables or buffers. */
#define CT_STATE __attribute__((section("ct_state")))

/* ---- glibc newer than 2.17, looked up at start (compat.c, glibc_compat.h) ---- */
void ct_compat_resolve(void) CT_HIDDEN;
/* &__libc_single_threaded (glibc 2.32+), NULL before the constructor or on older glibc. */
extern const char *ct_single_threaded CT_HIDDEN;
/* __x86_get_cpuid_feature_leaf (glibc 2.33+, sha256.c), NULL when absent: portable SHA-256. */
extern void *ct_cpuid_leaf CT_HIDDEN;

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
extern struct ct_hot ct_hot CT_HIDDEN;
static inline int ct_forks_now(void)
{
	return __atomic_load_n(&ct_hot.forks, __ATOMIC_RELAXED);
}
/* per-thread re-entrancy guard: while set, hooks pass straight through. */
extern __thread int ct_guard CT_HIDDEN;
/* config */
extern int ct_cfg_backtrace CT_HIDDEN;   /* CREDTRACE_BACKTRACE != 0 and libunwind loaded */
extern int ct_cfg_debug CT_HIDDEN;       /* CREDTRACE_DEBUG */
extern char ct_self_path[512] CT_HIDDEN; /* path of libcredtrace.so, to check LD_PRELOAD survives */
extern char **ct_argv CT_HIDDEN;         /* the argv the constructor was given */
extern char ct_exe[512] CT_HIDDEN;       /* /proc/self/exe at start */

/* Where am I running? Only called on slow paths. */
enum ct_self { CT_SELF_OWN, CT_SELF_FORKED, CT_SELF_VFORK };
/* CT_SELF_OWN: pid matches; CT_SELF_FORKED: a child with its own memory that ran no atfork handler
 * (raw clone, spawn helper): it has been re-initialised lazily by this call; CT_SELF_VFORK: a child
 * sharing the parent's memory: touch no shared state, stack and raw syscalls only. */
enum ct_self ct_self(void) CT_HIDDEN;
long ct_raw_getpid(void) CT_HIDDEN;

/* ---- real functions, resolved once in the constructor --------------------------------------- */
/* Each hook file keeps its own static pointers to the real functions and fills them in its
 * ct_<area>_resolve(), which ct_real_resolve() (init.c) calls once, in the constructor or from the
 * first hook that runs before it. Idempotent. A hook whose real pointer is still NULL before init
 * passes through without allocating (getenv scans environ itself; fd calls use syscall()). */
void ct_real_resolve(void) CT_HIDDEN;
void ct_env_resolve(void) CT_HIDDEN;
void ct_proc_resolve(void) CT_HIDDEN;
void ct_sock_resolve(void) CT_HIDDEN;
/* dlsym(RTLD_NEXT) that rejects our own wrapper (returns NULL then, or when missing). */
void *ct_dlsym_next(const char *name, const void *self) CT_HIDDEN;

/* ---- records (record.c): JSON built in a stack buffer, written with one write() ------------ */
/* The fields come before buf: a short record (most are) then touches one contiguous stretch of
 * stack, not both ends of a 4 KiB buffer (each stack page first written after a fork is a fault). */
struct ct_rec {
	size_t len;
	int depth;           /* nesting level of objects/arrays */
	unsigned first_mask; /* bit d set: nothing written yet at depth d */
	int dead;            /* open containers that did not fit: their fields are dropped */
	int full;            /* a field did not fit: it was dropped and "trunc":true is added */
	char close[16];      /* closing bracket per open depth */
	char buf[CT_LINE_MAX];
};
void ct_rec_begin(struct ct_rec *r, const char *type) CT_HIDDEN;                 /* {"t":type,"ts":us */
void ct_rec_begin_at(struct ct_rec *r, const char *type, uint64_t ts) CT_HIDDEN; /* ts given */
int ct_rec_prepend(struct ct_rec *r, const char *lines, size_t n) CT_HIDDEN;     /* whole lines first */
void ct_rec_str(struct ct_rec *r, const char *key, const char *val) CT_HIDDEN;   /* null when val NULL */
void ct_rec_strn(struct ct_rec *r, const char *key, const char *val, size_t n) CT_HIDDEN;
void ct_rec_int(struct ct_rec *r, const char *key, long long v) CT_HIDDEN;
void ct_rec_bool(struct ct_rec *r, const char *key, int v) CT_HIDDEN;
void ct_rec_null(struct ct_rec *r, const char *key) CT_HIDDEN;
void ct_rec_hex(struct ct_rec *r, const char *key, uint64_t v) CT_HIDDEN; /* "0x1a2b" */
void ct_rec_obj(struct ct_rec *r, const char *key) CT_HIDDEN;             /* key NULL inside arrays */
void ct_rec_arr(struct ct_rec *r, const char *key) CT_HIDDEN;
void ct_rec_end(struct ct_rec *r) CT_HIDDEN; /* closes the innermost object or array */
/* Writes the record (closing what is open) to this process's trace; only where the caller knows it
 * is not in a vfork child. ct_rec_emit_any checks, and in a vfork child writes the child's own file. */
void ct_rec_emit(struct ct_rec *r) CT_HIDDEN;
void ct_rec_emit_any(struct ct_rec *r) CT_HIDDEN;
void ct_rec_finish(struct ct_rec *r) CT_HIDDEN; /* closes the record and adds the newline only */
/* ct_rec_begin and friends never fail: a field that does not fit is dropped, never split. */

/* ---- trace file (writer.c) ----------------------------------------------------------------- */
int ct_trace_init(void) CT_HIDDEN;                          /* dir, key, file name; 0 on success */
void ct_trace_write(const char *buf, size_t len) CT_HIDDEN; /* one complete line */
void ct_trace_batch(int on) CT_HIDDEN; /* constructor only: gather records, write them at off */
void ct_trace_fork_child(const char *origin) CT_HIDDEN; /* new file opened lazily */
uint64_t ct_trace_cap(void) CT_HIDDEN;
const char *ct_trace_dir(void) CT_HIDDEN; /* "" when there is none (fork_region.c) */
/* For cap_ring.c: our file opened for one write (-1 when it is no longer the file we made). */
int ct_trace_open(int append, off_t *size) CT_HIDDEN;
int ct_trace_fsize_ok(off_t size, size_t n) CT_HIDDEN; /* under RLIMIT_FSIZE */
void ct_trace_write_all(int fd, const char *buf, size_t len) CT_HIDDEN;
/* The tail ring past half the cap (cap_ring.c): a record written there, whether it is on. */
void ct_ring_write(const char *buf, size_t len) CT_HIDDEN;
int ct_ring_on(void) CT_HIDDEN;
void ct_ring_fork_child(void) CT_HIDDEN;
int ct_trace_has_file(void) CT_HIDDEN; /* this process has its trace file (not a silent fork child) */
/* In a vfork child: writes hdr (origin "vfork") and buf into the child's own file, open/write/close,
 * stack only. */
void ct_trace_write_vfork(const char *buf, size_t len) CT_HIDDEN;
/* Adds this process's hdr fields to r (init.c); origin "exec", "fork", "clone" or "vfork"; nonce is
 * the process's own (a vfork child's differs from the memory it shares). */
void ct_hdr_build(struct ct_rec *r, const char *origin, const char *nonce) CT_HIDDEN;
extern char ct_host[65] CT_HIDDEN;
uint64_t ct_now_us(void) CT_HIDDEN;
extern char ct_nonce[17] CT_HIDDEN; /* 16 hex digits, new in every process (fork children too) */

/* ---- late load (attach.c, got_patch.c): `credtrace attach` opened the shim with dlopen ------- */
extern int ct_late CT_HIDDEN;                              /* set by the constructor: not preloaded */
extern const char *ct_start_origin CT_HIDDEN;              /* hdr origin: "exec" or "attach" */
int ct_loaded_late(void) CT_HIDDEN;                        /* is the shim after libc in the link map? */
void ct_start(char **argv, const char *origin) CT_HIDDEN;  /* the constructor's work (init.c) */
const char *ct_attach_setting(const char *name) CT_HIDDEN; /* CREDTRACE_* given by attach, or NULL */
int ct_got_patch(void) CT_HIDDEN;   /* binds every object's GOT slots to the hooks; how many */
int ct_got_restore(void) CT_HIDDEN; /* binds them back to libc; how many */
int ct_got_hooks(void) CT_HIDDEN;   /* number of hooks the slots may be bound to */
void ct_py_attach(void) CT_HIDDEN;  /* python.c: the adapter through Py_AddPendingCall */
void ct_py_detach(void) CT_HIDDEN;
void ct_sock_held_scan(void) CT_HIDDEN;                          /* sock_held.c: sockets open at attach */
int ct_sock_adopt(int fd, int inherited, pid_t owner) CT_HIDDEN; /* sock.c: track one, `held` record */

/* ---- credential names and values (secret.c, sha256.c) -------------------------------------- */
enum ct_state { CT_ABSENT = 0, CT_EMPTY = 1, CT_PRESENT = 2 };
enum ct_flag {
	CT_F_WHITESPACE = 1u << 0,
	CT_F_NEWLINE = 1u << 1,
	CT_F_QUOTED = 1u << 2,
	CT_F_UNEXPANDED = 1u << 3,
	CT_F_PLACEHOLDER = 1u << 4,
	CT_F_FOREIGN_PREFIX = 1u << 5,
	CT_F_NONPRINTABLE = 1u << 6,
	CT_F_SHORT = 1u << 7,
};
#define CT_F_COUNT 8
struct ct_facts {
	enum ct_state state;
	size_t len;
	unsigned flags;       /* enum ct_flag bits */
	const char *provider; /* static string ("openai", "anthropic", ...) or NULL when unknown */
	const char *entropy;  /* "low", "medium", "high", or NULL when empty/absent */
	char fp[13];          /* 12 hex digits of HMAC-SHA256, "" when fingerprints are off */
};
/* Is this environment variable name a credential? name need not be NUL-terminated when n given.
 * Fast for short and ordinary names. Thread-safe, no allocation. */
int ct_cred_name(const char *name) CT_HIDDEN;
int ct_cred_namen(const char *name, size_t n) CT_HIDDEN;
/* The shortest name that can be a credential (6 unless CREDTRACE_VARS names a shorter one). */
extern unsigned ct_cred_name_min CT_HIDDEN;
/* CREDTRACE_VARS: comma or colon separated names and globs (*, ?), copied into static storage. */
void ct_cred_configure(const char *vars) CT_HIDDEN;
/* Facts about value (NULL = absent) of variable name; envp is the environment that gives context
 * (OPENAI_BASE_URL for OpenRouter). Stack only; safe in a vfork child. */
void ct_facts_of(const char *name, size_t namelen, const char *value, char *const *envp,
                 struct ct_facts *f) CT_HIDDEN;
/* The same for value[0..n), which need not be NUL-terminated (a header inside a request). */
void ct_facts_ofn(const char *name, size_t namelen, const char *value, size_t n, char *const *envp,
                  struct ct_facts *f) CT_HIDDEN;
/* The primary variable of a provider ("openai" -> "OPENAI_API_KEY"), NULL when none. */
const char *ct_var_of_provider(const char *provider) CT_HIDDEN;
const char *ct_flag_name(unsigned bit_index) CT_HIDDEN; /* "whitespace", ... */
const char *ct_state_name(enum ct_state s) CT_HIDDEN;
void ct_fp_key(const unsigned char *key, size_t n) CT_HIDDEN; /* n == 0 turns fingerprints off */
/* Adds "state","len","flags","provider","entropy","fp" fields for f to r (record.c). */
void ct_rec_facts(struct ct_rec *r, const struct ct_facts *f) CT_HIDDEN;
/* Is s shaped like a provider key? Used to redact argv. */
int ct_looks_like_key(const char *s) CT_HIDDEN;

/* SHA-256 and HMAC (sha256.c) */
/* HMAC with the key's padded blocks absorbed once (ct_hmac_prepare), for the fingerprint key. */
struct ct_hmac_pre {
	uint32_t ih[8], oh[8];
};
void ct_hmac_prepare(const unsigned char *key, size_t keylen, struct ct_hmac_pre *p) CT_HIDDEN;
void ct_hmac_sha256_pre(const struct ct_hmac_pre *p, const unsigned char *msg, size_t n,
                        unsigned char out[32]) CT_HIDDEN;
void ct_hmac_sha256(const unsigned char *key, size_t keylen, const unsigned char *msg, size_t n,
                    unsigned char out[32]) CT_HIDDEN;

/* ---- environment (env.c) ------------------------------------------------------------------- */
void ct_env_snapshot(char **argv) CT_HIDDEN; /* header + "env" records at start */
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
extern __thread struct ct_pysite ct_pysite CT_HIDDEN;
/* The application's return address in the hook that is about to record a site: the key under which
 * ct_rec_site caches the frames (one unwind per call site). Set on slow paths only; consumed. */
extern __thread uintptr_t ct_site_key CT_HIDDEN;
/* Adds "site":{...} for the caller to r: the stashed Python site when there is one (and clears
 * it), else a native backtrace when enabled and safe. */
void ct_rec_site(struct ct_rec *r) CT_HIDDEN;
int ct_bt_init(char *why, size_t whylen) CT_HIDDEN; /* 1 when libunwind is usable */
int ct_bt_capture(uintptr_t *ips, int max) CT_HIDDEN;
void ct_rec_frames(struct ct_rec *r, const uintptr_t *ips, int n) CT_HIDDEN; /* "frames":[[mod,"0xoff"]..] */
/* backtraces are unsafe in a fresh fork child until it returned to its own code once */
extern int ct_bt_child_fresh CT_HIDDEN;

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
extern __thread int ct_node_mute CT_HIDDEN;

/* ---- identity (init.c, argv.c) ------------------------------------------------------------- */
int ct_thread_count(void) CT_HIDDEN; /* 1 when glibc says single-threaded, else from /proc; 0: unknown */
/* The atfork handlers (proc.c calls them itself around _Fork, which runs none): prepare notes the
 * thread count and time and marks tracked sockets for their first use after the fork; the child
 * handler only marks the memory as a fork child's, re-initialised lazily by ct_self(). */
void ct_fork_prepare(void) CT_HIDDEN;
void ct_fork_mark_child(void) CT_HIDDEN;
void ct_fork_child_reinit(const char *origin, pid_t pid) CT_HIDDEN; /* "fork"/"clone" */
/* argv as a JSON array, at most 16 arguments of 128 bytes, credential-looking ones redacted. */
void ct_rec_argv(struct ct_rec *r, const char *key, char *const *argv) CT_HIDDEN;
/* Does this LD_PRELOAD value name the shim? */
int ct_preload_names_us(const char *ld_preload) CT_HIDDEN;
const char *ct_fp_state(void) CT_HIDDEN; /* "hmac-sha256/48" or "off: ..." (writer.c) */
const char *ct_fp_kid(void) CT_HIDDEN;   /* 8 hex digits naming the key, NULL when off */
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

/* ---- errno-preserving guard helpers -------------------------------------------------------- */
#define CT_SAVE_ERRNO    int ct_saved_errno_ = errno
#define CT_RESTORE_ERRNO errno = ct_saved_errno_

/* debug: one line on stderr when CREDTRACE_DEBUG is set (raw write, no stdio) */
void ct_debug(const char *msg, const char *detail) CT_HIDDEN;

#endif
