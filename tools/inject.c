/* SPDX-License-Identifier: MIT */
/* inject.c: one thread of a running process calls a function for us, over ptrace (x86-64 Linux).
 * Only the chosen thread is stopped; it is stopped where nothing it may hold (the loader's lock,
 * malloc's) is needed by the call, and its registers, FP/vector state included, are put back exactly. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"

#if !defined(__x86_64__)
#error "the injector knows the x86-64 calling convention only"
#endif

#define RED_ZONE 128

uint64_t inj_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void say(char *why, size_t n, const char *what, int err)
{
	if (err)
		snprintf(why, n, "%s: %s", what, strerror(err));
	else
		snprintf(why, n, "%s", what);
}

/* Waits for the interrupt stop of tid; signals that arrive first are delivered, not lost. */
static int wait_interrupt_stop(pid_t tid)
{
	for (int i = 0; i < 16; i++) {
		int st;
		if (waitpid(tid, &st, __WALL) != tid)
			return -1;
		if (!WIFSTOPPED(st)) {
			errno = ESRCH;
			return -1;
		}
		if ((st >> 16) == PTRACE_EVENT_STOP)
			return 0;
		/* A signal-delivery stop: let the signal through and wait for our stop. */
		if (ptrace(PTRACE_CONT, tid, 0, (void *)(long)WSTOPSIG(st)) != 0)
			return -1;
	}
	errno = EAGAIN;
	return -1;
}

/* System calls that malloc makes with its arena lock held. */
static int mm_syscall(long nr)
{
	return nr == SYS_mmap || nr == SYS_munmap || nr == SYS_brk || nr == SYS_mprotect ||
	       nr == SYS_mremap || nr == SYS_madvise;
}

static int in_range(uint64_t a, uint64_t lo, uint64_t hi)
{
	return a >= lo && a < hi;
}

/* A thread is at a safe point when it is blocked in a system call that is not malloc's, or runs
 * outside libc and the loader (the program's own code, the vDSO). */
static int safe_point(const struct inj_target *t, const struct user_regs_struct *r)
{
	if (in_range(r->rip, t->ld_lo, t->ld_hi) || in_range(r->rip, t->shim_lo, t->shim_hi))
		return 0;
	if ((long)r->orig_rax >= 0)
		return !mm_syscall((long)r->orig_rax);
	return !in_range(r->rip, t->libc_lo, t->libc_hi);
}

static int save_state(struct inj *in)
{
	struct iovec iov = {in->xsave, sizeof in->xsave};
	if (ptrace(PTRACE_GETREGS, in->tid, 0, &in->regs) != 0)
		return -1;
	if (ptrace(PTRACE_GETREGSET, in->tid, (void *)NT_X86_XSTATE, &iov) == 0) {
		in->xsave_len = iov.iov_len;
		return 0;
	}
	/* No XSAVE: the legacy FP/SSE area is all there is. */
	if (ptrace(PTRACE_GETFPREGS, in->tid, 0, in->xsave) != 0)
		return -1;
	in->xsave_len = 0;
	return 0;
}

/* Time the thread has spent on a CPU (/proc/PID/task/TID/schedstat), 0 when unknown. */
static uint64_t run_time(pid_t pid, pid_t tid)
{
	char p[64], b[128];
	FILE *f;
	unsigned long long v = 0;
	snprintf(p, sizeof p, "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	if (!(f = fopen(p, "re")))
		return 0;
	if (!fgets(b, sizeof b, f) || sscanf(b, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static size_t list_threads(pid_t pid, pid_t *tids, size_t max)
{
	char p[64];
	size_t n = 0;
	snprintf(p, sizeof p, "/proc/%d/task", (int)pid);
	DIR *d = opendir(p);
	struct dirent *e;
	if (!d)
		return 0;
	/* The thread group leader first: a worker's main thread usually waits in a system call. */
	tids[n++] = pid;
	while ((e = readdir(d)) != NULL && n < max) {
		long t = strtol(e->d_name, NULL, 10);
		if (t > 0 && t != pid)
			tids[n++] = (pid_t)t;
	}
	closedir(d);
	return n;
}

int inj_stop(const struct inj_target *t, struct inj *in, char *why, size_t whylen)
{
	pid_t tids[256];
	memset(in, 0, sizeof *in);
	for (int round = 0; round < 200; round++) {
		size_t n = list_threads(t->pid, tids, sizeof tids / sizeof tids[0]);
		if (n == 0 || kill(t->pid, 0) != 0) {
			say(why, whylen, "the process is gone", ESRCH);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t t0;
			in->tid = tids[i];
			if (ptrace(PTRACE_SEIZE, in->tid, 0, 0) != 0) {
				if (errno == ESRCH && i > 0)
					continue; /* a thread that just ended */
				say(why, whylen, "ptrace(PTRACE_SEIZE)", errno);
				return -1;
			}
			if (ptrace(PTRACE_INTERRUPT, in->tid, 0, 0) != 0 ||
			    wait_interrupt_stop(in->tid) != 0) {
				int e = errno;
				ptrace(PTRACE_DETACH, in->tid, 0, 0);
				if (i > 0)
					continue;
				say(why, whylen, "stopping the thread", e);
				return -1;
			}
			t0 = inj_now_ns(); /* stopped from here (the kernel's way to the stop is not ours) */
			in->tries++;
			if (save_state(in) == 0 && safe_point(t, &in->regs)) {
				in->stopped = 1;
				in->t0_ns = t0;
				in->pid = t->pid;
				in->run0_ns = run_time(t->pid, in->tid);
				return 0;
			}
			in->total_ns += inj_now_ns() - t0;
			ptrace(PTRACE_DETACH, in->tid, 0, 0);
		}
		usleep(5000);
	}
	say(why, whylen,
	    "no thread reached a safe point within a second (every thread was inside libc or the loader)", 0);
	return -1;
}

static int write_mem(pid_t tid, uint64_t addr, const void *buf, size_t n)
{
	struct iovec l = {(void *)buf, n}, r = {(void *)addr, n};
	if (process_vm_writev(tid, &l, 1, &r, 1, 0) == (ssize_t)n)
		return 0;
	/* Fallback: word by word, keeping the bytes past the end. */
	for (size_t o = 0; o < n; o += sizeof(long)) {
		long w;
		size_t k = n - o < sizeof w ? n - o : sizeof w;
		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, tid, (void *)(addr + o), 0);
		if (errno)
			return -1;
		memcpy(&w, (const char *)buf + o, k);
		if (ptrace(PTRACE_POKEDATA, tid, (void *)(addr + o), (void *)w) != 0)
			return -1;
	}
	return 0;
}

/* waitpid for the injected call, saying once on stderr when it takes long: a call that waits for a
 * lock the program holds elsewhere must still be waited for (the thread's registers can only be put
 * back once the call returned, or the lock it took would stay taken). */
static pid_t wait_call(pid_t tid, int *st)
{
	uint64_t t0 = inj_now_ns();
	int said = 0;
	for (;;) {
		pid_t r = waitpid(tid, st, __WALL | WNOHANG);
		if (r != 0)
			return r;
		if (!said && inj_now_ns() - t0 > 3000000000ull) {
			fprintf(stderr,
			        "credtrace: thread %d is still in the injected call after 3 s; waiting for "
			        "it to return (interrupting now would leave the target broken)\n",
			        (int)tid);
			said = 1;
		}
		usleep(200);
	}
}

int inj_call(struct inj *in, uint64_t fn, const char *str, uint64_t a0, uint64_t a1, uint64_t *ret, char *why,
             size_t whylen)
{
	struct user_regs_struct r = in->regs;
	uint64_t sp = in->regs.rsp - RED_ZONE - 256, zero = 0;
	if (str) {
		size_t n = strlen(str) + 1;
		sp = (sp - n) & ~(uint64_t)15;
		if (write_mem(in->tid, sp, str, n) != 0) {
			say(why, whylen, "writing the argument on the thread's stack", errno);
			return -1;
		}
		a0 = sp;
	}
	/* At a function's entry rsp + 8 is 16-aligned; the return address 0 ends the call with a fault
	 * that we catch before any handler sees it. */
	sp = (sp & ~(uint64_t)15) - 8;
	if (write_mem(in->tid, sp, &zero, sizeof zero) != 0) {
		say(why, whylen, "writing the return address", errno);
		return -1;
	}
	r.rsp = sp;
	r.rip = fn;
	r.rdi = a0;
	r.rsi = a1;
	r.rax = 0;
	r.orig_rax = (uint64_t)-1; /* no system call restart on the way out of this stop */
	if (ptrace(PTRACE_SETREGS, in->tid, 0, &r) != 0 || ptrace(PTRACE_CONT, in->tid, 0, 0) != 0) {
		say(why, whylen, "starting the call", errno);
		return -1;
	}
	for (;;) {
		int st, sig;
		if (wait_call(in->tid, &st) != in->tid) {
			say(why, whylen, "waiting for the call", errno);
			return -1;
		}
		if (!WIFSTOPPED(st)) {
			in->stopped = 0;
			say(why, whylen, "the process ended during the call", 0);
			return -1;
		}
		sig = WSTOPSIG(st);
		if ((st >> 16) == PTRACE_EVENT_STOP) { /* a group stop or our own interrupt: go on */
			ptrace(PTRACE_CONT, in->tid, 0, 0);
			continue;
		}
		if (sig == SIGSEGV) {
			if (ptrace(PTRACE_GETREGS, in->tid, 0, &r) != 0) {
				say(why, whylen, "reading the result", errno);
				return -1;
			}
			if (r.rip == 0) {
				*ret = r.rax;
				return 0;
			}
			snprintf(why, whylen,
			         "the call faulted at 0x%llx (signal suppressed, thread restored)",
			         (unsigned long long)r.rip);
			return -1;
		}
		/* Any other signal is the program's: it is delivered during the call, as it would be. */
		ptrace(PTRACE_CONT, in->tid, 0, (void *)(long)sig);
	}
}

void inj_release(struct inj *in)
{
	struct iovec iov = {in->xsave, in->xsave_len};
	if (!in->stopped)
		return;
	ptrace(PTRACE_SETREGS, in->tid, 0, &in->regs);
	if (in->xsave_len)
		ptrace(PTRACE_SETREGSET, in->tid, (void *)NT_X86_XSTATE, &iov);
	else
		ptrace(PTRACE_SETFPREGS, in->tid, 0, in->xsave);
	in->run_ns = run_time(in->pid, in->tid);
	in->run_ns = in->run_ns > in->run0_ns && in->run0_ns ? in->run_ns - in->run0_ns : 0;
	ptrace(PTRACE_DETACH, in->tid, 0, 0);
	in->stopped = 0;
	in->total_ns += inj_now_ns() - in->t0_ns;
}
