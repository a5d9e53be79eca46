/* SPDX-License-Identifier: MIT */
/* ct_writer.h: the writer layer. It owns this process's trace file: the directory and the key
 * (trace_dir.c, trace_key.c), the file's name (trace_name.c), its "hdr" record (trace_hdr.c), the
 * appends with the cap and the start-up batch (writer.c, cap_ring.c), the files of fork and vfork
 * children (writer.c, trace_vfork.c), and debug output (debug.c). It writes finished records from the
 * builder (ct_record.h) and reads process state (ct_process.h); it knows no hook. */
#ifndef CT_WRITER_H
#define CT_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cred_table.h"
#include "ct_base.h"
#include "ct_process.h"
#include "ct_record.h"

/* The trace format's words (schema, states, flags) live in cred_table.h, shared with the CLI. */
#define CT_SCHEMA  CT_TRACE_SCHEMA
#define CT_DIR_MAX 1024 /* a CREDTRACE_DIR of this many bytes or more turns tracing off */

/* ---- this process's file (writer.c) ----------------------------------------------------------- */
int ct_trace_init(void) CT_HIDDEN; /* dir, key, file name; 0 on success; errno kept */
/* Closes r (ct_rec_finish) and appends it to this process's trace. Only where the caller knows it is
 * not in a vfork child (ct_rec_emit_any, ct.h, checks). errno kept. */
void ct_trace_emit(struct ct_rec *r) CT_HIDDEN;
void ct_trace_write(const char *buf, size_t len) CT_HIDDEN; /* one or more complete lines */
void ct_trace_batch(int on) CT_HIDDEN; /* constructor only: gather records, write them at off */
void ct_trace_fork_child(const char *origin) CT_HIDDEN; /* new file opened lazily */
uint64_t ct_trace_cap(void) CT_HIDDEN;
int ct_trace_has_file(void) CT_HIDDEN;    /* this process has its trace file (not a silent fork child) */
const char *ct_trace_dir(void) CT_HIDDEN; /* the directory, "" when there is none */
/* For cap_ring.c: our file opened for one write (-1 when it is no longer the file we made). */
int ct_trace_open(int append, off_t *size) CT_HIDDEN;
int ct_trace_fsize_ok(off_t size, size_t n) CT_HIDDEN; /* under RLIMIT_FSIZE */
void ct_trace_write_all(int fd, const char *buf, size_t len) CT_HIDDEN;
/* The existing name, for the callers that predate the writer's own (hooks, aggregate, sites). */
static inline void ct_rec_emit(struct ct_rec *r)
{
	ct_trace_emit(r);
}

/* ---- the tail ring past half the cap (cap_ring.c) ---------------------------------------------- */
void ct_ring_write(const char *buf, size_t len) CT_HIDDEN;
int ct_ring_on(void) CT_HIDDEN;
void ct_trace_head_wait(void) CT_HIDDEN; /* cap_ring.c: head appends in flight land first */
void ct_ring_fork_child(void) CT_HIDDEN;

/* ---- a vfork child's own file (trace_vfork.c) -------------------------------------------------- */
/* Writes hdr (origin "vfork") and buf into the child's own file, open/write/close, stack only. */
void ct_trace_write_vfork(const char *buf, size_t len) CT_HIDDEN;

/* ---- the "hdr" record, the first line of every file (trace_hdr.c) ------------------------------ */
/* What a header says about the process beyond what the writer knows itself; the process layer
 * (init.c) fills it at start and in each fork child. */
struct ct_hdr_facts {
	char container[65]; /* container id, "" when none was found */
	char bt[64];        /* backtraces: "libunwind" or "off: why" */
	int vars;           /* environment entries at start */
	struct {            /* the parent of a fork or clone child */
		long pid;
		char nonce[17];
		int threads;
		uint64_t fork_ts;
	} parent;
};
extern struct ct_hdr_facts ct_g_hdr_facts CT_HIDDEN;
/* Adds this process's hdr fields to r; origin "exec", "attach", "fork", "clone" or "vfork"; nonce is
 * the process's own (a vfork child's differs from the memory it shares). */
void ct_hdr_build(struct ct_rec *r, const char *origin, const char *nonce) CT_HIDDEN;
void ct_trace_write_hdr(const char *origin) CT_HIDDEN; /* this process's hdr, at start */

/* ---- host, nonce and file names (trace_name.c) ------------------------------------------------- */
extern char ct_g_host[65] CT_HIDDEN;
extern char ct_g_nonce[17] CT_HIDDEN;    /* 16 hex digits, new in every process (fork children too) */
void ct_trace_name_init(void) CT_HIDDEN; /* ct_g_host from uname, a fresh ct_g_nonce */
void ct_random_hex(char *out, size_t ndigits, uint64_t salt) CT_HIDDEN;
void ct_vfork_nonce(char nonce[17], long pid) CT_HIDDEN; /* derived from ct_g_nonce and pid */
/* dir/host.pid.nonce.jsonl into out; returns its length. */
size_t ct_trace_file_name(char *out, size_t outsz, const char *dir, long pid, const char *nonce) CT_HIDDEN;
/* <dir>/<host>.<pid>.<nonce>, what every file of the process starts with (fork_region.c adds its own end) */
size_t ct_trace_file_stem(char *out, size_t outsz, const char *dir, long pid, const char *nonce) CT_HIDDEN;

/* ---- directory and key (trace_dir.c, trace_key.c) ---------------------------------------------- */
/* Fills dir (CT_DIR_MAX bytes) with the trace directory, made absolute and checked (dirpolicy.c);
 * 1 when it may be used, else 0 with dir "". */
int ct_trace_dir_setup(char *dir, uid_t euid) CT_HIDDEN;
/* Points the environment entry name_eq... at name_eq+abs (stored in entry), so that children that
 * chdir elsewhere use the same absolute path. */
void ct_pass_on_absolute(const char *name_eq, const char *abs, char *entry, size_t size) CT_HIDDEN;
void ct_trace_key_setup(const char *dir, uid_t euid) CT_HIDDEN; /* reads or makes the key */
const char *ct_fp_state(void) CT_HIDDEN;                        /* "hmac-sha256/48" or "off: ..." */
const char *ct_fp_kid(void) CT_HIDDEN; /* 8 hex digits naming the key, NULL when off */

/* ---- debug output (debug.c) -------------------------------------------------------------------- */
/* One line on stderr when CREDTRACE_DEBUG is set (raw write, no stdio). */
void ct_debug(const char *msg, const char *detail) CT_HIDDEN;

#endif
