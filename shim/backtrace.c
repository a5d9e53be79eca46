/* SPDX-License-Identifier: MIT */
/* backtrace.c: the "site" of a record: the language-level site a runtime adapter stashed, else the
 * caller's native frames (libunwind, unwind.c), looked up first by call site (site_cache.c, then
 * site_shared.c). backtrace.h lists the files this work is split into. */
#include "backtrace.h"
#include "ct.h"

__thread struct ct_pysite ct_g_pysite;
__thread uintptr_t ct_g_site_key;
CT_STATE int ct_g_bt_child_fresh;

/* Why no native backtrace may be taken here, or NULL when one may. */
static const char *bt_unsafe(void)
{
	if (!ct_g_cfg_backtrace)
		return "off";
	enum ct_self s = ct_self();
	if (s == CT_SELF_VFORK)
		return "vfork"; /* the parent's memory: no tables, no loader locks */
	if (s == CT_SELF_FORKED)
		ct_g_bt_child_fresh = 1; /* ran no atfork handler: same rule as a fork child */
	if (ct_g_bt_child_fresh)
		return "fresh-fork";
	return NULL;
}

/* The caller's native frames: from the caches when its call site is known, else unwound (and
 * cached). Returns how many, 0 with *why when none. */
static int native_frames(uintptr_t *ips, const char **why)
{
	uintptr_t key = ct_g_site_key;
	int n = 0;
	if ((*why = bt_unsafe()) != NULL)
		return 0;
	/* Shared entries also match the stack depth: siblings have the same stack addresses, so the
	 * same call path gives the same frame address here. */
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	struct ct_bt_shared *sh = NULL;
	ct_g_site_key = 0;
	n = key ? ct_bt_site_get(key, ips) : 0;
	if (n == 0 && key && (sh = ct_bt_shared_for_us()) != NULL)
		n = ct_bt_shared_get(sh, key, sp, ips); /* not copied to this process's cache: one page
		                                            fewer written in a fork child */
	if (n == 0 && !(*why = ct_bt_refusal())) {
		n = ct_bt_capture(ips, BT_MAX);
		if (key && n > 0) {
			ct_bt_site_put(key, ips, n);
			/* sh: looked up above, on the private cache's miss */
			if (sh)
				ct_bt_shared_put(sh, key, sp, ips, n);
		}
	}
	return n;
}

void ct_rec_site(struct ct_rec *r)
{
	CT_KEEP_ERRNO; /* ct_self's kcmp, loading libunwind, a failed mmap: none may show */
	/* Frames inside libcredtrace.so are dropped by address: no count of frames to skip. */
	ct_rec_obj(r, "site");
	if (ct_g_pysite.set) {
		ct_rec_obj(r, ct_g_pysite.lang ? ct_g_pysite.lang : "py");
		ct_rec_str(r, "file", ct_g_pysite.file);
		ct_rec_int(r, "line", ct_g_pysite.line);
		ct_rec_str(r, "func", ct_g_pysite.func);
		ct_rec_bool(r, "module_level", ct_g_pysite.module_level);
		ct_rec_end(r);
		/* A vfork child's exec* may be tried once per PATH entry (CPython's subprocess): keep the
		 * site for every attempt; the memory is the parent's, whose next event replaces it. */
		if (ct_self() != CT_SELF_VFORK)
			ct_g_pysite.set = 0;
	} else {
		uintptr_t ips[BT_MAX];
		const char *why = NULL;
		int n = native_frames(ips, &why);
		if (n > 0)
			ct_rec_frames(r, ips, n);
		else
			ct_rec_str(r, "bt", why ? why : "none");
	}
	ct_rec_end(r);
}

/* A fork child has a new trace file (modules must be named again), no other threads (a lock may
 * have been held by one), and a budget of its own. Called from the child's re-initialisation. */
void ct_bt_fork_child(void)
{
	ct_bt_sites_fork_child();
	ct_bt_mods_fork_child();
	ct_bt_unwind_fork_child();
	ct_bt_pipe_fork_child();
}
