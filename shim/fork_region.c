/* SPDX-License-Identifier: MIT */
/* fork_region.c: a fork child's records go into a file its parent mapped MAP_SHARED before the
 * fork, with an atomic add and a memcpy: no open, no system call, no descriptor. A fork child that
 * writes its own file pays openat, newfstatat, write, close and prlimit64 for its first record
 * (about 50 us on ext4, docs/performance.md); here it pays a page fault or two.
 *
 * The file, <host>.<pid>.<nonce>.fork.jsonl in the trace directory (a replacement for a full one
 * adds .<k> before .fork), is JSON Lines: a "region" line written by its creator, then lines that
 * each begin {"of":"<pid>.<nonce>", naming the process they belong to; the reader splits them into
 * one stream per process, each starting with that process's hdr. Its tail is zeros (never written
 * or reserved by a process that was killed before it copied): the reader skips zeros and a torn
 * last line. Page-cache pages of a shared file mapping outlive every process that mapped them, so
 * SIGKILL loses nothing that was copied.
 *
 * The offset lives in a shared anonymous page beside the mapping (inherited by every fork child,
 * like the mapping), so that the file holds text only. Blocks are allocated up front (fallocate):
 * a write into a hole of a full file system would be SIGBUS in the host; without fallocate (not
 * supported, disk full, RLIMIT_FSIZE) there is no region and children write their own files.
 *
 * Who writes here: a fork (or clone) child with its own memory, from its first record until one
 * does not fit (the region is full, or the child passed half its CREDTRACE_MAX_BYTES); from then on
 * it writes its own file, hdr first, and the reader joins the two. Children of children share the
 * same region (the mapping is inherited) and replace it when full, each with its own file. Never a
 * vfork child (writer.c sends its records to its own file with stack memory only), never an exec'd
 * image (exec drops the mappings; the new image writes its own file). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct.h"
#include "ct_str.h"
#include "fork_region.h"

/* The shared page: what every process that inherited the mapping needs. base is the same address
 * in every one of them (fork keeps the address space's layout). */
struct region {
	_Atomic uint64_t off; /* bytes handed out, the region line included; may pass size (full) */
	uint64_t size;
	char *base;
};

CT_STATE static struct region *_Atomic cur; /* this process's region, inherited or made here */
CT_STATE static _Atomic int users;          /* writers inside cur now: a full region is unmapped
                                             * only when none is (else it is left mapped) */
CT_STATE static _Atomic int making;         /* pid of the thread's process making a region */
CT_STATE static pid_t gave_up;              /* pid of a process whose region could not be made */
CT_STATE static char started[17];           /* nonce of the process whose hdr is in the region */
CT_STATE static unsigned made;              /* regions made by this process (file name suffix) */

/* <dir>/<host>.<pid>.<nonce>[.<k>].fork.jsonl; 0 when it does not fit. */
static int region_path(char *p, size_t cap)
{
	size_t n = ct_trace_file_stem(p, cap, ct_trace_dir(), (long)ct_g_pid, ct_g_nonce);
	if (made) {
		n = ct_str_append(p, n, cap, ".");
		n = ct_str_append_u(p, n, cap, made);
	}
	n = ct_str_append(p, n, cap, ".fork.jsonl");
	return n < cap - 1; /* a full buffer may have been cut: no region rather than a wrong name */
}

/* The mapping by raw system call where the call is the same on every LP64 target: a sanitizer that
 * never saw the descriptor made (raw openat) must not see it used either (TSan reported a race with
 * an earlier descriptor of the same number, 73-tsan). -1 is MAP_FAILED. */
static void *map_file(int fd, uint64_t size)
{
#ifdef __LP64__
	return (void *)syscall(SYS_mmap, NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
#else
	return mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
#endif
}

static struct region *make_region(void)
{
	char p[1024 + 256];
	struct stat st;
	struct ct_rec h;
	struct region *r;
	void *base;
	int fd;
	/* No file may pass CREDTRACE_MAX_BYTES (the cap that keeps a soak from filling a disk); a
	 * region smaller than a few children's headers is not worth its file. */
	uint64_t size = ct_trace_cap() < CT_REGION_BYTES ? ct_trace_cap() & ~(uint64_t)4095 : CT_REGION_BYTES;
	if (size < 4 * CT_REGION_SLACK || !ct_trace_dir()[0] || !region_path(p, sizeof p) ||
	    !ct_trace_fsize_ok(0, size)) /* fallocate past RLIMIT_FSIZE: SIGXFSZ */
		return NULL;
	fd = (int)syscall(SYS_openat, AT_FDCWD, p,
	                  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0)
		return NULL;
	base = MAP_FAILED;
	if (syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    syscall(SYS_fallocate, fd, 0, 0L, (long)size) == 0)
		base = map_file(fd, size);
	syscall(SYS_close, fd); /* the mapping keeps the file; no descriptor of ours stays */
	if (base == MAP_FAILED) {
		syscall(SYS_unlinkat, AT_FDCWD, p, 0); /* an empty file would only puzzle the reader */
		return NULL;
	}
	r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED) {
		munmap(base, size);
		syscall(SYS_unlinkat, AT_FDCWD, p, 0);
		return NULL;
	}
	ct_rec_begin(&h, "region");
	ct_rec_str(&h, "schema", CT_SCHEMA);
	ct_rec_int(&h, "pid", ct_g_pid);
	ct_rec_str(&h, "host", ct_g_host);
	ct_rec_str(&h, "nonce", ct_g_nonce);
	ct_rec_int(&h, "bytes", (long long)size);
	ct_rec_finish(&h);
	memcpy(base, h.buf, h.len);
	r->base = base;
	r->size = size;
	atomic_store(&r->off, h.len);
	made++;
	return r;
}

void ct_region_prepare(void)
{
	CT_KEEP_ERRNO;
	struct region *r = atomic_load(&cur), *old;
	int m;
	if (r && atomic_load_explicit(&r->off, memory_order_relaxed) + CT_REGION_SLACK <= r->size)
		return; /* the common case: one load, nothing written (a written page is a COW fault) */
	if (gave_up == ct_g_pid)
		return;
	/* Only the process this memory belongs to (never a vfork child, never a fork child that
	 * has not re-initialised yet: its ct_g_pid is its parent's), and one thread at a time (a value
	 * left by a thread of our parent is stale and taken over). */
	if (ct_raw_getpid() != ct_g_pid)
		return;
	m = atomic_load(&making);
	if (m == ct_g_pid || !atomic_compare_exchange_strong(&making, &m, ct_g_pid))
		return;
	r = make_region();
	if (!r) {
		gave_up = ct_g_pid;
	} else {
		old = atomic_exchange(&cur, r);
		/* A writer that counted itself in before the exchange may still be copying into the
		 * old one; one that counts itself in after it loads the new one. */
		if (old && atomic_load(&users) == 0) {
			munmap(old->base, old->size);
			munmap(old, sizeof *old);
		}
	}
	atomic_store(&making, 0);
}

/* {"of":"<pid>.<nonce>", : the tag that starts every line of a process in the region. */
static size_t tag(char *t, size_t cap)
{
	size_t n = ct_str_append(t, 0, cap, "{\"of\":\"");
	n = ct_str_append_u(t, n, cap, (unsigned long)ct_g_pid);
	n = ct_str_append(t, n, cap, ".");
	n = ct_str_append(t, n, cap, ct_g_nonce);
	n = ct_str_append(t, n, cap, "\",");
	return n < cap - 1 ? n : 0; /* a full buffer may have been cut */
}

/* Bytes that lines take with the tag in place of their '{'; 0 when a line is not a record. */
static size_t tagged_len(const char *buf, size_t len, size_t tlen)
{
	size_t total = 0, at = 0;
	while (at < len) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (buf + at)) + 1 : 0;
		if (!l || l < 3 || buf[at] != '{' || buf[at + 1] != '"')
			return 0;
		total += tlen + l - 1;
		at += l;
	}
	return total;
}

static char *copy_tagged(char *dst, const char *buf, size_t len, const char *t, size_t tlen)
{
	size_t at = 0;
	while (at < len) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t l = (size_t)(nl - (buf + at)) + 1;
		memcpy(dst, t, tlen);
		memcpy(dst + tlen, buf + at + 1, l - 1);
		dst += tlen + l - 1;
		at += l;
	}
	return dst;
}

int ct_region_started(void)
{
	return !memcmp(started, ct_g_nonce, sizeof started);
}

int ct_region_write(const char *origin, const char *buf, size_t len)
{
	struct region *r;
	struct ct_rec h;
	char t[64];
	size_t tlen = tag(t, sizeof t), n, hn = 0;
	uint64_t o;
	int first, ok = 0;
	if (!tlen || !(n = tagged_len(buf, len, tlen)))
		return 0;
	atomic_fetch_add(&users, 1);
	r = atomic_load(&cur);
	if (!r)
		goto out;
	first = memcmp(started, ct_g_nonce, sizeof started) != 0;
	if (first) {
		ct_rec_begin(&h, "hdr");
		ct_hdr_build(&h, origin, ct_g_nonce);
		ct_rec_finish(&h);
		hn = tagged_len(h.buf, h.len, tlen);
	}
	/* The head cap counts region bytes as the own file's: past it, the own file and its ring. */
	if (atomic_load(&ct_g_hot.written) + hn + n + 128 > ct_trace_cap() / 2)
		goto out;
	if (atomic_load_explicit(&r->off, memory_order_relaxed) + hn + n > r->size)
		goto out; /* full: no add, so that a smaller record of another child may still fit */
	o = atomic_fetch_add(&r->off, hn + n);
	if (o + hn + n > r->size)
		goto out;
	atomic_fetch_add(&ct_g_hot.written, hn + n);
	if (first) {
		memcpy(started, ct_g_nonce, sizeof started);
		copy_tagged(copy_tagged(r->base + o, h.buf, h.len, t, tlen), buf, len, t, tlen);
	} else {
		copy_tagged(r->base + o, buf, len, t, tlen);
	}
	ok = 1;
out:
	atomic_fetch_sub(&users, 1);
	return ok;
}
