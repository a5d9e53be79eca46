/* SPDX-License-Identifier: MIT */
/* writer.c: this process's trace file: created at start, each record appended with one write (the
 * start-up records in one batch), half the cap as plain appends and the rest as a ring (cap_ring.c),
 * a fork child's file made at its first record. Directory, key, name and header: trace_*.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config.h"
#include "ct_str.h"
#include "ct_writer.h"
#include "dirpolicy.h"
#include "fork_region.h"

/* What the constructor writes, in one page: the directory (at most CT_DIR_MAX - 1 bytes; a longer
 * CREDTRACE_DIR turns tracing off), this process's file name, and the start of the start-up batch,
 * whose records usually fit in the rest of it. Each page a new process touches costs it a fault. */
static struct {
	char dir[CT_DIR_MAX];
	char path[CT_DIR_MAX + 128];
	char batch[16384];
} wbuf __attribute__((aligned(4096)));
/* The file is opened for each write and closed right after: the program never sees a descriptor of
 * ours (test_subprocess lists its fds; daemons close every one and dup2 over ranges), none can be
 * stolen, and a program at RLIMIT_NOFILE loses no slot to us. dev and ino of the file as created:
 * a write goes only into that file. */
CT_STATE static dev_t trace_dev;
CT_STATE static ino_t trace_ino;
CT_STATE static uint64_t cap = CT_MAX_BYTES_DEFAULT;
/* Plain appends fill the first half of the cap; past it the file's tail is a ring (cap_ring.c). */
#define HEAD_CAP (cap / 2)
/* 0: no file yet (a fork child opens one at its first record), 1: open, 2: given up */
CT_STATE static atomic_int state;

/* The descriptor of the file just created, held only while the constructor runs (no program code
 * runs then): the start-up batch goes through it, with no second open. */
CT_STATE static int init_fd = -1;
CT_STATE static uint64_t init_size;

static long sys_write(int fd, const void *b, size_t n)
{
	return syscall(SYS_write, fd, b, n);
}

static void sys_close(int fd)
{
	syscall(SYS_close, fd);
}

/* Creates this process's file (0600, never through a symlink, never an existing name). */
static int create_file(void)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO planted under our name must not block the host in open(). */
	int fd = open(wbuf.path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_CREAT | O_EXCL,
	              0600);
	if (fd < 0)
		return -1;
	if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sys_close(fd);
		return -1;
	}
	trace_dev = st.st_dev;
	trace_ino = st.st_ino;
	return fd;
}

/* The constructor's: errno is kept, a host's main may look at it. When it fails, no record is ever
 * written (state 2), by this process or its fork children. */
int ct_trace_init(void)
{
	uid_t euid = (uid_t)getauxval(AT_EUID); /* the kernel's word at exec: no system call */
	int fd;
	CT_KEEP_ERRNO;
	cap = ct_g_config.max_bytes;
	ct_trace_name_init();
	atomic_store(&state, 2);
	if (!ct_trace_dir_setup(wbuf.dir, euid))
		return -1;
	ct_trace_key_setup(wbuf.dir, euid);
	ct_trace_file_name(wbuf.path, sizeof wbuf.path, wbuf.dir, ct_g_pid, ct_g_nonce);
	fd = create_file();
	if (fd < 0) {
		char msg[80];
		ct_str_append(msg, ct_str_append(msg, 0, sizeof msg, "cannot create trace file: "),
		              sizeof msg, ct_errno_text(errno));
		ct_debug(msg, wbuf.path);
		return -1;
	}
	init_fd = fd;
	init_size = 0;
	atomic_store(&state, 1);
	return 0;
}

const char *ct_trace_dir(void)
{
	return wbuf.dir;
}

uint64_t ct_trace_cap(void)
{
	return cap;
}

int ct_trace_has_file(void)
{
	return atomic_load(&state) == 1 || (atomic_load(&state) == 0 && ct_region_started());
}

/* Would writing n more bytes exceed RLIMIT_FSIZE? Then the kernel would send SIGXFSZ, which by
 * default kills the host: write nothing instead. */
int ct_trace_fsize_ok(off_t size, size_t n)
{
	struct rlimit rl;
	if (syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, NULL, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1;
	return (uint64_t)size + n <= (uint64_t)rl.rlim_cur;
}

void ct_trace_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		long w = sys_write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* full disk, quota: drop the record, never block or retry forever */
		buf += w;
		len -= (size_t)w;
	}
}

/* Header and record in one append; a short write (full disk) finishes with plain writes. */
static void writev_all(int fd, struct iovec *iov)
{
	long w;
	do
		w = syscall(SYS_writev, fd, iov, 2);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return;
	if ((size_t)w < iov[0].iov_len) {
		ct_trace_write_all(fd, (const char *)iov[0].iov_base + w, iov[0].iov_len - (size_t)w);
		w = 0;
	} else {
		w -= (long)iov[0].iov_len;
	}
	if ((size_t)w < iov[1].iov_len)
		ct_trace_write_all(fd, (const char *)iov[1].iov_base + w, iov[1].iov_len - (size_t)w);
}

/* Opens our file for one write: it must still be the file we created (not replaced, not a FIFO).
 * append 0: for a positioned write into the ring (pwrite ignores the offset under O_APPEND). */
int ct_trace_open(int append, off_t *size)
{
	struct stat st;
	int fd = open(wbuf.path, O_WRONLY | (append ? O_APPEND : 0) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (syscall(SYS_fstat, fd, &st) != 0 || st.st_dev != trace_dev || st.st_ino != trace_ino) {
		sys_close(fd);
		return -1;
	}
	*size = st.st_size;
	return fd;
}

CT_STATE static const char *child_origin = "fork";

/* A fork child's first record creates its file and goes out with the header in one writev (one
 * append: a reader never sees the record without its header); *done then says it is written.
 * Another thread made the file meanwhile: 1 with *done 0, the caller writes as usual. The file is
 * being made by another thread or cannot be made: 0, the record is dropped. */
static int child_first_write(const char *buf, size_t len, int *done)
{
	int expect = 0, fd;
	struct ct_rec h;
	struct iovec iov[2];
	*done = 1;
	if (!atomic_compare_exchange_strong(&state, &expect, 3)) {
		*done = 0;
		return atomic_load(&state) == 1;
	}
	ct_trace_file_name(wbuf.path, sizeof wbuf.path, wbuf.dir, ct_g_pid, ct_g_nonce);
	fd = create_file();
	if (fd < 0) {
		atomic_store(&state, 2);
		return 0;
	}
	ct_rec_begin(&h, "hdr");
	ct_hdr_build(&h, child_origin, ct_g_nonce);
	ct_rec_finish(&h);
	iov[0].iov_base = h.buf;
	iov[0].iov_len = h.len;
	iov[1].iov_base = (void *)buf;
	iov[1].iov_len = len;
	/* The header always goes in; the record past the head goes to the ring (a cap below one
	 * header and record still names the process). */
	if (atomic_fetch_add(&ct_g_hot.written, h.len + len) + h.len + len + 128 > HEAD_CAP) {
		atomic_fetch_sub(&ct_g_hot.written, len);
		ct_trace_write_all(fd, h.buf, h.len);
		sys_close(fd);
		atomic_store(&state, 1);
		ct_ring_write(buf, len);
		return 1;
	}
	if (ct_trace_fsize_ok(0, h.len + len))
		writev_all(fd, iov);
	sys_close(fd);
	atomic_store(&state, 1);
	return 1;
}

/* Start-up batch: the constructor's header and env records go out in one write() of whole lines
 * instead of one write (plus its descriptor and size checks) each. Single-threaded by nature: the
 * constructor of a preloaded object runs before the program's main. */
CT_STATE static size_t batch_len;
CT_STATE static int batching;

static void trace_append(const char *buf, size_t len);
CT_STATE static atomic_int head_busy; /* appends past the cap check, not yet written */

/* Near the cap the lines go one by one, so that the cap cuts between records as it always does. */
static void flush_batch(void)
{
	size_t at = 0;
	if (batch_len && atomic_load(&ct_g_hot.written) + batch_len + 128 <= HEAD_CAP) {
		trace_append(wbuf.batch, batch_len);
	} else {
		while (at < batch_len) {
			const char *nl = memchr(wbuf.batch + at, '\n', batch_len - at);
			size_t n = nl ? (size_t)(nl - (wbuf.batch + at)) + 1 : batch_len - at;
			trace_append(wbuf.batch + at, n);
			at += n;
		}
	}
	batch_len = 0;
}

void ct_trace_batch(int on)
{
	if (on) {
		batch_len = 0;
		batching = 1;
		return;
	}
	batching = 0;
	flush_batch();
	if (init_fd >= 0) { /* the constructor is done: from now on each record opens the file */
		sys_close(init_fd);
		init_fd = -1;
	}
}

void ct_trace_write(const char *buf, size_t len)
{
	if (batching) {
		if (batch_len + len > sizeof wbuf.batch)
			flush_batch();
		if (len <= sizeof wbuf.batch) {
			memcpy(wbuf.batch + batch_len, buf, len);
			batch_len += len;
			return;
		}
	}
	trace_append(buf, len);
}

/* Appends buf (whole lines) to this process's trace: the step every record goes through after the
 * batch. A fork child's first record makes the file; past half the cap records go to the ring. */
static void trace_append(const char *buf, size_t len)
{
	int fd, done;
	off_t size = 0;
	int st = atomic_load(&state);
	CT_KEEP_ERRNO;
	if (st != 1) {
		if (st == 0 && ct_region_write(child_origin, buf, len)) /* fork_region.c */
			return;
		if (st != 0 || !child_first_write(buf, len, &done) || done)
			return;
	}
	/* The cap: a soak test must never fill a disk, and must keep its start and its newest events.
	 * head_busy counts the appends past this check, so that the ring starts after the last of them
	 * (ct_trace_head_wait); it is raised before the ring is looked at (both seq_cst: either this
	 * thread sees the ring, or the thread entering it sees this append). */
	atomic_fetch_add(&head_busy, 1);
	if (ct_ring_on() || atomic_fetch_add(&ct_g_hot.written, len) + len + 128 > HEAD_CAP) {
		atomic_fetch_sub(&head_busy, 1);
		ct_ring_write(buf, len);
		return;
	}
	if (init_fd >= 0) {
		if (ct_trace_fsize_ok((off_t)init_size, len)) {
			ct_trace_write_all(init_fd, buf, len);
			init_size += len;
		}
	} else if ((fd = ct_trace_open(1, &size)) >= 0) {
		if (ct_trace_fsize_ok(size, len))
			ct_trace_write_all(fd, buf, len);
		sys_close(fd);
	}
	atomic_fetch_sub(&head_busy, 1);
}

/* The ring is being entered: lets the head appends already past the cap check land first. Bounded,
 * because the append in flight may be this thread's own, interrupted by a signal whose handler
 * records (its bytes then land in the ring's first bytes, where the reader takes them as an older
 * lap's fragment: one record lost, never the cap record, see cap_ring.c). */
void ct_trace_head_wait(void)
{
	for (int i = 0; i < 1000 && atomic_load(&head_busy) != 0; i++)
		ct_spin_yield();
}

void ct_trace_emit(struct ct_rec *r)
{
	ct_rec_finish(r);
	ct_trace_write(r->buf, r->len);
}

void ct_trace_fork_child(const char *origin)
{
	child_origin = origin;
	atomic_store(&ct_g_hot.written, 0);
	atomic_store(&head_busy, 0); /* the threads that were appending are not in this child */
	ct_ring_fork_child();
	ct_random_hex(ct_g_nonce, 16, (uint64_t)ct_g_pid);
	/* A parent that gave up (no directory) stays off in its children. */
	atomic_store(&state, wbuf.dir[0] ? 0 : 2);
}
