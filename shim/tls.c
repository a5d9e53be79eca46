/* SPDX-License-Identifier: MIT */
/* tls.c: OpenSSL's SSL_write, SSL_write_ex, SSL_read, SSL_read_ex: the plaintext of HTTPS requests
 * and responses, handed to wire.c. Debian's Python (_ssl) and Node link libssl.so.3 dynamically;
 * a program with OpenSSL linked statically (official Node builds), Go or rustls is not seen. */
#define _GNU_SOURCE /* dladdr, RTLD_NEXT, RTLD_NOLOAD */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wire.h"

CT_EXPORT int SSL_write(void *ssl, const void *buf, int num);
CT_EXPORT int SSL_write_ex(void *ssl, const void *buf, size_t num, size_t *written);
CT_EXPORT int SSL_read(void *ssl, void *buf, int num);
CT_EXPORT int SSL_read_ex(void *ssl, void *buf, size_t num, size_t *readbytes);

/* Resolving the real functions. Every other hook resolves once, in the constructor, and never calls
 * dlsym (a failing dlsym allocates: libfaketime #130, proxychains-ng #119). Neither half can hold
 * here (docs/runtimes.md, "How libssl is found"): libssl is loaded after the shim (by _ssl's
 * dlopen, RTLD_LOCAL, so not even RTLD_NEXT finds it from the constructor), and a process may hold
 * two libssl copies (a wheel that bundles its own, with the same symbol versions), whose callers
 * all bind to these unversioned hooks and must each reach their own library. So the real functions
 * are resolved per calling object, from its own dependency scope (dladdr of the return address,
 * dlopen RTLD_NOLOAD of that object, dlsym on that handle), then RTLD_NEXT, then libssl.so.3 by
 * soname. This happens once per call site, on an out-of-line path, and is safe where the rule's
 * reasons are not met: SSL_* are called by application code after libssl is loaded (never before
 * our constructor, never from a malloc or getenv hook, never in a vfork child), and libssl itself
 * allocates on every call. No lock of ours is held across the dl* calls (they take ld.so's lock);
 * results are published once and never changed, and the handles are kept, so the pointers stay
 * valid (RTLD_NOLOAD took a reference). */
struct lib {
	uintptr_t base; /* the calling object's load address */
	int (*write)(void *, const void *, int);
	int (*write_ex)(void *, const void *, size_t, size_t *);
	int (*read)(void *, void *, int);
	int (*read_ex)(void *, void *, size_t, size_t *);
	int (*get_fd)(const void *);
};
#define NLIB 8
#define NRA  64
static struct lib libs[NLIB];
static struct {
	uintptr_t ra;
	const struct lib *l;
} ras[NRA];
CT_STATE static int nlibs, tls_lk;

void ct_tls_fork_child(void)
{
	tls_lk = 0;
}

static void *pick(void *h, const char *name, const void *self)
{
	void *p = h ? dlsym(h, name) : NULL;
	if (p == self)
		p = NULL;
	if (!p)
		p = ct_dlsym_next(name, self);
	if (!p) {
		void *s = dlopen("libssl.so.3", RTLD_LAZY | RTLD_NOLOAD);
		p = s ? dlsym(s, name) : NULL;
		if (p == self)
			p = NULL;
	}
	return p;
}

#define PICK(field, name, self)                                                                              \
	do {                                                                                                 \
		void *p_ = pick(h, name, (const void *)(uintptr_t)(self));                                   \
		memcpy(&l.field, &p_, sizeof p_);                                                            \
	} while (0)

static void tls_lock(void)
{
	ct_spin_lock(&tls_lk);
}

static void tls_unlock(void)
{
	ct_spin_unlock(&tls_lk);
}

/* Call-site cache: open addressing over PROBE slots from the site's hash; a slot is written once
 * (its lib pointer before its address, both release), so readers need no lock. */
#define PROBE 4
static unsigned ra_hash(uintptr_t ra)
{
	return (unsigned)((ra ^ ra >> 12) >> 2) % NRA;
}

static void publish(uintptr_t ra, const struct lib *res)
{
	tls_lock();
	for (unsigned j = 0, k = ra_hash(ra); j < PROBE; j++, k = (k + 1) % NRA) {
		uintptr_t cur = __atomic_load_n(&ras[k].ra, __ATOMIC_RELAXED);
		if (cur == ra)
			break;
		if (!cur) {
			__atomic_store_n(&ras[k].l, res, __ATOMIC_RELEASE);
			__atomic_store_n(&ras[k].ra, ra, __ATOMIC_RELEASE);
			break;
		}
	}
	tls_unlock();
}

static __attribute__((noinline, cold)) const struct lib *resolve(uintptr_t ra)
{
	CT_KEEP_ERRNO;
	int g = ct_g_guard;
	Dl_info di;
	struct lib l;
	memset(&l, 0, sizeof l);
	ct_g_guard = 1;
	if (ct_g_on)
		(void)ct_self(); /* a fork child re-initialises here first: tls_lk is free again */
	void *h = NULL;
	const struct lib *res = NULL;
	if (dladdr((void *)ra, &di) && di.dli_fbase)
		l.base = (uintptr_t)di.dli_fbase;
	/* an object resolved already, from another of its call sites */
	for (int i = 0, n = __atomic_load_n(&nlibs, __ATOMIC_ACQUIRE); i < n && !res; i++)
		if (libs[i].base == l.base)
			res = &libs[i];
	if (!res) {
		if (l.base && di.dli_fname &&
		    di.dli_fname[0]) /* the main program's is "": its scope holds us */
			h = dlopen(di.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
		PICK(write, "SSL_write", SSL_write);
		PICK(write_ex, "SSL_write_ex", SSL_write_ex);
		PICK(read, "SSL_read", SSL_read);
		PICK(read_ex, "SSL_read_ex", SSL_read_ex);
		PICK(get_fd, "SSL_get_fd", NULL);
		tls_lock();
		for (int i = 0; i < nlibs && !res; i++)
			if (libs[i].base == l.base)
				res = &libs[i];
		if (!res && nlibs < NLIB) {
			libs[nlibs] = l;
			res = &libs[nlibs];
			__atomic_store_n(&nlibs, nlibs + 1, __ATOMIC_RELEASE);
		}
		tls_unlock();
		if (!res)
			res = &libs[0]; /* more than NLIB callers of libssl: the first one's (not seen in
			                   practice) */
	}
	publish(ra, res);
	ct_g_guard = g;
	return res;
}

/* The real functions for a call from return address ra: the call-site cache, then resolve(). */
static inline const struct lib *lib_for(uintptr_t ra)
{
	for (unsigned j = 0, k = ra_hash(ra); j < PROBE; j++, k = (k + 1) % NRA) {
		uintptr_t cur = __atomic_load_n(&ras[k].ra, __ATOMIC_ACQUIRE);
		if (cur == ra)
			return __atomic_load_n(&ras[k].l, __ATOMIC_ACQUIRE);
		if (!cur)
			break;
	}
	return resolve(ra);
}

#define RA() ((uintptr_t)__builtin_return_address(0))

/* A request head about to be encrypted: its socket (for peer and inode) and bytes go to wire.c. */
static __attribute__((noinline, cold)) void out(const struct lib *l, void *ssl, const void *buf, size_t n)
{
	CT_KEEP_ERRNO;
	int fd = l->get_fd && !ct_g_guard ? l->get_fd(ssl) : -1;
	ct_wire_request(1, (uintptr_t)ssl, fd, buf, n);
}

/* SSL_write, SSL_write_ex: a buffer that starts like an HTTP/1.x request line is scanned (bounded)
 * before the real call; anything else costs a few byte compares. Result and errno are the real
 * call's. Without a real function to call (no libssl found, which a caller of SSL_* cannot meet),
 * the call fails as OpenSSL's own failures do. */
CT_EXPORT int SSL_write(void *ssl, const void *buf, int num)
{
	const struct lib *l = lib_for(RA());
	if (CT_UNLIKELY(!l->write))
		return -1;
	if (CT_UNLIKELY(ct_g_on && buf && num > 0 && ct_wire_method(buf, (size_t)num)))
		out(l, ssl, buf, (size_t)num);
	return l->write(ssl, buf, num);
}

CT_EXPORT int SSL_write_ex(void *ssl, const void *buf, size_t num, size_t *written)
{
	const struct lib *l = lib_for(RA());
	if (CT_UNLIKELY(!l->write_ex))
		return 0;
	if (CT_UNLIKELY(ct_g_on && buf && ct_wire_method(buf, num)))
		out(l, ssl, buf, num);
	return l->write_ex(ssl, buf, num, written);
}

/* SSL_read, SSL_read_ex: after the real call, bytes that start a response ("HTTP/1.x NNN") are
 * counted by wire.c for the connection whose request it saw; result and errno kept. */
CT_EXPORT int SSL_read(void *ssl, void *buf, int num)
{
	const struct lib *l = lib_for(RA());
	if (CT_UNLIKELY(!l->read))
		return -1;
	int ret = l->read(ssl, buf, num);
	if (CT_UNLIKELY(ret > 0 && ct_g_on && ct_wire_is_status(buf, (size_t)ret)))
		ct_wire_response(1, (uintptr_t)ssl, buf, (size_t)ret);
	return ret;
}

CT_EXPORT int SSL_read_ex(void *ssl, void *buf, size_t num, size_t *readbytes)
{
	const struct lib *l = lib_for(RA());
	if (CT_UNLIKELY(!l->read_ex))
		return 0;
	int ret = l->read_ex(ssl, buf, num, readbytes);
	if (CT_UNLIKELY(ret == 1 && readbytes && ct_g_on && ct_wire_is_status(buf, *readbytes)))
		ct_wire_response(1, (uintptr_t)ssl, buf, *readbytes);
	return ret;
}
