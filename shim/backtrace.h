/* SPDX-License-Identifier: MIT */
/* backtrace.h: what the native-site files share; nothing outside them includes it. Each has one job:
 *   backtrace.c    a record's "site": the stashed language site, else native frames (ct_rec_site)
 *   unwind.c       libunwind: loaded lazily through our own handle, warmed up; captures frames
 *   unwind_pipe.c  libunwind's validation pipe, kept out of the program's descriptors
 *   modules.c      the module table: frames written as (module, offset), "mod" records
 *   site_cache.c   this process's frames by call site
 *   site_shared.c  frames by call site shared with fork siblings (a MAP_SHARED region)
 * The interface to the rest of the shim is in ct.h ("sites"). */
#ifndef CT_BACKTRACE_H
#define CT_BACKTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "ct_base.h"

#define BT_MAX 16 /* frames per site: enough for the caller chain, small enough for one line */

/* unwind.c */
int ct_bt_ready(void) CT_HIDDEN;              /* libunwind loaded and warmed up */
const char *ct_bt_refusal(void) CT_HIDDEN;    /* why no new backtrace now (loads lazily), or NULL */
void ct_bt_unwind_fork_child(void) CT_HIDDEN; /* a budget of its own */
/* NUL-terminated copy of s (NULL: "") into dst of n bytes, cut at n - 1. */
void ct_bt_copy(char *dst, size_t n, const char *s) CT_HIDDEN;

/* unwind_pipe.c: see there why. Before the warm-up capture, scan libunwind's writable data for
 * empty fd pairs; after it, adopt the one pair that now holds a pipe (0: unusable libunwind). */
#define BT_PIPE_CANDIDATES 64
struct ct_bt_pipe_scan {
	int n; /* -1: too many candidates to tell */
	int *cand[BT_PIPE_CANDIDATES];
};
void ct_bt_pipe_scan(struct ct_bt_pipe_scan *s, uintptr_t in_lib) CT_HIDDEN;
int ct_bt_pipe_adopt(const struct ct_bt_pipe_scan *s) CT_HIDDEN;
int ct_bt_pipe_lend(void) CT_HIDDEN;    /* around one capture: 0 when the capture must be skipped */
void ct_bt_pipe_return(void) CT_HIDDEN; /* after a capture that ct_bt_pipe_lend allowed */
void ct_bt_pipe_fork_child(void) CT_HIDDEN;

/* modules.c */
int ct_bt_obj_range(uintptr_t addr, uintptr_t *lo, uintptr_t *hi) CT_HIDDEN; /* the object at addr */
void ct_bt_mods_init(void) CT_HIDDEN;
void ct_bt_mods_fork_child(void) CT_HIDDEN;

/* site_cache.c: frames of a call site (key: the hook caller's return address); 0 when unknown. */
int ct_bt_site_get(uintptr_t key, uintptr_t *ips) CT_HIDDEN;
void ct_bt_site_put(uintptr_t key, const uintptr_t *ips, int n) CT_HIDDEN;
void ct_bt_sites_fork_child(void) CT_HIDDEN;

/* site_shared.c: the same across fork siblings, matched also by the stack address sp. */
struct ct_bt_shared;
struct ct_bt_shared *ct_bt_shared_for_us(void) CT_HIDDEN; /* NULL: none for this layout */
int ct_bt_shared_get(struct ct_bt_shared *sh, uintptr_t key, uintptr_t sp, uintptr_t *ips) CT_HIDDEN;
void ct_bt_shared_put(struct ct_bt_shared *sh, uintptr_t key, uintptr_t sp, const uintptr_t *ips,
                      int n) CT_HIDDEN;

#endif
