/* SPDX-License-Identifier: MIT */
/* ct_base.h: the bottom layer every shim file may use: visibility, branch hints, the errno scope,
 * the spinlock. Nothing here knows about traces, hooks or the process. */
#ifndef CT_BASE_H
#define CT_BASE_H

#include <errno.h>

#define CT_HIDDEN      __attribute__((visibility("hidden")))
#define CT_EXPORT      __attribute__((visibility("default")))
#define CT_LIKELY(x)   __builtin_expect(!!(x), 1)
#define CT_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- errno ---------------------------------------------------------------------------------- */
/* A hook must leave errno as the real call left it, on every return path. CT_KEEP_ERRNO, written
 * once after the real call, saves errno and puts it back when the enclosing block is left, however
 * it is left (libuv's SAVE_ERRNO made scoped by the compiler's cleanup attribute, so that an early
 * return cannot forget it). */
static inline void ct_errno_put_back(const int *saved)
{
	errno = *saved;
}
#define CT_KEEP_ERRNO_(n)  int ct_errno_##n __attribute__((cleanup(ct_errno_put_back), unused)) = errno
#define CT_KEEP_ERRNO_X(n) CT_KEEP_ERRNO_(n)
#define CT_KEEP_ERRNO      CT_KEEP_ERRNO_X(__LINE__)

/* ---- spinlock --------------------------------------------------------------------------------- */
/* The shim's locks are held for a few hundred instructions without a system call, so a spin is
 * cheaper than a futex; after 1000 spins the holder was probably preempted (2 cores are common) and
 * the waiter yields. A fork child resets the locks it owns (the holder may be a thread that did not
 * survive the fork). Callers set ct_g_guard around held regions, so a signal handler's hooks pass
 * through instead of spinning on a lock its own thread holds. */
static inline void ct_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

void ct_spin_yield(void) CT_HIDDEN; /* spin.c: out of line, taken only under contention */

static inline void ct_spin_lock(int *lk)
{
	int spins = 0;

	while (__atomic_exchange_n(lk, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(lk, __ATOMIC_RELAXED)) {
			if (++spins > 1000) {
				ct_spin_yield();
				spins = 0;
			} else {
				ct_cpu_relax();
			}
		}
}

static inline void ct_spin_unlock(int *lk)
{
	__atomic_store_n(lk, 0, __ATOMIC_RELEASE);
}

#endif
