/* SPDX-License-Identifier: MIT */
/* sock_io.c: the I/O hooks: a watched fd (a tracked socket after a fork) takes the slow path once. */

/* _GNU_SOURCE for struct mmsghdr; connect is defined in sock.c, not here. */
#define _GNU_SOURCE
#include "sock.h"
#include "wire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

CT_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
CT_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
CT_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *addr,
                                 socklen_t *alen);
#if defined(__GLIBC__)
extern void __chk_fail(void) __attribute__((noreturn));
#else
#define __chk_fail __builtin_trap /* musl has no fortify runtime; nothing calls the _chk hooks there */
#endif

/* Before the constructor resolves the real functions, raw-syscall pass-throughs stand in. */
static ssize_t fb_read(int fd, void *b, size_t n)
{
	return syscall(SYS_read, fd, b, n);
}
static ssize_t fb_write(int fd, const void *b, size_t n)
{
	return syscall(SYS_write, fd, b, n);
}
static ssize_t fb_readv(int fd, const struct iovec *v, int n)
{
	return syscall(SYS_readv, fd, v, n);
}
static ssize_t fb_writev(int fd, const struct iovec *v, int n)
{
	return syscall(SYS_writev, fd, v, n);
}
static ssize_t fb_pread(int fd, void *b, size_t n, off_t o)
{
	return syscall(SYS_pread64, fd, b, n, o);
}
static ssize_t fb_pwrite(int fd, const void *b, size_t n, off_t o)
{
	return syscall(SYS_pwrite64, fd, b, n, o);
}
static ssize_t fb_send(int fd, const void *b, size_t n, int f)
{
	return syscall(SYS_sendto, fd, b, n, f, NULL, 0);
}
static ssize_t fb_sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l)
{
	return syscall(SYS_sendto, fd, b, n, f, a, l);
}
static ssize_t fb_sendmsg(int fd, const struct msghdr *m, int f)
{
	return syscall(SYS_sendmsg, fd, m, f);
}
static int fb_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int f)
{
	return (int)syscall(SYS_sendmmsg, fd, v, n, f);
}
static ssize_t fb_recv(int fd, void *b, size_t n, int f)
{
	return syscall(SYS_recvfrom, fd, b, n, f, NULL, NULL);
}
static ssize_t fb_recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l)
{
	return syscall(SYS_recvfrom, fd, b, n, f, a, l);
}
static ssize_t fb_recvmsg(int fd, struct msghdr *m, int f)
{
	return syscall(SYS_recvmsg, fd, m, f);
}
static int fb_recvmmsg(int fd, struct mmsghdr *v, unsigned n, int f, struct timespec *t)
{
	return (int)syscall(SYS_recvmmsg, fd, v, n, f, t);
}
/* The _chk fallbacks keep the fortify check: glibc aborts through __chk_fail when n > buflen. */
static ssize_t fb_read_chk(int fd, void *b, size_t n, size_t bl)
{
	if (n > bl)
		__chk_fail();
	return fb_read(fd, b, n);
}
static ssize_t fb_recv_chk(int fd, void *b, size_t n, size_t bl, int f)
{
	if (n > bl)
		__chk_fail();
	return fb_recv(fd, b, n, f);
}
static ssize_t fb_recvfrom_chk(int fd, void *b, size_t n, size_t bl, int f, struct sockaddr *a, socklen_t *l)
{
	if (n > bl)
		__chk_fail();
	return fb_recvfrom(fd, b, n, f, a, l);
}

static ssize_t (*real_read)(int, void *, size_t) = fb_read;
static ssize_t (*real_write)(int, const void *, size_t) = fb_write;
static ssize_t (*real_readv)(int, const struct iovec *, int) = fb_readv;
static ssize_t (*real_writev)(int, const struct iovec *, int) = fb_writev;
static ssize_t (*real_pread)(int, void *, size_t, off_t) = fb_pread;
static ssize_t (*real_pread64)(int, void *, size_t, off_t) = fb_pread;
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t) = fb_pwrite;
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t) = fb_pwrite;
static ssize_t (*real_send)(int, const void *, size_t, int) = fb_send;
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t) = fb_sendto;
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int) = fb_sendmsg;
static int (*real_sendmmsg)(int, struct mmsghdr *, unsigned, int) = fb_sendmmsg;
static ssize_t (*real_recv)(int, void *, size_t, int) = fb_recv;
static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *) = fb_recvfrom;
static ssize_t (*real_recvmsg)(int, struct msghdr *, int) = fb_recvmsg;
static int (*real_recvmmsg)(int, struct mmsghdr *, unsigned, int, struct timespec *) = fb_recvmmsg;
static ssize_t (*real___read_chk)(int, void *, size_t, size_t) = fb_read_chk;
static ssize_t (*real___recv_chk)(int, void *, size_t, size_t, int) = fb_recv_chk;
static ssize_t (*real___recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *,
                                      socklen_t *) = fb_recvfrom_chk;

void ct_sock_io_resolve(void)
{
	CT_RESOLVE(real_read, "read", read);
	CT_RESOLVE(real_write, "write", write);
	CT_RESOLVE(real_readv, "readv", readv);
	CT_RESOLVE(real_writev, "writev", writev);
	CT_RESOLVE(real_pread, "pread", pread);
	CT_RESOLVE(real_pread64, "pread64", pread64);
	CT_RESOLVE(real_pwrite, "pwrite", pwrite);
	CT_RESOLVE(real_pwrite64, "pwrite64", pwrite64);
	CT_RESOLVE(real_send, "send", send);
	CT_RESOLVE(real_sendto, "sendto", sendto);
	CT_RESOLVE(real_sendmsg, "sendmsg", sendmsg);
	CT_RESOLVE(real_sendmmsg, "sendmmsg", sendmmsg);
	CT_RESOLVE(real_recv, "recv", recv);
	CT_RESOLVE(real_recvfrom, "recvfrom", recvfrom);
	CT_RESOLVE(real_recvmsg, "recvmsg", recvmsg);
	CT_RESOLVE(real_recvmmsg, "recvmmsg", recvmmsg);
	CT_RESOLVE(real___read_chk, "__read_chk", __read_chk);
	CT_RESOLVE(real___recv_chk, "__recv_chk", __recv_chk);
	CT_RESOLVE(real___recvfrom_chk, "__recvfrom_chk", __recvfrom_chk);
}

/* Every I/O hook: records nothing unless fd is watched (a tracked socket after a fork, not yet
 * reported in this process), then calls the real function with the same arguments and returns its
 * result and errno untouched (ct_sock_use keeps errno). The fast path is one bounds check, one
 * byte load and a tail call (the slow path is out of line, so nothing is spilled): no syscall, no
 * lock, no TLS. */
#define CT_UNPAREN(...) __VA_ARGS__
/* The caller's return address keys the site cache (one unwind per call site, shared by siblings). */
#define IO_HOOK(rtype, name, op, params, args)                                                               \
	static __attribute__((noinline, cold)) rtype slow_##name(uintptr_t site, CT_UNPAREN params)          \
	{                                                                                                    \
		ct_sock_use(fd, op, site);                                                                   \
		return real_##name args;                                                                     \
	}                                                                                                    \
	CT_EXPORT rtype name params                                                                          \
	{                                                                                                    \
		if (CT_UNLIKELY(ct_fd_watched(fd)))                                                          \
			return slow_##name((uintptr_t)__builtin_return_address(0), CT_UNPAREN args);         \
		return real_##name args;                                                                     \
	}

/* Writes and reads of a connection that may carry HTTP/1.x (CT_FD_HTTP, CT_FD_HTTPOK) take the
 * same out-of-line slow path: the flag test of the fast path is one byte load against a mask, as for
 * the fork watch alone. OUT_HOOK hands the bytes about to be sent (the first buffer of a vector) to
 * wire.c before the real call; IN_HOOK hands what arrived after it, keeping its result and errno.
 * A connection shown not to be HTTP by its first write loses CT_FD_HTTP and costs nothing more. */
#define OUT_HOOK(rtype, name, op, params, args, buf, len)                                                    \
	static __attribute__((noinline, cold)) rtype slow_##name(uintptr_t site, CT_UNPAREN params)          \
	{                                                                                                    \
		unsigned char fl_ = __atomic_load_n(&ct_fdflag[fd], __ATOMIC_RELAXED);                       \
		if (fl_ & CT_FD_WATCH)                                                                       \
			ct_sock_use(fd, op, site);                                                           \
		if (fl_ & CT_FD_HTTP)                                                                        \
			ct_wire_fd_out(fd, buf, len);                                                        \
		return real_##name args;                                                                     \
	}                                                                                                    \
	CT_EXPORT rtype name params                                                                          \
	{                                                                                                    \
		if (CT_UNLIKELY(ct_fd_any(fd, CT_FD_WATCH | CT_FD_HTTP)))                                    \
			return slow_##name((uintptr_t)__builtin_return_address(0), CT_UNPAREN args);         \
		return real_##name args;                                                                     \
	}
#define IN_HOOK(rtype, name, op, params, args, buf, len, peek)                                               \
	static __attribute__((noinline, cold)) rtype slow_##name(uintptr_t site, CT_UNPAREN params)          \
	{                                                                                                    \
		unsigned char fl_ = __atomic_load_n(&ct_fdflag[fd], __ATOMIC_RELAXED);                       \
		if (fl_ & CT_FD_WATCH)                                                                       \
			ct_sock_use(fd, op, site);                                                           \
		rtype ret_ = real_##name args;                                                               \
		if (ret_ > 0 && (fl_ & CT_FD_HTTPOK) && !(peek)) {                                           \
			int e_ = errno;                                                                      \
			ct_wire_fd_in(fd, buf, (size_t)(len));                                               \
			errno = e_;                                                                          \
		}                                                                                            \
		return ret_;                                                                                 \
	}                                                                                                    \
	CT_EXPORT rtype name params                                                                          \
	{                                                                                                    \
		if (CT_UNLIKELY(ct_fd_any(fd, CT_FD_WATCH | CT_FD_HTTPOK)))                                  \
			return slow_##name((uintptr_t)__builtin_return_address(0), CT_UNPAREN args);         \
		return real_##name args;                                                                     \
	}

/* The first buffer of a vector and its length (the bytes received in it when got >= 0). */
static const void *iov0(const struct iovec *v, long cnt)
{
	return v && cnt > 0 ? v[0].iov_base : NULL;
}
static size_t iov0_len(const struct iovec *v, long cnt, ssize_t got)
{
	size_t l = v && cnt > 0 ? v[0].iov_len : 0;
	return got >= 0 && (size_t)got < l ? (size_t)got : l;
}
#define MSG_IOV(m)    ((m) ? (m)->msg_iov : NULL)
#define MSG_IOVLEN(m) ((m) ? (long)(m)->msg_iovlen : 0)

IN_HOOK(ssize_t, read, CT_OP_READ, (int fd, void *b, size_t n), (fd, b, n), b, ret_, 0)
OUT_HOOK(ssize_t, write, CT_OP_WRITE, (int fd, const void *b, size_t n), (fd, b, n), b, n)
IN_HOOK(ssize_t, readv, CT_OP_READV, (int fd, const struct iovec *v, int n), (fd, v, n), iov0(v, n),
        iov0_len(v, n, ret_), 0)
OUT_HOOK(ssize_t, writev, CT_OP_WRITEV, (int fd, const struct iovec *v, int n), (fd, v, n), iov0(v, n),
         iov0_len(v, n, -1))
IO_HOOK(ssize_t, pread, CT_OP_PREAD, (int fd, void *b, size_t n, off_t o), (fd, b, n, o))
#if !defined(pread64) /* musl: a macro for pread */
IO_HOOK(ssize_t, pread64, CT_OP_PREAD, (int fd, void *b, size_t n, off_t o), (fd, b, n, o))
#endif
IO_HOOK(ssize_t, pwrite, CT_OP_PWRITE, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o))
#if !defined(pwrite64)
IO_HOOK(ssize_t, pwrite64, CT_OP_PWRITE, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o))
#endif
OUT_HOOK(ssize_t, send, CT_OP_SEND, (int fd, const void *b, size_t n, int f), (fd, b, n, f), b, n)
OUT_HOOK(ssize_t, sendto, CT_OP_SENDTO,
         (int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l), (fd, b, n, f, a, l),
         b, n)
OUT_HOOK(ssize_t, sendmsg, CT_OP_SENDMSG, (int fd, const struct msghdr *m, int f), (fd, m, f),
         iov0(MSG_IOV(m), MSG_IOVLEN(m)), iov0_len(MSG_IOV(m), MSG_IOVLEN(m), -1))
IO_HOOK(int, sendmmsg, CT_OP_SENDMMSG, (int fd, struct mmsghdr *v, unsigned int n, CT_MMSG_FLAGS f),
        (fd, v, n, f))
IN_HOOK(ssize_t, recv, CT_OP_RECV, (int fd, void *b, size_t n, int f), (fd, b, n, f), b, ret_, f &MSG_PEEK)
IN_HOOK(ssize_t, recvfrom, CT_OP_RECVFROM,
        (int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l), (fd, b, n, f, a, l), b, ret_,
        f &MSG_PEEK)
IN_HOOK(ssize_t, recvmsg, CT_OP_RECVMSG, (int fd, struct msghdr *m, int f), (fd, m, f),
        iov0(MSG_IOV(m), MSG_IOVLEN(m)), iov0_len(MSG_IOV(m), MSG_IOVLEN(m), ret_), f &MSG_PEEK)
IO_HOOK(int, recvmmsg, CT_OP_RECVMMSG,
        (int fd, struct mmsghdr *v, unsigned int n, CT_MMSG_FLAGS f, struct timespec *t), (fd, v, n, f, t))
/* Fortified callers (-D_FORTIFY_SOURCE) reach these instead of read, recv and recvfrom. */
IN_HOOK(ssize_t, __read_chk, CT_OP_READ, (int fd, void *b, size_t n, size_t bl), (fd, b, n, bl), b, ret_, 0)
IN_HOOK(ssize_t, __recv_chk, CT_OP_RECV, (int fd, void *b, size_t n, size_t bl, int f), (fd, b, n, bl, f), b,
        ret_, f &MSG_PEEK)
IN_HOOK(ssize_t, __recvfrom_chk, CT_OP_RECVFROM,
        (int fd, void *b, size_t n, size_t bl, int f, struct sockaddr *a, socklen_t *l),
        (fd, b, n, bl, f, a, l), b, ret_, f &MSG_PEEK)
