/* SPDX-License-Identifier: MIT */
/* site_shared.c: native frames by call site, shared by fork siblings.
 *
 * The children of a prefork server or a fork loop reach the same call sites, each in its own copy
 * of site_cache.c's table, each unwinding them again: in a fork child that is the most expensive
 * part of its first record (libunwind masks signals twice per frame). A MAP_SHARED page made in the
 * parent before a fork lets the first child's frames serve its siblings and the parent. Return
 * addresses are only comparable where the same objects sit at the same addresses: a region serves
 * only processes whose loader counters (objects added, removed) still equal those of its maker when
 * it was made, i.e. that loaded and unloaded nothing since. No process ever waits on another: an
 * entry being written is skipped (a writer killed half-way leaves its slot unused), a torn read is
 * detected by the sequence number and is a miss. */
#define _GNU_SOURCE
#include <link.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backtrace.h"
#include "ct.h"

#define SHARED_SITES   64
#define SHARED_REGIONS 4 /* regions one process makes (one per layout it forks with), never unmapped */
struct shared_site {
	unsigned seq; /* odd while being written */
	int n;
	uintptr_t key, sp;
	uintptr_t ips[BT_MAX];
};
struct ct_bt_shared {
	unsigned long long adds, subs;
	struct shared_site e[SHARED_SITES];
};
CT_STATE static struct ct_bt_shared *shsites;
CT_STATE static int shsites_made;

struct layout {
	unsigned long long adds, subs;
};

static int layout_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct layout *l = data;
	(void)size;
	l->adds = info->dlpi_adds;
	l->subs = info->dlpi_subs;
	return 1;
}

struct ct_bt_shared *ct_bt_shared_for_us(void)
{
	struct ct_bt_shared *sh = __atomic_load_n(&shsites, __ATOMIC_ACQUIRE);
	struct layout l = {0, 0};
	if (!sh)
		return NULL;
	dl_iterate_phdr(layout_cb, &l);
	return l.adds == sh->adds && l.subs == sh->subs ? sh : NULL;
}

/* Parent, before a fork (atfork prepare): make a region for this layout if there is none. Only once
 * native backtraces are in use (libunwind loaded), never from a signal handler inside the shim. */
void ct_bt_fork_prepare(void)
{
	struct layout l = {0, 0};
	struct ct_bt_shared *sh = __atomic_load_n(&shsites, __ATOMIC_ACQUIRE);
	void *p;
	if (!ct_bt_ready() || ct_g_guard ||
	    __atomic_load_n(&shsites_made, __ATOMIC_RELAXED) >= SHARED_REGIONS)
		return;
	dl_iterate_phdr(layout_cb, &l);
	if (sh && sh->adds == l.adds && sh->subs == l.subs)
		return;
	p = (void *)syscall(SYS_mmap, NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	                    -1, 0);
	if (p == MAP_FAILED)
		return;
	sh = p;
	sh->adds = l.adds;
	sh->subs = l.subs;
	__atomic_fetch_add(&shsites_made, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&shsites, sh, __ATOMIC_RELEASE);
}

/* A seqlock without fences (ThreadSanitizer has none): the writer's data stores are releases after
 * its odd sequence number, the reader's data loads acquires before its second look at it, so a
 * reader that saw any word of a write in progress sees the sequence number move. Plain moves on
 * x86-64. */
int ct_bt_shared_get(struct ct_bt_shared *sh, uintptr_t key, uintptr_t sp, uintptr_t *ips)
{
	struct shared_site *e = &sh->e[(key >> 4) % SHARED_SITES];
	unsigned s = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	int n;
	if ((s & 1) || __atomic_load_n(&e->key, __ATOMIC_ACQUIRE) != key ||
	    __atomic_load_n(&e->sp, __ATOMIC_ACQUIRE) != sp)
		return 0;
	n = __atomic_load_n(&e->n, __ATOMIC_ACQUIRE);
	if (n <= 0 || n > BT_MAX)
		return 0;
	for (int k = 0; k < n; k++)
		ips[k] = __atomic_load_n(&e->ips[k], __ATOMIC_ACQUIRE);
	return __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == s ? n : 0;
}

void ct_bt_shared_put(struct ct_bt_shared *sh, uintptr_t key, uintptr_t sp, const uintptr_t *ips, int n)
{
	struct shared_site *e = &sh->e[(key >> 4) % SHARED_SITES];
	unsigned s = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
	if ((s & 1) ||
	    !__atomic_compare_exchange_n(&e->seq, &s, s + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return; /* someone is writing it: leave it to them */
	__atomic_store_n(&e->key, key, __ATOMIC_RELEASE);
	__atomic_store_n(&e->sp, sp, __ATOMIC_RELEASE);
	__atomic_store_n(&e->n, n, __ATOMIC_RELEASE);
	for (int k = 0; k < n; k++)
		__atomic_store_n(&e->ips[k], ips[k], __ATOMIC_RELEASE);
	__atomic_store_n(&e->seq, s + 2, __ATOMIC_RELEASE);
}
