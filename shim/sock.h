/* SPDX-License-Identifier: MIT */
/* sock.h: what the socket hooks (sock.c) and the I/O hooks (sock_io.c) share. All hidden. */
#ifndef CT_SOCK_H
#define CT_SOCK_H

#include "ct.h"

/* Per-fd flags, one byte each, in BSS. The I/O hooks read only CT_FD_WATCH on their fast path. */
enum {
	CT_FD_TRACKED = 1, /* fd has a slot in the socket table (sock.c) */
	CT_FD_WATCH = 2,   /* next I/O on fd takes the slow path: it may be the first use after a fork */
	CT_FD_HTTP = 4,    /* an inet stream client socket not yet shown to be other than HTTP/1.x:
	                    * its writes go to wire.c (the first write decides) */
	CT_FD_HTTPOK = 8,  /* a request head was seen: its reads go to wire.c too */
};
extern unsigned char ct_g_fdflag[CT_FD_MAX] CT_HIDDEN;

/* Operations named in `use` records (docs/trace-format.md). */
enum ct_sock_op {
	CT_OP_READ,
	CT_OP_WRITE,
	CT_OP_READV,
	CT_OP_WRITEV,
	CT_OP_SEND,
	CT_OP_SENDTO,
	CT_OP_SENDMSG,
	CT_OP_SENDMMSG,
	CT_OP_RECV,
	CT_OP_RECVFROM,
	CT_OP_RECVMSG,
	CT_OP_RECVMMSG,
	CT_OP_PREAD,
	CT_OP_PWRITE,
	CT_OP_SHUTDOWN,
};

/* Has fd any of the flags in mask? The I/O hooks' fast path: one byte load and a test. */
static inline int ct_fd_any(int fd, unsigned mask)
{
	return (unsigned)fd < CT_FD_MAX && (__atomic_load_n(&ct_g_fdflag[fd], __ATOMIC_RELAXED) & mask);
}

/* Is fd watched? A relaxed byte load: a plain mov, no lock, no RMW. */
static inline int ct_fd_watched(int fd)
{
	return (unsigned)fd < CT_FD_MAX &&
	       (__atomic_load_n(&ct_g_fdflag[fd], __ATOMIC_RELAXED) & CT_FD_WATCH);
}

/* Slow path of every I/O hook on a watched fd, called before the real call: writes the one `use`
 * record of this (socket, process), or untracks fd when it is no longer the socket we saw. Keeps
 * errno; passes when the guard is set, tracing is off, or in a vfork child. */
void ct_sock_use(int fd, enum ct_sock_op op, uintptr_t site) CT_HIDDEN;
void ct_sock_io_resolve(void) CT_HIDDEN; /* sock_io.c's real functions, from ct_sock_resolve */

/* Host names (resolve.c): the getaddrinfo hook remembers which name resolved to which address. */
#define CT_HOST_MAX 64 /* longer names are cut (DNS allows 253; provider API hosts are short) */
struct sockaddr;
/* The host name that last resolved to sa's address into out (NUL-terminated); its length, 0 when
 * none is known (a literal IP, a resolver that bypasses libc, a proxy). Never waits. */
size_t ct_resolve_host(const struct sockaddr *sa, unsigned len, char *out, size_t cap) CT_HIDDEN;
void ct_resolve_resolve(void) CT_HIDDEN; /* resolve.c's real getaddrinfo, from ct_sock_resolve */
/* The peer_host of tracked socket fd into buf; its length, 0 when fd is untracked or has none. For
 * the wire inspection of sock_io.c: a label for the connection, never a secret. */
size_t ct_sock_peer_host(int fd, char *buf, size_t n) CT_HIDDEN; /* with ct_g_guard set */

/* Resolves name to var when the next definition exists and is not ours; var keeps its fallback
 * (a raw-syscall pass-through used before the constructor) otherwise. memcpy avoids the
 * function/object pointer conversion that ISO C does not define. */
#define CT_RESOLVE(var, name, self)                                                                          \
	do {                                                                                                 \
		void *p_;                                                                                    \
		void (*s_)(void) = (void (*)(void))(self);                                                   \
		memcpy(&p_, &s_, sizeof p_);                                                                 \
		p_ = ct_dlsym_next(name, p_);                                                                \
		if (p_)                                                                                      \
			memcpy(&(var), &p_, sizeof p_);                                                      \
	} while (0)

#endif
