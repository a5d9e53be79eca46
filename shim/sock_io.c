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

/* The _chk fallbacks keep the fortify check: glibc aborts through __chk_fail when n > buflen. */
static void chk(size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
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

/* Every I/O hook, listed once (compiler-rt keeps each INTERCEPTOR next to its INIT_X; here one entry
 * yields the fallback, the real pointer, its resolution and the hook):
 *   X(hook, return type, name, (parameters), (arguments), raw system call, use op[, wire args])
 * The raw system call stands in for the real function until the constructor resolves it. hook is
 * the macro that makes it: IO_HOOK (the fork watch only), OUT_HOOK (wire args: the bytes about to
 * be sent and their length), IN_HOOK (wire args: the bytes received, their length, and whether the
 * call only peeks), or IO64_HOOK (an LFS alias that musl defines as a macro for the plain name,
 * hooked there already). */
#define CT_IO_HOOKS(X)                                                                                       \
	X(IN_HOOK, ssize_t, read, (int fd, void *b, size_t n), (fd, b, n), syscall(SYS_read, fd, b, n),      \
	  CT_OP_READ, b, ret_, 0)                                                                            \
	X(OUT_HOOK, ssize_t, write, (int fd, const void *b, size_t n), (fd, b, n),                           \
	  syscall(SYS_write, fd, b, n), CT_OP_WRITE, b, n)                                                   \
	X(IN_HOOK, ssize_t, readv, (int fd, const struct iovec *v, int n), (fd, v, n),                       \
	  syscall(SYS_readv, fd, v, n), CT_OP_READV, iov0(v, n), iov0_len(v, n, ret_), 0)                    \
	X(OUT_HOOK, ssize_t, writev, (int fd, const struct iovec *v, int n), (fd, v, n),                     \
	  syscall(SYS_writev, fd, v, n), CT_OP_WRITEV, iov0(v, n), iov0_len(v, n, -1))                       \
	X(IO_HOOK, ssize_t, pread, (int fd, void *b, size_t n, off_t o), (fd, b, n, o),                      \
	  syscall(SYS_pread64, fd, b, n, o), CT_OP_PREAD)                                                    \
	X(IO64_HOOK, ssize_t, pread64, (int fd, void *b, size_t n, off_t o), (fd, b, n, o),                  \
	  syscall(SYS_pread64, fd, b, n, o), CT_OP_PREAD)                                                    \
	X(IO_HOOK, ssize_t, pwrite, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o),               \
	  syscall(SYS_pwrite64, fd, b, n, o), CT_OP_PWRITE)                                                  \
	X(IO64_HOOK, ssize_t, pwrite64, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o),           \
	  syscall(SYS_pwrite64, fd, b, n, o), CT_OP_PWRITE)                                                  \
	X(OUT_HOOK, ssize_t, send, (int fd, const void *b, size_t n, int f), (fd, b, n, f),                  \
	  syscall(SYS_sendto, fd, b, n, f, NULL, 0), CT_OP_SEND, b, n)                                       \
	X(OUT_HOOK, ssize_t, sendto,                                                                         \
	  (int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l),                   \
	  (fd, b, n, f, a, l), syscall(SYS_sendto, fd, b, n, f, a, l), CT_OP_SENDTO, b, n)                   \
	X(OUT_HOOK, ssize_t, sendmsg, (int fd, const struct msghdr *m, int f), (fd, m, f),                   \
	  syscall(SYS_sendmsg, fd, m, f), CT_OP_SENDMSG, iov0(MSG_IOV(m), MSG_IOVLEN(m)),                    \
	  iov0_len(MSG_IOV(m), MSG_IOVLEN(m), -1))                                                           \
	X(IO_HOOK, int, sendmmsg, (int fd, struct mmsghdr *v, unsigned int n, CT_MMSG_FLAGS f),              \
	  (fd, v, n, f), syscall(SYS_sendmmsg, fd, v, n, f), CT_OP_SENDMMSG)                                 \
	X(IN_HOOK, ssize_t, recv, (int fd, void *b, size_t n, int f), (fd, b, n, f),                         \
	  syscall(SYS_recvfrom, fd, b, n, f, NULL, NULL), CT_OP_RECV, b, ret_, f &MSG_PEEK)                  \
	X(IN_HOOK, ssize_t, recvfrom, (int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l),  \
	  (fd, b, n, f, a, l), syscall(SYS_recvfrom, fd, b, n, f, a, l), CT_OP_RECVFROM, b, ret_,            \
	  f &MSG_PEEK)                                                                                       \
	X(IN_HOOK, ssize_t, recvmsg, (int fd, struct msghdr *m, int f), (fd, m, f),                          \
	  syscall(SYS_recvmsg, fd, m, f), CT_OP_RECVMSG, iov0(MSG_IOV(m), MSG_IOVLEN(m)),                    \
	  iov0_len(MSG_IOV(m), MSG_IOVLEN(m), ret_), f &MSG_PEEK)                                            \
	X(IO_HOOK, int, recvmmsg,                                                                            \
	  (int fd, struct mmsghdr *v, unsigned int n, CT_MMSG_FLAGS f, struct timespec *t),                  \
	  (fd, v, n, f, t), syscall(SYS_recvmmsg, fd, v, n, f, t), CT_OP_RECVMMSG)                           \
	/* Fortified callers (-D_FORTIFY_SOURCE) reach these instead of read, recv and recvfrom. */          \
	X(IN_HOOK, ssize_t, __read_chk, (int fd, void *b, size_t n, size_t bl), (fd, b, n, bl),              \
	  (chk(n, bl), syscall(SYS_read, fd, b, n)), CT_OP_READ, b, ret_, 0)                                 \
	X(IN_HOOK, ssize_t, __recv_chk, (int fd, void *b, size_t n, size_t bl, int f), (fd, b, n, bl, f),    \
	  (chk(n, bl), syscall(SYS_recvfrom, fd, b, n, f, NULL, NULL)), CT_OP_RECV, b, ret_, f &MSG_PEEK)    \
	X(IN_HOOK, ssize_t, __recvfrom_chk,                                                                  \
	  (int fd, void *b, size_t n, size_t bl, int f, struct sockaddr *a, socklen_t *l),                   \
	  (fd, b, n, bl, f, a, l), (chk(n, bl), syscall(SYS_recvfrom, fd, b, n, f, a, l)), CT_OP_RECVFROM,   \
	  b, ret_, f &MSG_PEEK)

/* The fallback and the real pointer, which starts at it. */
#define REAL_DEFINE(hook, rtype, name, params, args, sys, ...)                                               \
	static rtype fb_##name params                                                                        \
	{                                                                                                    \
		return (rtype)(sys);                                                                         \
	}                                                                                                    \
	static rtype(*real_##name) params = fb_##name;
#define REAL_RESOLVE(hook, rtype, name, ...) CT_RESOLVE(real_##name, #name, name);

CT_IO_HOOKS(REAL_DEFINE)

void ct_sock_io_resolve(void)
{
	CT_IO_HOOKS(REAL_RESOLVE)
}

/* Every I/O hook: records nothing unless fd is watched (a tracked socket after a fork, not yet
 * reported in this process), then calls the real function with the same arguments and returns its
 * result and errno untouched (ct_sock_use keeps errno). The fast path is one bounds check, one
 * byte load and a tail call (the slow path is out of line, so nothing is spilled): no syscall, no
 * lock, no TLS. */
#define CT_UNPAREN(...) __VA_ARGS__
/* The exported hook: the fast path tests the fd's flags against mask and tail-calls the real
 * function; a flagged fd goes to the hook's out-of-line slow_name, with the caller's return address
 * (it keys the site cache: one unwind per call site, shared by siblings). */
#define FAST_PATH(rtype, name, params, args, mask)                                                           \
	CT_EXPORT rtype name params                                                                          \
	{                                                                                                    \
		if (CT_UNLIKELY(ct_fd_any(fd, mask)))                                                        \
			return slow_##name((uintptr_t)__builtin_return_address(0), CT_UNPAREN args);         \
		return real_##name args;                                                                     \
	}
#define IO_HOOK(rtype, name, params, args, op)                                                               \
	static __attribute__((noinline, cold)) rtype slow_##name(uintptr_t site, CT_UNPAREN params)          \
	{                                                                                                    \
		ct_sock_use(fd, op, site);                                                                   \
		return real_##name args;                                                                     \
	}                                                                                                    \
	FAST_PATH(rtype, name, params, args, CT_FD_WATCH)
#if defined(pread64) || defined(pwrite64) /* musl: macros for pread and pwrite */
#define IO64_HOOK(...)
#else
#define IO64_HOOK IO_HOOK
#endif

/* The first step of the OUT and IN slow paths: a watched fd writes its `use` record. Returns the
 * fd's flags. Inlined by force: GCC does not inline into cold functions, and the slow paths stay as
 * they were. */
static inline __attribute__((always_inline)) unsigned char slow_start(int fd, enum ct_sock_op op,
                                                                      uintptr_t site)
{
	unsigned char fl = __atomic_load_n(&ct_g_fdflag[fd], __ATOMIC_RELAXED);
	if (fl & CT_FD_WATCH)
		ct_sock_use(fd, op, site);
	return fl;
}

/* Writes and reads of a connection that may carry HTTP/1.x (CT_FD_HTTP, CT_FD_HTTPOK) take the
 * same out-of-line slow path: the flag test of the fast path is one byte load against a mask, as for
 * the fork watch alone. OUT_HOOK hands the bytes about to be sent (the first buffer of a vector) to
 * wire.c before the real call; IN_HOOK hands what arrived after it, keeping its result and errno.
 * A connection shown not to be HTTP by its first write loses CT_FD_HTTP and costs nothing more. */
#define OUT_HOOK(rtype, name, params, args, op, buf, len)                                                    \
	static __attribute__((noinline, cold)) rtype slow_##name(uintptr_t site, CT_UNPAREN params)          \
	{                                                                                                    \
		if (slow_start(fd, op, site) & CT_FD_HTTP)                                                   \
			ct_wire_fd_out(fd, buf, len);                                                        \
		return real_##name args;                                                                     \
	}                                                                                                    \
	FAST_PATH(rtype, name, params, args, CT_FD_WATCH | CT_FD_HTTP)
#define IN_HOOK(rtype, name, params, args, op, buf, len, peek)                                               \
	static __attribute__((noinline, cold)) rtype slow_##name(uintptr_t site, CT_UNPAREN params)          \
	{                                                                                                    \
		unsigned char fl_ = slow_start(fd, op, site);                                                \
		rtype ret_ = real_##name args;                                                               \
		if (ret_ > 0 && (fl_ & CT_FD_HTTPOK) && !(peek)) {                                           \
			CT_KEEP_ERRNO;                                                                       \
			ct_wire_fd_in(fd, buf, (size_t)(len));                                               \
		}                                                                                            \
		return ret_;                                                                                 \
	}                                                                                                    \
	FAST_PATH(rtype, name, params, args, CT_FD_WATCH | CT_FD_HTTPOK)

#define HOOK_DEFINE(hook, rtype, name, params, args, sys, ...) hook(rtype, name, params, args, __VA_ARGS__)

CT_IO_HOOKS(HOOK_DEFINE)
