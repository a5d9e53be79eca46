/* SPDX-License-Identifier: MIT */
/* sock.c: connected client sockets and the fd table: connect, close, dup, fork marks, use records. */

/* No _GNU_SOURCE here: under it glibc declares connect and accept with a transparent union, which
 * a definition of them here would have to match and -Wpedantic rejects. What only _GNU_SOURCE would
 * declare is declared below. */
#define _DEFAULT_SOURCE
#include "sock.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

CT_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
CT_EXPORT int dup3(int oldfd, int newfd, int flags);
CT_EXPORT int close_range(unsigned int first, unsigned int last, int flags);
CT_EXPORT int fcntl64(int fd, int cmd, ...);

unsigned char ct_g_fdflag[CT_FD_MAX];

/* ---- the table of tracked sockets ---------------------------------------------------------- */

/* One slot per tracked fd (a dup gets its own slot with the same inode). fdslot maps an fd to
 * slot index + 1. Both, and ct_g_fdflag's TRACKED bit, change only under lk; the fork child
 * re-initialises lk (the thread that held it is gone). Nothing blocks or calls the kernel with
 * lk held, and ct_g_guard is set around it, so a signal handler's hooks never spin on it. */
#define NSLOT 1024
struct slot {
	int live;
	int fd;
	uint64_t ino, dev;
	pid_t owner;             /* pid that connected it */
	unsigned char inherited; /* this process was forked after the connect: role child */
	unsigned char forked;    /* this process is the creator and has forked since: role parent */
	unsigned char used;      /* the `use` record of this (socket, process) is written */
	unsigned char peer_len;
	unsigned fork_seq;  /* the fork attempt that set forked (undone if that fork fails) */
	unsigned char http; /* CT_FD_HTTP / CT_FD_HTTPOK bits the fd carries (wire.c) */
	unsigned char host_len;
	unsigned char late;   /* its connect was counted, not written: written at a fork (aggregate.c) */
	unsigned char family; /* of the connect, for a late record */
	unsigned char dgram;  /* a connected datagram socket (recorded, never tracked) */
	short agg;            /* its aggregate's id */
	int err, forks;       /* the connect's errno and fork count, for a late record */
	uint64_t ts;          /* when it connected */
	char peer[112];
	char peer_host[CT_HOST_MAX]; /* the name that resolved to peer (resolve.c), "" when unknown */
};
static struct slot slots[NSLOT];
/* Slots at or above hwm were never live: loops stop there, so that a process without sockets never
 * reads (and a fork never copies) the 144 KiB table. Only grows, under lk. */
CT_STATE static unsigned hwm;
CT_STATE static unsigned fork_seq;
static unsigned short fdslot[CT_FD_MAX];
CT_STATE static int lk;
CT_STATE static int table_full_noted;
CT_STATE static int any_late; /* a slot may be late: the next fork looks */

static void lock(void)
{
	ct_spin_lock(&lk);
}

static void unlock(void)
{
	ct_spin_unlock(&lk);
}

static void set_flag(int fd, unsigned char v)
{
	__atomic_store_n(&ct_g_fdflag[fd], v, __ATOMIC_RELAXED);
}

static int tracked(int fd)
{
	return (unsigned)fd < CT_FD_MAX && __atomic_load_n(&ct_g_fdflag[fd], __ATOMIC_RELAXED);
}

/* Is another fd of this process (a dup) still holding the socket of s? Lock held. */
static int other_ref_locked(const struct slot *s)
{
	for (unsigned i = 0; i < hwm; i++)
		if (slots[i].live && slots[i].ino == s->ino && slots[i].dev == s->dev)
			return 1;
	return 0;
}

/* Drops fd's slot (copied to out when out is set). 1 when fd was tracked. Lock held. */
static int untrack_locked(int fd, struct slot *out)
{
	unsigned i = fdslot[fd];
	set_flag(fd, 0);
	if (!i)
		return 0;
	if (out)
		*out = slots[i - 1];
	slots[i - 1].live = 0;
	fdslot[fd] = 0;
	return 1;
}

/* Gives fd a copy of s (fd's old slot, if any, is reused). 0 when the table is full. Lock held.
 * First fit, so that hwm stays at the most sockets ever open at once. */
static int track_locked(int fd, const struct slot *s)
{
	unsigned i = fdslot[fd];
	for (unsigned n = 0; n < NSLOT && !i; n++)
		if (!slots[n].live)
			i = n + 1;
	if (!i)
		return 0;
	if (i > hwm)
		__atomic_store_n(&hwm, i, __ATOMIC_RELEASE);
	slots[i - 1] = *s;
	slots[i - 1].live = 1;
	slots[i - 1].fd = fd;
	fdslot[fd] = (unsigned short)i;
	set_flag(fd, (unsigned char)(CT_FD_TRACKED | s->http |
	                             (s->inherited || s->forked ? (s->used ? 0 : CT_FD_WATCH) : 0)));
	return 1;
}

/* Fork child (re-initialised by ct_self): every tracked socket is now inherited; its first use
 * here gets a record (ct_sock_fork_prepare left it watched). No locks: lk is re-initialised, the
 * parent's other threads are gone. */
void ct_sock_fork_child(void)
{
	lk = 0;
	ct_wire_fork_child();
	for (unsigned i = 0; i < hwm; i++) {
		struct slot *s = &slots[i];
		if (!s->live)
			continue;
		s->inherited = 1;
		s->forked = 0;
		s->used = 0;
		ct_g_fdflag[s->fd] = (unsigned char)(CT_FD_TRACKED | CT_FD_WATCH | s->http);
	}
}

/* Atfork prepare, before every fork: each live socket is now forked away (role parent) and watched
 * in both processes; a parent whose use was recorded already clears the watch at its next use
 * (ct_sock_use), not here: the parent writes no page of the table after the fork. Under the lock,
 * unless this thread is inside the shim (ct_g_guard: a fork from a signal handler that interrupted
 * us, maybe holding the lock): then the marks are made without it, where the only race (another
 * thread connecting during that fork) is benign. */
static void mark_forked(unsigned n, unsigned seq)
{
	for (unsigned i = 0; i < n; i++) {
		struct slot *s = &slots[i];
		if (!__atomic_load_n(&s->live, __ATOMIC_RELAXED))
			continue;
		if (!__atomic_load_n(&s->forked, __ATOMIC_RELAXED)) {
			__atomic_store_n(&s->fork_seq, seq, __ATOMIC_RELAXED);
			__atomic_store_n(&s->forked, 1, __ATOMIC_RELAXED);
		}
		set_flag(s->fd, (unsigned char)(CT_FD_TRACKED | CT_FD_WATCH | s->http));
	}
}

static void emit_connect(int fd, const struct slot *s, int late);

/* Every socket alive at a fork has its own connect record (the finding rests on it): those whose
 * connect was only counted are written now, before the fork, with their connect time. Copied out
 * under the lock a few at a time, written without it (nothing calls the kernel with lk held);
 * locked 0: a fork from a signal handler that interrupted the shim, as in mark_forked. */
static void write_late(unsigned n, int locked)
{
	struct slot batch[8];
	unsigned from = 0;
	__atomic_store_n(&any_late, 0, __ATOMIC_RELAXED);
	while (from < n) {
		unsigned got = 0;
		if (locked)
			lock();
		for (; from < n && got < 8; from++) {
			if (!slots[from].live || !slots[from].late)
				continue;
			batch[got] = slots[from];
			for (unsigned k = 0; k < n; k++)
				if (slots[k].live && slots[k].ino == batch[got].ino &&
				    slots[k].dev == batch[got].dev)
					slots[k].late = 0;
			got++;
		}
		if (locked)
			unlock();
		for (unsigned i = 0; i < got; i++)
			emit_connect(batch[i].fd, &batch[i], 1);
	}
}

void ct_sock_fork_prepare(void)
{
	unsigned n = __atomic_load_n(&hwm, __ATOMIC_ACQUIRE);
	if (!n)
		return; /* no socket was ever tracked: write nothing (each page written costs a fault) */
	if (__atomic_load_n(&any_late, __ATOMIC_RELAXED)) {
		int g = ct_g_guard;
		ct_g_guard = 1;
		write_late(n, !g);
		ct_g_guard = g;
	}
	if (ct_g_guard) {
		mark_forked(n, __atomic_add_fetch(&fork_seq, 1, __ATOMIC_RELAXED));
		return;
	}
	ct_g_guard = 1;
	lock();
	mark_forked(hwm, __atomic_add_fetch(&fork_seq, 1, __ATOMIC_RELAXED));
	unlock();
	ct_g_guard = 0;
}

/* After our fork hook's fork, in the parent. A failed fork forked nothing away: its marks go. */
void ct_sock_fork_parent(int ok)
{
	if (ok || !__atomic_load_n(&hwm, __ATOMIC_ACQUIRE))
		return;
	ct_g_guard = 1;
	lock();
	for (unsigned i = 0; i < hwm; i++) {
		struct slot *s = &slots[i];
		if (!s->live || s->fork_seq != __atomic_load_n(&fork_seq, __ATOMIC_RELAXED))
			continue;
		s->forked = 0;
		s->fork_seq = 0;
		if (!s->inherited)
			set_flag(s->fd, (unsigned char)(CT_FD_TRACKED | s->http));
	}
	unlock();
	ct_g_guard = 0;
}

/* ---- records ------------------------------------------------------------------------------- */

static const char *const op_names[] = {
    [CT_OP_READ] = "read",         [CT_OP_WRITE] = "write",       [CT_OP_READV] = "readv",
    [CT_OP_WRITEV] = "writev",     [CT_OP_SEND] = "send",         [CT_OP_SENDTO] = "sendto",
    [CT_OP_SENDMSG] = "sendmsg",   [CT_OP_SENDMMSG] = "sendmmsg", [CT_OP_RECV] = "recv",
    [CT_OP_RECVFROM] = "recvfrom", [CT_OP_RECVMSG] = "recvmsg",   [CT_OP_RECVMMSG] = "recvmmsg",
    [CT_OP_PREAD] = "pread",       [CT_OP_PWRITE] = "pwrite",     [CT_OP_SHUTDOWN] = "shutdown",
};

static const char *role(const struct slot *s)
{
	return s->inherited ? "child" : "parent";
}

static int sys_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

/* Does fd still hold the socket of s? libc-internal and raw closes happen behind our back. */
static int same_socket(int fd, const struct slot *s)
{
	struct stat st;
	return sys_fstat(fd, &st) == 0 && (uint64_t)st.st_ino == s->ino && (uint64_t)st.st_dev == s->dev;
}

static __attribute__((noinline)) void emit_use(int fd, const struct slot *s, enum ct_sock_op op)
{
	struct ct_rec r;
	ct_rec_begin(&r, "use");
	ct_rec_int(&r, "fd", fd);
	ct_rec_int(&r, "ino", (long long)s->ino);
	ct_rec_str(&r, "op", op_names[op]);
	ct_rec_str(&r, "role", role(s));
	ct_rec_int(&r, "owner", s->owner);
	ct_rec_strn(&r, "peer", s->peer, s->peer_len);
	if (s->host_len)
		ct_rec_strn(&r, "peer_host", s->peer_host, s->host_len);
	ct_rec_int(&r, "gen", ct_g_gen);
	ct_rec_site(&r);
	ct_rec_emit(&r);
}

static void emit_close(int fd, const struct slot *s, const char *fn)
{
	struct ct_rec r;
	ct_rec_begin(&r, "close");
	ct_rec_int(&r, "fd", fd);
	ct_rec_int(&r, "ino", (long long)s->ino);
	ct_rec_str(&r, "role", role(s));
	ct_rec_str(&r, "fn", fn);
	ct_rec_int(&r, "gen", ct_g_gen);
	ct_rec_emit(&r);
}

/* Slow path of the I/O hooks (sock.h). The inode is checked before the record: an fd closed with a
 * raw syscall and reused for something else is untracked silently. One record per (socket,
 * process): every slot of the same socket (dups) is marked used with it. */
void ct_sock_use(int fd, enum ct_sock_op op, uintptr_t site)
{
	CT_KEEP_ERRNO;
	if (ct_g_guard || !ct_g_on || ct_self() == CT_SELF_VFORK)
		return;
	ct_g_guard = 1;
	struct stat st;
	int alive = sys_fstat(fd, &st) == 0;
	struct slot s;
	int rec = 0;
	lock();
	unsigned i = fdslot[fd];
	if (!i) {
		set_flag(fd, 0);
	} else if (__atomic_load_n(&ct_g_fdflag[fd], __ATOMIC_RELAXED) & CT_FD_WATCH) {
		struct slot *sl = &slots[i - 1];
		if (!alive || (uint64_t)st.st_ino != sl->ino || (uint64_t)st.st_dev != sl->dev) {
			untrack_locked(fd, NULL);
		} else if (sl->used || !(sl->inherited || sl->forked)) {
			/* recorded already (watched again by a fork), or the fork failed */
			set_flag(fd, (unsigned char)(CT_FD_TRACKED | sl->http));
		} else {
			s = *sl;
			rec = 1;
			for (unsigned k = 0; k < hwm; k++) {
				struct slot *o = &slots[k];
				if (o->live && o->ino == s.ino && o->dev == s.dev) {
					o->used = 1;
					set_flag(o->fd, (unsigned char)(CT_FD_TRACKED | o->http));
				}
			}
		}
	}
	unlock();
	if (rec) {
		ct_g_site_key = site;
		emit_use(fd, &s, op);
	}
	ct_g_guard = 0;
}

/* ---- HTTP connections (wire.h) ------------------------------------------------------------- */

void ct_sock_http_mark(int fd, int is_http)
{
	CT_KEEP_ERRNO; /* before the real write: ct_self() may fail a system call */
	if (ct_g_guard || !ct_g_on || ct_self() == CT_SELF_VFORK)
		return;
	ct_g_guard = 1;
	lock();
	unsigned i = fdslot[fd];
	if (i) {
		struct slot *sl = &slots[i - 1];
		unsigned char fl = __atomic_load_n(&ct_g_fdflag[fd], __ATOMIC_RELAXED);
		sl->http = is_http ? CT_FD_HTTP | CT_FD_HTTPOK : 0;
		set_flag(fd, (unsigned char)((fl & ~(CT_FD_HTTP | CT_FD_HTTPOK)) | sl->http));
	}
	unlock();
	ct_g_guard = 0;
}

size_t ct_sock_peer(int fd, char *buf, size_t cap, uint64_t *ino)
{
	size_t n = 0;
	*ino = 0;
	if ((unsigned)fd >= CT_FD_MAX || !tracked(fd))
		return 0;
	lock();
	unsigned i = fdslot[fd];
	if (i) {
		n = slots[i - 1].peer_len < cap ? slots[i - 1].peer_len : cap;
		memcpy(buf, slots[i - 1].peer, n);
		*ino = slots[i - 1].ino;
	}
	unlock();
	return n;
}

/* ---- peers ---------------------------------------------------------------------------------- */

static size_t put_dec(char *p, unsigned v)
{
	char t[10];
	size_t n = 0, k = 0;
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		p[k++] = t[--n];
	return k;
}

static size_t put_ip4(char *p, const unsigned char *a)
{
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		if (i)
			p[n++] = '.';
		n += put_dec(p + n, a[i]);
	}
	return n;
}

/* RFC 5952 text: the longest run of two or more zero groups as "::", v4-mapped as ::ffff:a.b.c.d. */
static size_t put_ip6(char *p, const unsigned char *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned g[8];
	int best = -1, bestlen = 1, run = 0;
	size_t n = 0;
	for (size_t i = 0; i < 8; i++) {
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		run = g[i] ? 0 : run + 1;
		if (run > bestlen)
			bestlen = run, best = (int)i - run + 1;
	}
	if (best == 0 && bestlen == 5 && g[5] == 0xffff) {
		static const char mapped[7] = {':', ':', 'f', 'f',
		                               'f', 'f', ':'}; /* no NUL: p is not a C string */
		memcpy(p, mapped, sizeof mapped);
		return sizeof mapped + put_ip4(p + sizeof mapped, a + 12);
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			p[n++] = ':';
			p[n++] = ':';
			i += bestlen - 1;
			continue;
		}
		if (i && i != best + bestlen)
			p[n++] = ':';
		int started = 0;
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = g[i] >> sh & 15;
			if (d || started || sh == 0)
				p[n++] = hex[d], started = 1;
		}
	}
	return n;
}

/* "ip:port", "[ip6]:port", a unix path, "@name" for an abstract one; 0 for other families. */
static size_t format_peer(const struct sockaddr *sa, socklen_t len, char *p, size_t cap)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;
		size_t n = put_ip4(p, (const unsigned char *)&in->sin_addr);
		p[n++] = ':';
		return n + put_dec(p + n, ntohs(in->sin_port));
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		size_t n = 0;
		p[n++] = '[';
		n += put_ip6(p + n, in6->sin6_addr.s6_addr);
		p[n++] = ']';
		p[n++] = ':';
		return n + put_dec(p + n, ntohs(in6->sin6_port));
	}
	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t plen = len > off ? len - off : 0;
		if (plen > sizeof un->sun_path)
			plen = sizeof un->sun_path;
		if (plen && un->sun_path[0] == '\0') {
			size_t n = plen > cap ? cap : plen;
			p[0] = '@';
			memcpy(p + 1, un->sun_path + 1, n - 1);
			return n;
		}
		size_t n = strnlen(un->sun_path, plen);
		if (n > cap)
			n = cap;
		memcpy(p, un->sun_path, n);
		return n;
	}
	return 0;
}

/* ---- real functions ------------------------------------------------------------------------- */

/* fcntl's third argument is an int, a long or a pointer depending on cmd; it is taken as one
 * register-sized value and forwarded, which is what every cmd reads. */
#define FCNTL_ARG(arg)                                                                                       \
	va_list ap_;                                                                                         \
	va_start(ap_, cmd);                                                                                  \
	void *arg = va_arg(ap_, void *);                                                                     \
	va_end(ap_)

/* Every real function the hooks below call, listed once: X(return type, name, (parameters), the
 * body of its fallback). Before the constructor resolves real_name, it holds fb_name, a raw-syscall
 * pass-through. (sock_io.c's list makes its hooks too; these hooks differ too much for that.) */
#define SOCK_REALS(X)                                                                                        \
	X(int, socket, (int d, int t, int p), return (int)syscall(SYS_socket, d, t, p);)                     \
	X(int, connect, (int fd, const struct sockaddr *a, socklen_t l),                                     \
	  return (int)syscall(SYS_connect, fd, a, l);)                                                       \
	X(int, accept, (int fd, struct sockaddr *a, socklen_t *l),                                           \
	  return (int)syscall(SYS_accept, fd, a, l);)                                                        \
	X(int, accept4, (int fd, struct sockaddr *a, socklen_t *l, int f),                                   \
	  return (int)syscall(SYS_accept4, fd, a, l, f);)                                                    \
	X(int, close, (int fd), return (int)syscall(SYS_close, fd);)                                         \
	X(int, close_range, (unsigned a, unsigned b, int f), return (int)syscall(SYS_close_range, a, b, f);) \
	X(void, closefrom, (int fd), syscall(SYS_close_range, (unsigned)fd, ~0U, 0);)                        \
	X(int, dup, (int fd), return (int)syscall(SYS_dup, fd);)                                             \
	X(int, dup2, (int a, int b), return (int)syscall(SYS_dup2, a, b);)                                   \
	X(int, dup3, (int a, int b, int f), return (int)syscall(SYS_dup3, a, b, f);)                         \
	X(int, fcntl, (int fd, int cmd, ...), FCNTL_ARG(arg); return (int)syscall(SYS_fcntl, fd, cmd, arg);) \
	X(int, fcntl64, (int fd, int cmd, ...), FCNTL_ARG(arg);                                              \
	  return (int)syscall(SYS_fcntl, fd, cmd, arg);)                                                     \
	X(int, shutdown, (int fd, int how), return (int)syscall(SYS_shutdown, fd, how);)

#define REAL_DEFINE(rtype, name, params, fallback)                                                           \
	static rtype fb_##name params                                                                        \
	{                                                                                                    \
		fallback                                                                                     \
	}                                                                                                    \
	static rtype(*real_##name) params = fb_##name;
#define REAL_RESOLVE(rtype, name, ...) CT_RESOLVE(real_##name, #name, name);

SOCK_REALS(REAL_DEFINE)

void ct_sock_resolve(void)
{
	SOCK_REALS(REAL_RESOLVE)
	ct_sock_io_resolve();
	ct_resolve_resolve();
}

size_t ct_sock_peer_host(int fd, char *buf, size_t n)
{
	size_t got = 0;
	unsigned i;
	if (!tracked(fd) || !n)
		return 0;
	lock();
	if ((i = fdslot[fd]) != 0 && slots[i - 1].host_len) {
		got = slots[i - 1].host_len < n ? slots[i - 1].host_len : n - 1;
		memcpy(buf, slots[i - 1].peer_host, got);
	}
	unlock();
	buf[got] = 0;
	return got;
}

/* ---- bookkeeping around fd-creating and fd-closing calls ------------------------------------ */

/* May this hook do bookkeeping? Not inside our own work, not while tracing is off, never in a vfork
 * child (its memory is the parent's). Slow paths only: ct_self() may call getpid. */
static int may_track(void)
{
	return !ct_g_guard && ct_g_on && ct_self() != CT_SELF_VFORK;
}

/* The kernel just handed out fd: any tracking of that number is stale (closed behind our back). */
static int fresh_fd(int ret)
{
	if (CT_UNLIKELY(ret >= 0 && tracked(ret))) {
		CT_KEEP_ERRNO;
		if (may_track()) {
			lock();
			untrack_locked(ret, NULL);
			unlock();
		}
	}
	return ret;
}

/* newfd is a duplicate of oldfd (dup, F_DUPFD): it is tracked like oldfd. */
static int dup_done(int oldfd, int ret)
{
	if (CT_LIKELY(ret < 0 || (!tracked(oldfd) && !tracked(ret))))
		return ret;
	CT_KEEP_ERRNO;
	if ((unsigned)ret < CT_FD_MAX && may_track()) {
		lock();
		untrack_locked(ret, NULL);
		unsigned i = (unsigned)oldfd < CT_FD_MAX ? fdslot[oldfd] : 0;
		if (i) {
			struct slot s = slots[i - 1];
			track_locked(ret, &s);
		}
		unlock();
	}
	return ret;
}

/* fd is about to be closed by the application. Untracks it first (the number is free the moment
 * the kernel closes it) and writes a `close` record when its last fd here goes and it was inherited
 * or forked away. Guard held by the caller. */
static void closing(int fd, const char *fn)
{
	if (!tracked(fd))
		return;
	struct slot s;
	lock();
	/* Closing one of several dups closes nothing: the record is for the last one. */
	int had = untrack_locked(fd, &s) && !other_ref_locked(&s);
	unlock();
	if (had && (s.inherited || s.forked) && same_socket(fd, &s))
		emit_close(fd, &s, fn);
}

/* ---- hooks ---------------------------------------------------------------------------------- */

/* socket: no record; clears stale tracking of the returned number. */
CT_EXPORT int socket(int domain, int type, int protocol)
{
	return fresh_fd(real_socket(domain, type, protocol));
}

/* The connect record of s; late: written after the fact (at a fork), its site is its aggregate's
 * first record's. */
static void emit_connect(int fd, const struct slot *s, int late)
{
	struct ct_rec r;
	ct_rec_begin_at(&r, "connect", s->ts);
	ct_rec_int(&r, "fd", fd);
	ct_rec_int(&r, "ino", (long long)s->ino);
	ct_rec_str(&r, "type", s->dgram ? "dgram" : "stream");
	ct_rec_str(&r, "family", s->family == AF_INET ? "inet" : s->family == AF_INET6 ? "inet6" : "unix");
	ct_rec_strn(&r, "peer", s->peer, s->peer_len);
	if (s->host_len)
		ct_rec_strn(&r, "peer_host", s->peer_host, s->host_len);
	ct_rec_bool(&r, "ok", 1);
	ct_rec_int(&r, "errno", s->err);
	ct_rec_int(&r, "gen", ct_g_gen);
	ct_rec_int(&r, "forks", s->forks);
	if (s->agg)
		ct_rec_int(&r, "agg", s->agg);
	if (late)
		ct_rec_bool(&r, "late", 1);
	else
		ct_rec_site(&r);
	ct_rec_emit(&r);
}

/* Records a connected (or connecting) inet/inet6/unix stream or datagram socket and tracks the
 * stream ones. Runs after the real call; the application sees its result and errno unchanged. */
static __attribute__((noinline)) void connected(int fd, const struct sockaddr *sa, socklen_t len, int err)
{
	int type = 0;
	socklen_t tl = sizeof type;
	struct stat st;
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6 && sa->sa_family != AF_UNIX)
		return;
	if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
	    (type != SOCK_STREAM && type != SOCK_DGRAM) || sys_fstat(fd, &st) != 0)
		return;
	struct slot s;
	memset(&s, 0, sizeof s);
	s.ino = (uint64_t)st.st_ino;
	s.dev = (uint64_t)st.st_dev;
	s.owner = ct_g_pid;
	s.peer_len = (unsigned char)format_peer(sa, len, s.peer, sizeof s.peer);
	s.host_len = (unsigned char)ct_resolve_host(sa, len, s.peer_host, sizeof s.peer_host);
	/* HTTP/1.x is looked for on TCP client connections only; the first write decides (wire.c). */
	if (type == SOCK_STREAM && sa->sa_family != AF_UNIX)
		s.http = CT_FD_HTTP;

	s.ts = ct_now_us();
	s.family = (unsigned char)sa->sa_family;
	s.dgram = type != SOCK_STREAM;
	s.err = err;
	s.forks = ct_forks_now();
	/* Repeated connects (same site, peer, host label, type and result) are counted; the first is
	 * written. */
	uint64_t key = ct_agg_hash(0, &type, sizeof type);
	key = ct_agg_hash(key, &s.family, sizeof s.family);
	key = ct_agg_hash(key, &err, sizeof err);
	key = ct_agg_hash(key, s.peer, s.peer_len);
	key = ct_agg_hash(key, s.peer_host, s.host_len); /* its getaddrinfo label */
	int agg;
	if (ct_agg_event("connect", ct_agg_site_key(key, ct_g_site_key), s.ts, &agg)) {
		s.agg = (short)agg;
		emit_connect(fd, &s, 0);
	} else {
		s.agg = (short)agg;
		s.late = type == SOCK_STREAM;
		ct_g_pysite.set = 0; /* the stashed site was this connect's */
		ct_g_site_key = 0;
	}

	/* Datagram sockets are recorded, not tracked: reuse of a connected UDP socket is not the bug. */
	if (type != SOCK_STREAM || (unsigned)fd >= CT_FD_MAX)
		return;
	lock();
	int ok = track_locked(fd, &s);
	unlock();
	if (s.late)
		__atomic_store_n(&any_late, 1, __ATOMIC_RELAXED);
	if (!ok && s.late) /* untracked: it cannot be reused unseen, but it must not vanish either */
		emit_connect(fd, &s, 1);
	if (!ok && !table_full_noted) {
		struct ct_rec r;
		table_full_noted = 1;
		ct_rec_begin(&r, "note");
		ct_rec_str(&r, "what", "socket table full: later connected sockets are not tracked");
		ct_rec_emit(&r);
	}
}

CT_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int ret = real_connect(fd, addr, len);
	CT_KEEP_ERRNO;
	int err = errno; /* for the record: the bookkeeping below may change errno */
	if ((ret == 0 || err == EINPROGRESS) && addr && len >= sizeof(sa_family_t) && may_track()) {
		ct_g_guard = 1;
		ct_g_site_key = (uintptr_t)__builtin_return_address(0);
		/* A reconnect, or a number reused after a raw close: forget what was there. */
		if (tracked(fd)) {
			lock();
			untrack_locked(fd, NULL);
			unlock();
		}
		connected(fd, addr, len, ret == 0 ? 0 : err);
		ct_g_guard = 0;
	}
	return ret;
}

/* accept, accept4: accepted sockets are the pre-fork server design, never tracked. */
CT_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return fresh_fd(real_accept(fd, addr, len));
}

CT_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return fresh_fd(real_accept4(fd, addr, len, flags));
}

/* close: untracks; `close` record for an inherited or forked-away socket. The close itself always
 * happens as requested. */
CT_EXPORT int close(int fd)
{
	if (CT_LIKELY(!tracked(fd)))
		return real_close(fd);
	{
		CT_KEEP_ERRNO; /* put back before the real close, whose errno the caller sees */
		if (may_track()) {
			ct_g_guard = 1;
			closing(fd, "close");
			ct_g_guard = 0;
		}
	}
	return real_close(fd);
}

/* Bookkeeping for every fd in [first, last] that is about to be closed. */
static void closing_range(unsigned first, unsigned last, const char *fn)
{
	for (;;) {
		int fd = -1;
		lock();
		for (unsigned i = 0; i < hwm && fd < 0; i++)
			if (slots[i].live && (unsigned)slots[i].fd >= first && (unsigned)slots[i].fd <= last)
				fd = slots[i].fd;
		unlock();
		if (fd < 0)
			break;
		closing(fd, fn);
		if (tracked(fd)) { /* closing() lost a race with another thread: drop it anyway */
			lock();
			untrack_locked(fd, NULL);
			unlock();
		}
	}
}

/* close_range: as close for each fd in range; CLOSE_RANGE_CLOEXEC closes nothing. */
CT_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!((unsigned)flags & CLOSE_RANGE_CLOEXEC) && first <= last) {
		CT_KEEP_ERRNO;
		if (may_track()) {
			ct_g_guard = 1;
			closing_range(first, last, "close_range");
			ct_g_guard = 0;
		}
	}
	return real_close_range(first, last, flags);
}

CT_EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0) {
		CT_KEEP_ERRNO;
		if (may_track()) {
			ct_g_guard = 1;
			closing_range((unsigned)lowfd, ~0U, "closefrom");
			ct_g_guard = 0;
		}
	}
	real_closefrom(lowfd);
}

CT_EXPORT int dup(int fd)
{
	return dup_done(fd, real_dup(fd));
}

/* dup2/dup3 onto newfd: newfd's old socket is closed by the call (`close` record after success when
 * it was still ours before), newfd becomes a tracked copy of oldfd when oldfd is tracked; the trace
 * fd is forgotten before the call. */
static int dup_onto(int oldfd, int newfd, int flags, int three)
{
	struct slot s;
	int watch = 0, was_ours = 0;
	if (oldfd != newfd) {
		CT_KEEP_ERRNO;
		if (may_track()) {
			watch = 1;
			ct_g_guard = 1;
			if (tracked(newfd)) {
				lock();
				unsigned i = fdslot[newfd];
				if (i)
					s = slots[i - 1];
				unlock();
				was_ours = i && same_socket(newfd, &s);
			}
			ct_g_guard = 0;
		}
	}
	int ret = three ? real_dup3(oldfd, newfd, flags) : real_dup2(oldfd, newfd);
	CT_KEEP_ERRNO;
	if (watch && ret >= 0 && (unsigned)newfd < CT_FD_MAX) {
		ct_g_guard = 1;
		lock();
		int had = untrack_locked(newfd, &s) && !other_ref_locked(&s);
		unsigned i = (unsigned)oldfd < CT_FD_MAX ? fdslot[oldfd] : 0;
		if (i) {
			struct slot o = slots[i - 1];
			track_locked(newfd, &o);
		}
		unlock();
		if (had && was_ours && (s.inherited || s.forked))
			emit_close(newfd, &s, three ? "dup3" : "dup2");
		ct_g_guard = 0;
	}
	return ret;
}

CT_EXPORT int dup2(int oldfd, int newfd)
{
	if (CT_LIKELY(!tracked(oldfd) && !tracked(newfd)))
		return real_dup2(oldfd, newfd);
	return dup_onto(oldfd, newfd, 0, 0);
}

CT_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (CT_LIKELY(!tracked(oldfd) && !tracked(newfd)))
		return real_dup3(oldfd, newfd, flags);
	return dup_onto(oldfd, newfd, flags, 1);
}

/* fcntl, fcntl64: F_DUPFD and F_DUPFD_CLOEXEC make a duplicate, tracked like dup's. */
#define FCNTL_HOOK(name)                                                                                     \
	CT_EXPORT int name(int fd, int cmd, ...)                                                             \
	{                                                                                                    \
		FCNTL_ARG(arg);                                                                              \
		if (CT_LIKELY(cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC))                                     \
			return real_##name(fd, cmd, arg);                                                    \
		return dup_done(fd, real_##name(fd, cmd, arg));                                              \
	}
FCNTL_HOOK(fcntl)
FCNTL_HOOK(fcntl64)

/* shutdown of an inherited socket ends the connection for every process that shares it: a use. */
CT_EXPORT int shutdown(int fd, int how)
{
	if (CT_UNLIKELY(ct_fd_watched(fd)))
		ct_sock_use(fd, CT_OP_SHUTDOWN, (uintptr_t)__builtin_return_address(0));
	return real_shutdown(fd, how);
}

/* ---- attach (sock_held.c) ------------------------------------------------------------------ */

/* fd was open when `credtrace attach` loaded the shim. A connected client stream socket is tracked
 * as if its connect had been seen; inherited: the parent holds it too, so it was made before this
 * process was forked (role child, owner the parent). Writes one `held` record. 1 when tracked. */
int ct_sock_adopt(int fd, int inherited, pid_t owner)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss, tl;
	int type = 0;
	struct stat st;
	struct slot s;
	struct ct_rec r;
	if ((unsigned)fd >= CT_FD_MAX || sys_fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	tl = sizeof type;
	if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM)
		return 0;
	if (syscall(SYS_getpeername, fd, &ss, &sl) != 0)
		return 0;
	memset(&s, 0, sizeof s);
	s.ino = (uint64_t)st.st_ino;
	s.dev = (uint64_t)st.st_dev;
	s.owner = inherited ? owner : ct_g_pid;
	s.inherited = (unsigned char)!!inherited;
	s.peer_len = (unsigned char)format_peer((const struct sockaddr *)&ss, sl, s.peer, sizeof s.peer);
	if (!s.peer_len)
		return 0;
	lock();
	unsigned i = fdslot[fd];
	int known = i && slots[i - 1].live && slots[i - 1].ino == s.ino && slots[i - 1].dev == s.dev;
	unlock();
	if (known) /* attached again: tracked since the first attach */
		return 0;
	ct_rec_begin(&r, "held");
	ct_rec_int(&r, "fd", fd);
	ct_rec_int(&r, "ino", (long long)s.ino);
	ct_rec_str(&r, "family",
	           ss.ss_family == AF_INET    ? "inet"
	           : ss.ss_family == AF_INET6 ? "inet6"
	                                      : "unix");
	ct_rec_strn(&r, "peer", s.peer, s.peer_len);
	ct_rec_bool(&r, "inherited", inherited);
	ct_rec_int(&r, "owner", s.owner);
	ct_rec_emit(&r);
	lock();
	int ok = track_locked(fd, &s);
	unlock();
	return ok;
}
