/* SPDX-License-Identifier: MIT */
/* resolve.c: the getaddrinfo hook. Remembers which host name resolved to which address, so that a
 * socket connected to that address later is labelled with the name (`peer_host` of connect and use
 * records): the traffic a credential was for. Python, Node (libuv) and C resolvers all call libc
 * getaddrinfo; a literal IP, a resolver that bypasses libc (c-ares, Go) or a proxy leave no name.
 * Host names are not secrets. */
#define _DEFAULT_SOURCE
#include "sock.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* A small ring of (address, name) pairs, newest last. Each entry has its own try-lock: a writer that
 * finds one busy takes the next, a reader skips it, so nothing ever waits (a lock left held by a
 * thread that vanished at fork costs one entry, no deadlock). No heap, no libc beyond string.h. */
#define NHOST 64
struct host_ent {
	int busy;
	unsigned char family, used;
	unsigned char addr[16];
	char name[CT_HOST_MAX];
};
static struct host_ent hosts[NHOST];
CT_STATE static unsigned host_next;

static int fb_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                          struct addrinfo **res)
{
	(void)node, (void)service, (void)hints, (void)res;
	errno = ENOSYS;
	return EAI_SYSTEM; /* only before the constructor resolved the real one: never seen in practice */
}
static int (*real_getaddrinfo)(const char *, const char *, const struct addrinfo *,
                               struct addrinfo **) = fb_getaddrinfo;

void ct_resolve_resolve(void)
{
	CT_RESOLVE(real_getaddrinfo, "getaddrinfo", getaddrinfo);
}

/* The address bytes of sa (4 or 16), or 0 for other families. */
static size_t addr_of(const struct sockaddr *sa, const unsigned char **a)
{
	if (sa->sa_family == AF_INET) {
		*a = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		*a = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		return 16;
	}
	return 0;
}

static int try_lock(struct host_ent *h)
{
	return !__atomic_exchange_n(&h->busy, 1, __ATOMIC_ACQUIRE);
}
static void unlock_ent(struct host_ent *h)
{
	__atomic_store_n(&h->busy, 0, __ATOMIC_RELEASE);
}

/* A literal address is its own name: nothing to remember. */
static int numeric(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == ':' || (*s >= 'a' && *s <= 'f') ||
		      (*s >= 'A' && *s <= 'F') || *s == '%'))
			return 0;
	return 1;
}

static int known(int family, const unsigned char *a, size_t n, const char *name, size_t nl)
{
	int hit = 0;
	for (unsigned i = 0; i < NHOST && !hit; i++) {
		struct host_ent *h = &hosts[i];
		if (!__atomic_load_n(&h->used, __ATOMIC_RELAXED) || !try_lock(h))
			continue;
		hit = h->family == family && !memcmp(h->addr, a, n) && !strncmp(h->name, name, nl) &&
		      !h->name[nl];
		unlock_ent(h);
	}
	return hit;
}

static void remember(int family, const unsigned char *a, size_t n, const char *name)
{
	size_t nl = strnlen(name, CT_HOST_MAX - 1);
	if (known(family, a, n, name, nl))
		return;
	for (unsigned tries = 0; tries < NHOST; tries++) {
		struct host_ent *h = &hosts[__atomic_fetch_add(&host_next, 1, __ATOMIC_RELAXED) % NHOST];
		if (!try_lock(h))
			continue;
		h->family = (unsigned char)family;
		memset(h->addr, 0, sizeof h->addr);
		memcpy(h->addr, a, n);
		memcpy(h->name, name, nl);
		h->name[nl] = 0;
		__atomic_store_n(&h->used, 1, __ATOMIC_RELAXED);
		unlock_ent(h);
		return;
	}
}

size_t ct_resolve_host(const struct sockaddr *sa, unsigned len, char *out, size_t cap)
{
	const unsigned char *a;
	size_t n = len >= sizeof(struct sockaddr_in) ? addr_of(sa, &a) : 0, got = 0;
	unsigned start = __atomic_load_n(&host_next, __ATOMIC_RELAXED);

	if (!n || (n == 16 && len < sizeof(struct sockaddr_in6)) || !cap)
		return 0;
	/* Newest first: a name that moved to another address wins over an old one. */
	for (unsigned k = 1; k <= NHOST && !got; k++) {
		struct host_ent *h = &hosts[(start - k) % NHOST];
		if (!__atomic_load_n(&h->used, __ATOMIC_RELAXED) || !try_lock(h))
			continue;
		if (h->family == sa->sa_family && !memcmp(h->addr, a, n)) {
			got = strnlen(h->name, sizeof h->name);
			if (got >= cap)
				got = cap - 1;
			memcpy(out, h->name, got);
			out[got] = 0;
		}
		unlock_ent(h);
	}
	return got;
}

/* getaddrinfo: the call is made exactly as asked, inside the guard (the resolver's own sockets to
 * DNS servers or nscd are not the application's connections); on success, each inet/inet6 result
 * of a host name is remembered. Return value and errno are the call's. */
CT_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                          struct addrinfo **res)
{
	int rc, guarded = ct_g_guard;
	if (CT_UNLIKELY(real_getaddrinfo == fb_getaddrinfo))
		ct_real_resolve();
	if (guarded || !ct_g_on)
		return real_getaddrinfo(node, service, hints, res);
	ct_g_guard = 1;
	rc = real_getaddrinfo(node, service, hints, res);
	CT_KEEP_ERRNO;
	if (rc == 0 && node && res && *res && !numeric(node) && ct_self() != CT_SELF_VFORK)
		for (const struct addrinfo *ai = *res; ai; ai = ai->ai_next) {
			const unsigned char *a;
			size_t n = ai->ai_addr ? addr_of(ai->ai_addr, &a) : 0;
			if (n)
				remember(ai->ai_addr->sa_family, a, n, node);
		}
	ct_g_guard = 0;
	return rc;
}
