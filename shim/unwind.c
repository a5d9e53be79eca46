/* SPDX-License-Identifier: MIT */
/* unwind.c: native frames through libunwind, loaded at the first site that wants them, through our
 * own handle, and warmed up before its first real use; then the return addresses of a caller. */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
/* Types only: libunwind is dlopen'ed, never linked: the shim needs libc and libdl alone, so that
 * it loads into any program (tests/cases/05-symbols.sh checks DT_NEEDED). */
#include <libunwind.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backtrace.h"
#include "config.h"
#include "ct.h"

#define BT_BUDGET 256 /* backtraces per process; then sites say "bt":"limit" */

/* libunwind, resolved through our own handle so that a host's own libunwind is never mixed in
 * (heaptrack PR #43). */
static struct {
	int (*getcontext)(unw_context_t *);
	int (*init_local)(unw_cursor_t *, unw_context_t *);
	int (*step)(unw_cursor_t *);
	int (*get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
	int (*get_proc_info)(unw_cursor_t *, unw_proc_info_t *);
	int (*is_signal_frame)(unw_cursor_t *);
} uw CT_STATE;
CT_STATE static int bt_ready;
CT_STATE static int bt_used; /* backtraces taken by this process (atomic) */
/* libunwind is loaded at the first site that wants a backtrace, not in the constructor: most
 * processes of a traced tree (shells, helpers, `true`) never need one, and loading it costs about
 * 300k instructions and twenty system calls. 1: not yet loaded; 2: being loaded by one thread. */
CT_STATE static int bt_lazy;
static char bt_off_why[64] = "off";
CT_STATE static uintptr_t self_lo, self_hi; /* libcredtrace.so's own mapping: its frames are dropped */

void ct_bt_copy(char *dst, size_t n, const char *s)
{
	size_t i = 0;
	if (!dst || n == 0)
		return;
	for (; s && s[i] && i + 1 < n; i++)
		dst[i] = s[i];
	dst[i] = 0;
}

int ct_bt_ready(void)
{
	return __atomic_load_n(&bt_ready, __ATOMIC_ACQUIRE);
}

/* ---- capture -------------------------------------------------------------------------------- */

static int in_self(uintptr_t ip)
{
	return ip >= self_lo && ip < self_hi;
}

/* Return addresses of the caller's frames, innermost first, the shim's own frames dropped.
 * A return address points after the call: ip - 1 is inside it (heaptrack BUG 439897), except for
 * the frame a signal interrupted. Stops at the first frame without unwind info instead of letting
 * libunwind guess along the frame-pointer chain: its guesses validate memory through a pipe it
 * keeps among the application's fds, which a daemon may have closed and reused (unwind_pipe.c). */
int ct_bt_capture(uintptr_t *ips, int max)
{
	if (!__atomic_load_n(&bt_ready, __ATOMIC_ACQUIRE) || max <= 0)
		return 0;
	CT_KEEP_ERRNO;
	if (!ct_bt_pipe_lend())
		return 0;
	int saved_guard = ct_g_guard;
	ct_g_guard = 1; /* libunwind's own libc calls pass straight through our hooks */
	unw_context_t uc;
	unw_cursor_t cur;
	int n = 0, after_signal = 0;
	if (uw.getcontext(&uc) != 0 || uw.init_local(&cur, &uc) != 0)
		goto out;
	for (int depth = 0; n < max && depth < 4 * max; depth++) {
		unw_word_t ip;
		unw_proc_info_t pi;
		if (uw.get_reg(&cur, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		if (!in_self(ip))
			ips[n++] = depth > 0 && !after_signal ? ip - 1 : ip;
		after_signal = uw.is_signal_frame && uw.is_signal_frame(&cur) > 0;
		if (uw.get_proc_info(&cur, &pi) < 0 || uw.step(&cur) <= 0)
			break;
	}
out:
	ct_g_guard = saved_guard;
	ct_bt_pipe_return();
	return n;
}

/* ---- load ----------------------------------------------------------------------------------- */

static void *resolve(void *h, const char *name, int *missing)
{
	void *p = dlsym(h, name);
	if (!p)
		*missing = 1;
	return p;
}

/* Loads and warms up libunwind. Returns 1 when backtraces can be taken, else 0 with why. */
static int bt_load(char *why, size_t whylen)
{
	/* CREDTRACE_LIBUNWIND names the library to load instead (tests make it unloadable). */
	const char *lib = ct_g_config.libunwind;
	void *h = lib && lib[0] ? dlopen(lib, RTLD_NOW | RTLD_LOCAL)
	                        : dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h && !(lib && lib[0]))
		h = dlopen("libunwind.so", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		ct_bt_copy(why, whylen, "off: libunwind not found");
		return 0;
	}
	int missing = 0;
	*(void **)&uw.getcontext = resolve(h, "_Ux86_64_getcontext", &missing);
	*(void **)&uw.init_local = resolve(h, "_ULx86_64_init_local", &missing);
	*(void **)&uw.step = resolve(h, "_ULx86_64_step", &missing);
	*(void **)&uw.get_reg = resolve(h, "_ULx86_64_get_reg", &missing);
	*(void **)&uw.get_proc_info = resolve(h, "_ULx86_64_get_proc_info", &missing);
	*(void **)&uw.is_signal_frame = dlsym(h, "_ULx86_64_is_signal_frame"); /* optional */
	if (missing) {
		dlclose(h);
		ct_bt_copy(why, whylen, "off: libunwind lacks x86_64 local unwinding");
		return 0;
	}
	/* Warm up: libunwind's first use initialises its caches, may allocate and opens its pipe; do
	 * it here rather than in the middle of some capture. */
	struct ct_bt_pipe_scan scan;
	ct_bt_pipe_scan(&scan, (uintptr_t)uw.step);
	__atomic_store_n(&bt_ready, 1, __ATOMIC_RELEASE);
	uintptr_t ips[BT_MAX];
	ct_bt_capture(ips, BT_MAX);
	if (!ct_bt_pipe_adopt(&scan)) {
		__atomic_store_n(&bt_ready, 0, __ATOMIC_RELEASE);
		ct_bt_copy(why, whylen, "off: libunwind's validation pipe not found");
		return 0;
	}
	return 1;
}

/* Loading a library takes the loader's and malloc's locks: never from a signal handler that may
 * have interrupted their holder. A handler runs with its signal blocked (or on the alternate
 * stack), so a non-empty signal mask or the alternate stack defer the load to a later site. */
static int load_is_safe(void)
{
	unsigned long mask = 0;
	stack_t ss;
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, sizeof mask) != 0 || mask != 0)
		return 0;
	if (syscall(SYS_sigaltstack, NULL, &ss) != 0 || (ss.ss_flags & SS_ONSTACK))
		return 0;
	return 1;
}

int ct_bt_init(char *why, size_t whylen)
{
	if (!ct_g_config.backtrace) {
		ct_bt_copy(why, whylen, "off: CREDTRACE_BACKTRACE=0");
		return ct_g_cfg_backtrace = 0;
	}
	ct_bt_obj_range((uintptr_t)&ct_bt_init, &self_lo, &self_hi);
	ct_bt_mods_init();
	bt_lazy = 1;
	ct_bt_copy(why, whylen, "libunwind");
	return ct_g_cfg_backtrace = 1;
}

/* Why no new backtrace may be taken here (after the caller found it safe), or NULL. */
const char *ct_bt_refusal(void)
{
	if (__atomic_load_n(&bt_lazy, __ATOMIC_ACQUIRE)) {
		int one = 1;
		if (!load_is_safe() ||
		    !__atomic_compare_exchange_n(&bt_lazy, &one, 2, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return "deferred"; /* a signal handler, or another thread is loading it */
		if (!bt_load(bt_off_why, sizeof bt_off_why))
			ct_g_cfg_backtrace = 0;
		__atomic_store_n(&bt_lazy, 0, __ATOMIC_RELEASE);
		if (!ct_g_cfg_backtrace)
			return bt_off_why;
	}
	if (!__atomic_load_n(&bt_ready, __ATOMIC_ACQUIRE))
		return bt_off_why;
	if (__atomic_fetch_add(&bt_used, 1, __ATOMIC_RELAXED) >= BT_BUDGET)
		return "limit";
	return NULL;
}

/* A fork child has a budget of its own. */
void ct_bt_unwind_fork_child(void)
{
	__atomic_store_n(&bt_used, 0, __ATOMIC_RELAXED);
}
