/* SPDX-License-Identifier: MIT */
/* inject.h: make one thread of a running process call a function, over ptrace (x86-64 Linux). */
#ifndef INJECT_H
#define INJECT_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* Address ranges of the target that tell whether a stopped thread is at a safe point. */
struct inj_target {
	pid_t pid;
	uint64_t libc_lo, libc_hi; /* libc's text: a thread running there may hold malloc's lock */
	uint64_t ld_lo, ld_hi;     /* the loader's: a thread there may hold the loader's lock */
	uint64_t shim_lo, shim_hi; /* the shim's, once loaded: a thread there may hold its locks */
};

/* One stopped thread, its registers as they were, and how long it has been stopped. */
struct inj {
	pid_t pid, tid;
	int stopped;
	uint64_t t0_ns;               /* when it stopped */
	uint64_t total_ns;            /* stopped time, final after inj_release */
	uint64_t run0_ns, run_ns;     /* of which on a CPU (schedstat): the rest is waiting for one */
	struct user_regs_struct regs; /* as found */
	unsigned char xsave[8192];    /* FP/SSE/AVX state as found (NT_X86_XSTATE) */
	size_t xsave_len;
	int tries; /* threads looked at before a safe one */
};

/* Stops a thread of t->pid at a safe point (not in the loader, not running inside libc, not in a
 * memory-management system call), trying each thread for up to about a second. Other threads keep
 * running. Returns 0, or -1 with why filled (errno-based reasons: EPERM, ESRCH...). */
int inj_stop(const struct inj_target *t, struct inj *in, char *why, size_t whylen);
/* Makes the stopped thread call fn(a0, a1) where a string, when str is not NULL, is copied below
 * its stack's red zone and passed as a0 instead. Waits for the return (a trap at address 0).
 * Returns 0 with *ret, or -1 with why: the thread's registers are restored either way by inj_release. */
int inj_call(struct inj *in, uint64_t fn, const char *str, uint64_t a0, uint64_t a1, uint64_t *ret, char *why,
             size_t whylen);
/* Puts the registers back exactly and detaches; the thread resumes where it was (an interrupted
 * system call is restarted as the kernel would). */
void inj_release(struct inj *in);
uint64_t inj_now_ns(void);

#endif
