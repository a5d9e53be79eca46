/* SPDX-License-Identifier: MIT */
/* ct_record.h: the record builder (record.c). One JSON line in a caller's buffer; it knows nothing of
 * files, processes or credentials (like heaptrack's linewriter, which knows only its descriptor),
 * so it is unit-tested alone (tests/unit/shim_record.c) and every other layer may use it. */
#ifndef CT_RECORD_H
#define CT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ct_base.h"

#define CT_LINE_MAX 4096 /* one record is one write() of at most this many bytes */

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
/* They never fail: a field that does not fit is dropped whole, never split, and the finished line
 * says "trunc":true. Keys are written as given (they are the shim's own words); values are escaped. */
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
/* Closes what is open, adds "trunc":true when a field was dropped, and the newline: r->buf[0..len)
 * is then one complete line, for the writer (ct_writer.h) to write. */
void ct_rec_finish(struct ct_rec *r) CT_HIDDEN;

/* Wall-clock microseconds, the records' "ts". */
uint64_t ct_now_us(void) CT_HIDDEN;

#endif
