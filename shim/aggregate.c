/* SPDX-License-Identifier: MIT */
/* aggregate.c: repeated events counted by (kind, site, peer, state) instead of written each time,
 * so that a process repeating itself (a connection per request) writes a trace that stops growing. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <string.h>

#include "ct.h"

/* Entries per process. A key that finds the table full is written individually, as before. */
#define AGG_N 64
/* An entry's running count goes out when it reaches a power of two, and at most this long after
 * the last time it went out, at the entry's next event (no helper thread, no timer): a soak test
 * sees fresh counts within a minute while the trace grows by one small record per key per minute. */
#define AGG_REFRESH_US (60ull * 1000000u)

struct agg {
	uint64_t key; /* hash of kind, site and the state fields; 0: free */
	uint64_t first, last, flushed_ts;
	unsigned long count, flushed;
	int id;
	const char *kind;
};
static struct agg table[AGG_N];
/* Entries in use in this process: a fork child starts at 0 (its counts are its own) without
 * clearing the table, which would copy its pages in every child. */
CT_STATE static int used;
CT_STATE static atomic_flag lk = ATOMIC_FLAG_INIT;

static void lock(void)
{
	while (atomic_flag_test_and_set_explicit(&lk, memory_order_acquire))
		;
}

static void unlock(void)
{
	atomic_flag_clear_explicit(&lk, memory_order_release);
}

uint64_t ct_agg_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	if (!h)
		h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

/* The key of a site: the Python file:line when the adapter stashed one (every Python connect
 * comes through the same native return address), else the native return address. */
uint64_t ct_agg_site_key(uint64_t h, uintptr_t native)
{
	if (ct_g_pysite.set) {
		h = ct_agg_hash(h, ct_g_pysite.file, strnlen(ct_g_pysite.file, sizeof ct_g_pysite.file));
		h = ct_agg_hash(h, ct_g_pysite.func, strnlen(ct_g_pysite.func, sizeof ct_g_pysite.func));
		return ct_agg_hash(h, &ct_g_pysite.line, sizeof ct_g_pysite.line);
	}
	return ct_agg_hash(h, &native, sizeof native);
}

static int is_pow2(unsigned long v)
{
	return v && !(v & (v - 1));
}

static void emit(const struct agg *a)
{
	struct ct_rec r;
	ct_rec_begin(&r, "agg");
	ct_rec_str(&r, "kind", a->kind);
	ct_rec_int(&r, "id", a->id);
	ct_rec_int(&r, "count", (long long)a->count);
	ct_rec_int(&r, "first", (long long)a->first);
	ct_rec_int(&r, "last", (long long)a->last);
	ct_rec_emit(&r);
}

int ct_agg_event(const char *kind, uint64_t key, uint64_t ts, int *id)
{
	struct agg *a = NULL, copy;
	int out = 0, n;
	key |= 1; /* 0 marks a free entry */
	lock();
	n = used;
	for (int i = 0; i < n; i++)
		if (table[i].key == key && table[i].kind == kind) {
			a = &table[i];
			break;
		}
	if (!a) {
		if (n == AGG_N) {
			unlock();
			*id = 0;
			return 1;
		}
		a = &table[n];
		memset(a, 0, sizeof *a);
		a->key = key;
		a->kind = kind;
		a->id = n + 1;
		a->first = a->flushed_ts = ts;
		used = n + 1;
	}
	a->count++;
	a->last = ts;
	*id = a->id;
	if (a->count > 1 && (is_pow2(a->count) || ts - a->flushed_ts >= AGG_REFRESH_US)) {
		a->flushed = a->count;
		a->flushed_ts = ts;
		copy = *a;
		out = 1;
	}
	n = (int)a->count;
	unlock();
	if (out)
		emit(&copy);
	return n == 1;
}

int ct_agg_exit_pending(void)
{
	return __atomic_load_n(&used, __ATOMIC_RELAXED) != 0;
}

void ct_agg_exit(void)
{
	int n = __atomic_load_n(&used, __ATOMIC_RELAXED);
	for (int i = 0; i < n; i++) {
		struct agg copy;
		lock();
		copy = table[i];
		table[i].flushed = table[i].count;
		unlock();
		if (copy.count > 1 && copy.count > copy.flushed) /* a lone event is its own record */
			emit(&copy);
	}
}

/* Fork child: the parent's counts are the parent's; its lock may have been held by a thread that
 * does not exist here. */
void ct_agg_fork_child(void)
{
	used = 0;
	atomic_flag_clear(&lk);
}
