/* SPDX-License-Identifier: MIT */
/* cap_ring.c: past half of CREDTRACE_MAX_BYTES, the rest of the file is a ring of the newest
 * records: a soak keeps its start and its end, and the reader counts what was overwritten. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ct_writer.h"

/* 0: head (plain appends), 1: a thread is writing the cap record, 2: ring. */
CT_STATE static atomic_int ring_state;
CT_STATE static uint64_t ring_base, ring_size; /* file offset and length of the ring region */
CT_STATE static _Atomic uint64_t ring_pos;     /* bytes handed out in the ring, all laps */
CT_STATE static _Atomic uint64_t ring_seq;     /* records given to the ring (written or dropped) */

int ct_ring_on(void)
{
	return atomic_load(&ring_state) != 0; /* seq_cst: pairs with the writer's head_busy */
}

void ct_ring_fork_child(void)
{
	atomic_store(&ring_state, 0);
	atomic_store(&ring_pos, 0);
	atomic_store(&ring_seq, 0);
}

/* The cap record closes the head and says where the ring starts; it is the last append. */
static void enter(void)
{
	struct ct_rec r;
	off_t size = 0;
	uint64_t cap = ct_trace_cap();
	long end;
	int fd;
	ct_trace_head_wait(); /* appends already past the cap check would land after the cap record */
	if ((fd = ct_trace_open(1, &size)) < 0)
		return; /* ring_state stays 1: every later record is dropped (counted) */
	ct_rec_begin(&r, "cap");
	ct_rec_int(&r, "bytes", (long long)cap);
	ct_rec_int(&r, "head", (long long)size);
	ct_rec_finish(&r);
	/* The ring gets what the cap leaves after the head and this record. */
	if ((uint64_t)size + r.len + 512 > cap || !ct_trace_fsize_ok(size, r.len)) {
		syscall(SYS_close, fd);
		return;
	}
	ct_trace_write_all(fd, r.buf, r.len);
	/* Where the cap record really ended: an append that was not waited for may have landed between
	 * the size above and this write (O_APPEND puts ours after it); the ring must never overwrite
	 * the cap record, which tells the reader where the ring starts. */
	end = syscall(SYS_lseek, fd, 0L, SEEK_CUR);
	syscall(SYS_close, fd);
	ring_base =
	    end > 0 && (uint64_t)end >= (uint64_t)size + r.len ? (uint64_t)end : (uint64_t)size + r.len;
	if (ring_base + 512 > cap)
		return; /* ring_state stays 1: every later record is dropped (counted) */
	ring_size = cap - ring_base;
	atomic_store(&ring_state, 2);
}

static size_t put_seq(char *out, uint64_t v)
{
	char t[24];
	size_t n = 0, k = 7;
	memcpy(out, "{\"seq\":", 7); /* NOLINT(bugprone-not-null-terminated-result): by length */
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		out[k++] = t[--n];
	out[k++] = ',';
	return k;
}

/* Claims [start, start + n) of the ring's byte sequence, never across its end (the bytes after
 * the last record of a lap are the previous lap's: whole older records or a fragment of one). */
static uint64_t claim(size_t n)
{
	uint64_t old = atomic_load(&ring_pos), start;
	do {
		start = old;
		if (start % ring_size + n > ring_size)
			start = (start / ring_size + 1) * ring_size;
	} while (!atomic_compare_exchange_weak(&ring_pos, &old, start + n));
	return start % ring_size;
}

/* One record (a complete line starting with '{') into the ring, as {"seq":N,<its fields>: the
 * reader orders the ring by seq and counts the seqs it lacks as dropped. A record that cannot be
 * written (longer than the ring, the file gone) is dropped, and counted the same way. */
void ct_ring_write(const char *buf, size_t len)
{
	char pre[32];
	struct iovec iov[2];
	off_t size;
	int fd, st = atomic_load(&ring_state), expect = 0;
	if (st == 0 && atomic_compare_exchange_strong(&ring_state, &expect, 1)) {
		enter();
		st = atomic_load(&ring_state);
	}
	uint64_t seq = atomic_fetch_add(&ring_seq, 1) + 1;
	if (st != 2 || len < 2 || buf[0] != '{')
		return;
	size_t pl = put_seq(pre, seq), n = pl + len - 1;
	if (n > CT_LINE_MAX + sizeof pre || n > ring_size)
		return;
	uint64_t off = ring_base + claim(n);
	if ((fd = ct_trace_open(0, &size)) < 0)
		return;
	if (ct_trace_fsize_ok((off_t)off, n)) {
		iov[0].iov_base = pre;
		iov[0].iov_len = pl;
		iov[1].iov_base = (void *)(buf + 1);
		iov[1].iov_len = len - 1;
		syscall(SYS_pwritev, fd, iov, 2, (long)off, 0L);
	}
	syscall(SYS_close, fd);
}
