/* SPDX-License-Identifier: MIT */
/* writer.c: the trace directory, the fingerprint key and this process's trace file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "ct.h"
#include "dirpolicy.h"
#include "fork_region.h"

#define KEY_NAME ".credtrace.key"

extern char **environ;

CT_STATE char ct_nonce[17];
CT_STATE char ct_host[65];

/* What the constructor writes, in one page: the directory (at most DIR_MAX - 1 bytes; a longer
 * CREDTRACE_DIR turns tracing off), this process's file name, and the start of the start-up batch,
 * whose records usually fit in the rest of it. Each page a new process touches costs it a fault. */
#define DIR_MAX 1024
static struct {
	char dir[DIR_MAX];
	char path[DIR_MAX + 128];
	char batch[16384];
} wbuf __attribute__((aligned(4096)));
#define dir   wbuf.dir
#define path  wbuf.path
#define batch wbuf.batch
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

static const char hexd[] = "0123456789abcdef";
/* The descriptor of the file just created, held only while the constructor runs (no program code
 * runs then): the start-up batch goes through it, with no second open. */
CT_STATE static int init_fd = -1;
CT_STATE static uint64_t init_size;
CT_STATE static uid_t euid;

static long sys_write(int fd, const void *b, size_t n)
{
	return syscall(SYS_write, fd, b, n);
}

static void sys_close(int fd)
{
	syscall(SYS_close, fd);
}

void ct_debug(const char *msg, const char *detail)
{
	char b[512];
	size_t n = 0, l;
	if (!ct_cfg_debug)
		return;
	l = strlen(msg);
	if (l > 200)
		l = 200;
	memcpy(b, "credtrace: ", 11); /* NOLINT(bugprone-not-null-terminated-result): written by length */
	n = 11;
	memcpy(b + n, msg, l);
	n += l;
	if (detail) {
		l = strlen(detail);
		if (l > 250)
			l = 250;
		b[n++] = ':';
		b[n++] = ' ';
		memcpy(b + n, detail, l);
		n += l;
	}
	b[n++] = '\n';
	sys_write(2, b, n);
}

static void random_hex(char *out, size_t ndigits, uint64_t salt)
{
	unsigned char r[16];
	size_t i;
	long got = syscall(SYS_getrandom, r, sizeof r, 1 /* GRND_NONBLOCK */);
	if (got != (long)sizeof r) {
		/* Early boot without entropy: time, pid, stack address and salt still separate
		 * processes of one host, which is all the nonce is for. */
		uint64_t x = ct_now_us() ^ ((uint64_t)ct_raw_getpid() << 32) ^ (uintptr_t)&got ^ salt;
		for (i = 0; i < sizeof r; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r[i] = (unsigned char)x;
		}
	}
	for (i = 0; i < ndigits; i++)
		out[i] = hexd[(r[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[ndigits] = 0;
}

static size_t append(char *dst, size_t at, size_t cap_, const char *s)
{
	size_t l = strlen(s);
	if (at + l >= cap_)
		l = at < cap_ ? cap_ - at - 1 : 0;
	memcpy(dst + at, s, l);
	dst[at + l] = 0;
	return at + l;
}

static size_t append_u(char *dst, size_t at, size_t cap_, unsigned long v)
{
	char t[24];
	int n = 0, i;
	char s[24];
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		s[i] = t[n - 1 - i];
	s[n] = 0;
	return append(dst, at, cap_, s);
}

/* A relative CREDTRACE_DIR is made absolute once, here in the first process, and the environment
 * entry is pointed at the absolute value: children that chdir elsewhere then write to the same
 * directory and use the same key (one value, one fingerprint). */
static void pass_on_absolute(const char *name_eq, const char *abs, char *entry, size_t size)
{
	size_t n = strlen(name_eq), l = strlen(abs);
	if (n + l >= size)
		return;
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, name_eq, n) != 0)
			continue;
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): abs and its NUL follow */
		memcpy(entry, name_eq, n);
		memcpy(entry + n, abs, l + 1);
		*e = entry;
		return;
	}
}
static char dir_entry[sizeof "CREDTRACE_DIR=" + DIR_MAX];
static char key_entry[sizeof "CREDTRACE_KEY_FILE=" + PATH_MAX];

/* The same policy for the default, an explicit CREDTRACE_DIR and `run -o` (dirpolicy.c); the
 * reason for a refusal goes to stderr under CREDTRACE_DEBUG=1. */
static int setup_dir(void)
{
	const char *d = ct_config.trace_dir;
	const char *why = NULL;
	char at[256], msg[320];
	euid = (uid_t)getauxval(AT_EUID); /* the kernel's word at exec: no system call */
	if (!d || !*d) {
		size_t n = append(dir, 0, sizeof dir, "/tmp/credtrace-");
		append_u(dir, n, sizeof dir, (unsigned long)euid);
	} else if (ct_dir_absolute(d, dir, sizeof dir, &why) != 0) {
		dir[0] = 0;
		ct_debug(why[0] == 'p' ? "trace directory refused: path longer than 1023 bytes"
		                       : "trace directory refused: relative path, current directory unknown",
		         NULL);
		return 0;
	} else if (d[0] != '/') {
		pass_on_absolute("CREDTRACE_DIR=", dir, dir_entry, sizeof dir_entry);
	}
	if (ct_dir_check(dir, euid, &why, at, sizeof at) == 0)
		return 1;
	append(msg, append(msg, append(msg, 0, sizeof msg, at), sizeof msg, " "), sizeof msg, why);
	ct_debug("trace directory refused", msg);
	dir[0] = 0;
	return 0;
}

static int read_key(const char *kp, unsigned char *key, size_t *n)
{
	struct stat st;
	int fd = open(kp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK); /* a FIFO must not block us */
	long got;
	if (fd < 0)
		return -1;
	if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    st.st_uid != euid) {
		sys_close(fd);
		return -2; /* readable by others or not ours: not a key to trust */
	}
	got = syscall(SYS_read, fd, key, 64);
	sys_close(fd);
	if (got < 16)
		return -3;
	*n = (size_t)got;
	return 0;
}

static const char *fp_state = "off: no trace directory";
/* names the key without revealing it: hosts compare fingerprints only when equal */
CT_STATE static char kid[9];

const char *ct_fp_state(void)
{
	return fp_state;
}

const char *ct_fp_kid(void)
{
	return kid[0] ? kid : NULL;
}

static void set_kid(const unsigned char *key, size_t n)
{
	static const char label[] = "credtrace key id";
	unsigned char mac[32];
	size_t i;
	ct_hmac_sha256(key, n, (const unsigned char *)label, sizeof label - 1, mac);
	for (i = 0; i < 4; i++) {
		kid[2 * i] = hexd[mac[i] >> 4];
		kid[2 * i + 1] = hexd[mac[i] & 15];
	}
	kid[8] = 0;
}

/* Key file: created atomically (written under a private name, then linked into place), so that
 * concurrent first processes agree on one key. */
static void setup_key(void)
{
	unsigned char key[64];
	size_t n = 0;
	char kp[PATH_MAX], tmp[PATH_MAX];
	const char *kf = ct_config.key_file;
	int fd, rc;
	if (!ct_config.fingerprint) {
		ct_fp_key(NULL, 0);
		fp_state = "off: CREDTRACE_FINGERPRINT=0";
		return;
	}
	if (kf && *kf) {
		const char *why;
		/* Unresolvable: read_key fails, fingerprints off. Relative: made absolute once, as
		 * CREDTRACE_DIR, so that the whole run uses one key. */
		if (ct_dir_absolute(kf, kp, sizeof kp, &why) != 0)
			kp[0] = 0;
		else if (kf[0] != '/')
			pass_on_absolute("CREDTRACE_KEY_FILE=", kp, key_entry, sizeof key_entry);
	} else
		append(kp, append(kp, append(kp, 0, sizeof kp, dir), sizeof kp, "/"), sizeof kp, KEY_NAME);
	rc = read_key(kp, key, &n);
	if (rc == -1 && errno == ENOENT) {
		size_t t = append(tmp, 0, sizeof tmp, kp);
		char r[17];
		random_hex(r, 16, 1);
		t = append(tmp, t, sizeof tmp, ".tmp.");
		append(tmp, t, sizeof tmp, r);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			unsigned char k[32];
			if (syscall(SYS_getrandom, k, sizeof k, 0) == (long)sizeof k &&
			    sys_write(fd, k, sizeof k) == (long)sizeof k)
				(void)link(tmp, kp); /* EEXIST: another process won; use its key */
			sys_close(fd);
			unlink(tmp);
		}
		rc = read_key(kp, key, &n);
	}
	if (rc == 0) {
		ct_fp_key(key, n);
		set_kid(key, n);
		fp_state = "hmac-sha256/48";
	} else {
		ct_fp_key(NULL, 0);
		fp_state = rc == -2 ? "off: key file not private (mode or owner)" : "off: no key file";
	}
	memset(key, 0, sizeof key);
}

static size_t file_name(char *out, size_t outsz, long pid, const char *nonce)
{
	size_t n = append(out, 0, outsz, dir);
	n = append(out, n, outsz, "/");
	n = append(out, n, outsz, ct_host);
	n = append(out, n, outsz, ".");
	n = append_u(out, n, outsz, (unsigned long)pid);
	n = append(out, n, outsz, ".");
	n = append(out, n, outsz, nonce);
	return append(out, n, outsz, ".jsonl");
}

/* Creates this process's file (0600, never through a symlink, never an existing name). */
static int create_file(void)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO planted under our name must not block the host in open(). */
	int fd =
	    open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_CREAT | O_EXCL, 0600);
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

int ct_trace_init(void)
{
	struct {
		char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65];
	} u;
	size_t i;
	int fd;
	cap = ct_config.max_bytes;
	if (syscall(SYS_uname, &u) != 0)
		append(u.nodename, 0, sizeof u.nodename, "unknown");
	for (i = 0; i < sizeof ct_host - 1 && u.nodename[i]; i++) {
		char ch = u.nodename[i];
		int okc = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		          ch == '.' || ch == '_' || ch == '-';
		ct_host[i] = okc ? ch : '_';
	}
	ct_host[i] = 0;
	random_hex(ct_nonce, 16, 0);
	if (!setup_dir())
		return -1;
	setup_key();
	file_name(path, sizeof path, ct_pid, ct_nonce);
	fd = create_file();
	if (fd < 0) {
		char msg[80];
		append(msg, append(msg, 0, sizeof msg, "cannot create trace file: "), sizeof msg,
		       ct_errno_text(errno));
		ct_debug(msg, path);
		return -1;
	}
	init_fd = fd;
	init_size = 0;
	atomic_store(&state, 1);
	return 0;
}

uint64_t ct_trace_cap(void)
{
	return cap;
}

const char *ct_trace_dir(void) /* fork_region.c names its file here */
{
	return dir;
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
	int fd = open(path, O_WRONLY | (append ? O_APPEND : 0) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
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
	file_name(path, sizeof path, ct_pid, ct_nonce);
	fd = create_file();
	if (fd < 0) {
		atomic_store(&state, 2);
		return 0;
	}
	ct_rec_begin(&h, "hdr");
	ct_hdr_build(&h, child_origin, ct_nonce);
	ct_rec_finish(&h);
	iov[0].iov_base = h.buf;
	iov[0].iov_len = h.len;
	iov[1].iov_base = (void *)buf;
	iov[1].iov_len = len;
	/* The header always goes in; the record past the head goes to the ring (a cap below one
	 * header and record still names the process). */
	if (atomic_fetch_add(&ct_hot.written, h.len + len) + h.len + len + 128 > HEAD_CAP) {
		atomic_fetch_sub(&ct_hot.written, len);
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

static void write_now(const char *buf, size_t len);

/* Near the cap the lines go one by one, so that the cap cuts between records as it always does. */
static void flush_batch(void)
{
	size_t at = 0;
	if (batch_len && atomic_load(&ct_hot.written) + batch_len + 128 <= HEAD_CAP) {
		write_now(batch, batch_len);
	} else {
		while (at < batch_len) {
			const char *nl = memchr(batch + at, '\n', batch_len - at);
			size_t n = nl ? (size_t)(nl - (batch + at)) + 1 : batch_len - at;
			write_now(batch + at, n);
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
		if (batch_len + len > sizeof batch)
			flush_batch();
		if (len <= sizeof batch) {
			memcpy(batch + batch_len, buf, len);
			batch_len += len;
			return;
		}
	}
	write_now(buf, len);
}

static void write_now(const char *buf, size_t len)
{
	int fd = -1, e = errno, done;
	off_t size = 0;
	int st = atomic_load(&state);
	if (st != 1) {
		if (st == 0 && ct_region_write(child_origin, buf, len)) /* fork_region.c */
			goto out;
		if (st != 0 || !child_first_write(buf, len, &done) || done)
			goto out;
	}
	/* The cap: a soak test must never fill a disk, and must keep its start and its newest events. */
	if (ct_ring_on() || atomic_fetch_add(&ct_hot.written, len) + len + 128 > HEAD_CAP) {
		ct_ring_write(buf, len);
		goto out;
	}
	if (init_fd >= 0) {
		if (ct_trace_fsize_ok((off_t)init_size, len)) {
			ct_trace_write_all(init_fd, buf, len);
			init_size += len;
		}
		goto out;
	}
	if (fd < 0)
		fd = ct_trace_open(1, &size);
	if (fd >= 0) {
		if (ct_trace_fsize_ok(size, len))
			ct_trace_write_all(fd, buf, len);
		sys_close(fd);
	}
out:
	if (errno != e)
		errno = e;
}

void ct_trace_fork_child(const char *origin)
{
	child_origin = origin;
	atomic_store(&ct_hot.written, 0);
	ct_ring_fork_child();
	random_hex(ct_nonce, 16, (uint64_t)ct_pid);
	/* A parent that gave up (no directory) stays off in its children. */
	atomic_store(&state, dir[0] ? 0 : 2);
}

/* A vfork child shares the parent's memory: it must not touch the parent's fd, counters or
 * nonce. It writes its own small file instead (header, then the record), opened and closed here
 * with stack memory only. Its nonce derives from the parent's and its pid so that several records
 * of one vfork child land in one file. */
void ct_trace_write_vfork(const char *buf, size_t len)
{
	char p[PATH_MAX], nonce[17];
	struct stat st;
	long pid = ct_raw_getpid();
	uint64_t h = 1469598103934665603ull;
	int fd, e = errno, i;
	if (!dir[0])
		return;
	for (i = 0; i < 16; i++)
		h = (h ^ (unsigned char)ct_nonce[i]) * 1099511628211ull;
	h ^= (uint64_t)pid * 0x9e3779b97f4a7c15ull;
	for (i = 0; i < 16; i++)
		nonce[i] = hexd[(h >> (i * 4)) & 15];
	nonce[16] = 0;
	file_name(p, sizeof p, pid, nonce);
	fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		goto out;
	if (syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ct_trace_fsize_ok(st.st_size, len + CT_LINE_MAX)) {
		if (st.st_size == 0) {
			struct ct_rec r;
			ct_rec_begin(&r, "hdr");
			ct_hdr_build(&r, "vfork", nonce);
			ct_rec_finish(&r);
			ct_trace_write_all(fd, r.buf, r.len);
		}
		ct_trace_write_all(fd, buf, len);
	}
	sys_close(fd);
out:
	errno = e;
}
