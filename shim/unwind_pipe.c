/* SPDX-License-Identifier: MIT */
/* unwind_pipe.c: libunwind's validation pipe, kept out of the program's descriptors.
 *
 * libunwind >= 1.2 validates memory by writing to a pipe it opens among the application's fds and
 * keeps in a static; ssh lost data that way after closefrom() (libunwind#274, #291), and a program
 * that lists or counts its fds meets it. No descriptor of ours may outlive a hook call: libunwind's
 * pipe is closed after the warm-up, and each capture puts a pipe of its own (high fds) into
 * libunwind's static and closes it before returning. unw_slot points at that static; capture_busy
 * lets one capture at a time use it (a second one, on another thread or in a signal handler, takes
 * no backtrace rather than wait). */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backtrace.h"
#include "ct.h"

CT_STATE static int *unw_slot;
CT_STATE static int capture_busy;
CT_STATE static long pipe_lo; /* lowest fd for the lent pipe, from RLIMIT_NOFILE at load */

static unsigned long fifo_ino(int fd)
{
	struct stat st;
	if (fd < 0 || syscall(SYS_fstat, fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return 0;
	return (unsigned long)st.st_ino;
}

/* Writable segments of the object holding addr: where libunwind keeps its statics. */
struct rw_arg {
	uintptr_t addr;
	uintptr_t s[4], e[4];
	int n;
};

static int rw_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct rw_arg *a = data;
	int hit = 0, n = 0;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t s = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD)
			continue;
		if (a->addr >= s && a->addr < s + ph->p_memsz)
			hit = 1;
		if ((ph->p_flags & PF_W) && n < 4) {
			a->s[n] = s;
			a->e[n++] = s + ph->p_memsz;
		}
	}
	if (hit)
		a->n = n;
	return hit;
}

/* Before the first unwind: the int pairs of libunwind's writable data still {-1,-1}. */
void ct_bt_pipe_scan(struct ct_bt_pipe_scan *sc, uintptr_t in_lib)
{
	struct rw_arg a = {in_lib, {0}, {0}, 0};
	int n = 0;
	dl_iterate_phdr(rw_cb, &a);
	for (int k = 0; k < a.n; k++)
		for (uintptr_t p = (a.s[k] + 3) & ~(uintptr_t)3; p + 8 <= a.e[k]; p += 4) {
			int *v = (int *)p;
			if (v[0] == -1 && v[1] == -1) {
				if (n == BT_PIPE_CANDIDATES) {
					sc->n = -1;
					return;
				}
				sc->cand[n++] = v;
			}
		}
	sc->n = n;
}

/* A raw close, invisible to every interposer. Under ThreadSanitizer, through libc instead (its
 * interceptor, then ours, which the guard passes through): TSan keeps a table of open fds, and an fd
 * it still believes is libunwind's pipe, reused by the program's next socket(), reads as a race. */
static void close_quietly(int fd)
{
#if defined(__SANITIZE_THREAD__)
	close(fd);
#else
	syscall(SYS_close, fd);
#endif
}

/* The lowest fd for our pipe: far above what programs use, as F_DUPFD_CLOEXEC allows. */
static long high_fd(void)
{
	struct rlimit rl;
	long lo = 512;
	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 && rl.rlim_cur < 1024)
		lo = (long)rl.rlim_cur / 2;
	return lo;
}

/* For one capture: a non-blocking pipe (libunwind reads it to see whether it is still open) in
 * high fds, put into libunwind's static. 0 when none could be made: the capture is skipped, since
 * libunwind would otherwise open one among the program's fds. */
static int pipe_lend(void)
{
	int p[2];
	long lo = pipe_lo, r, w;
	if (syscall(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK) != 0)
		return 0;
	/* F_DUPFD fails when the program lowered RLIMIT_NOFILE below lo since: no capture then */
	r = syscall(SYS_fcntl, p[0], F_DUPFD_CLOEXEC, lo);
	w = r < 0 ? -1 : syscall(SYS_fcntl, p[1], F_DUPFD_CLOEXEC, lo);
	/* Raw, even under TSan: it never saw these low fds made, and a close through its interceptor
	 * would race with the program's own earlier use of the same numbers. */
	syscall(SYS_close, p[0]);
	syscall(SYS_close, p[1]);
	if (r < 0 || w < 0) {
		if (r >= 0)
			close_quietly((int)r);
		return 0;
	}
	__atomic_store_n(&unw_slot[0], (int)r, __ATOMIC_RELAXED);
	__atomic_store_n(&unw_slot[1], (int)w, __ATOMIC_RELAXED);
	return 1;
}

/* After the capture: close whatever libunwind's static now holds (ours, or one it reopened). */
static void pipe_take_back(void)
{
	int r = __atomic_exchange_n(&unw_slot[0], -1, __ATOMIC_RELAXED);
	int w = __atomic_exchange_n(&unw_slot[1], -1, __ATOMIC_RELAXED);
	if (r >= 0)
		close_quietly(r);
	if (w >= 0)
		close_quietly(w);
}

/* After the warm-up: the one pair that now holds both ends of one new pipe is libunwind's; it is
 * closed and remembered, to be lent a pipe at each capture. Returns 0 when libunwind must not be
 * used: too many candidates, or a pipe we cannot tell apart. */
int ct_bt_pipe_adopt(const struct ct_bt_pipe_scan *sc)
{
	int *found = NULL;
	if (sc->n < 0)
		return 0;
	for (int i = 0; i < sc->n; i++) {
		int *v = sc->cand[i];
		if (v[0] == -1 && v[1] == -1)
			continue;
		unsigned long ino = fifo_ino(v[0]);
		if (!ino || fifo_ino(v[1]) != ino)
			continue;
		if (found)
			return 0;
		found = v;
	}
	if (!found)
		return 1; /* a libunwind without the pipe */
	unw_slot = found;
	pipe_lo = high_fd();
	pipe_take_back();
	return 1;
}

int ct_bt_pipe_lend(void)
{
	if (!unw_slot)
		return 1;
	if (__atomic_exchange_n(&capture_busy, 1, __ATOMIC_ACQUIRE))
		return 0;
	if (!pipe_lend()) {
		__atomic_store_n(&capture_busy, 0, __ATOMIC_RELEASE);
		return 0;
	}
	return 1;
}

void ct_bt_pipe_return(void)
{
	if (unw_slot) {
		pipe_take_back();
		__atomic_store_n(&capture_busy, 0, __ATOMIC_RELEASE);
	}
}

/* A fork while another thread was unwinding: that thread's lent pipe is not this child's. */
void ct_bt_pipe_fork_child(void)
{
	if (unw_slot) {
		pipe_take_back();
		__atomic_store_n(&capture_busy, 0, __ATOMIC_RELAXED);
	}
}
