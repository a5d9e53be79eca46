/* SPDX-License-Identifier: MIT */
/* site_cache.c: this process's native frames by call site.
 *
 * A hook that knows its caller's return address puts it in ct_g_site_key; the frames unwound there
 * the first time serve every later record from the same address: a fork or connect in a loop costs
 * one backtrace, not one each (docs/performance.md, "fork"). A deeper stack that differs below that
 * address shows the first one's frames. Own memory only (never in a vfork child); entries stay
 * valid in fork children, whose file names the modules again. */
#include "backtrace.h"
#include "ct.h"

#define SITE_CACHE 64
static struct {
	uintptr_t key;
	int n;
	uintptr_t ips[BT_MAX];
} site_cache[SITE_CACHE];
CT_STATE static int site_lock; /* guards site_cache; the fork child resets it */

int ct_bt_site_get(uintptr_t key, uintptr_t *ips)
{
	int n = 0, i = (int)((key >> 4) % SITE_CACHE);
	ct_spin_lock(&site_lock);
	if (site_cache[i].key == key) {
		n = site_cache[i].n;
		for (int k = 0; k < n; k++)
			ips[k] = site_cache[i].ips[k];
	}
	ct_spin_unlock(&site_lock);
	return n;
}

void ct_bt_site_put(uintptr_t key, const uintptr_t *ips, int n)
{
	int i = (int)((key >> 4) % SITE_CACHE);
	ct_spin_lock(&site_lock);
	site_cache[i].key = key;
	site_cache[i].n = n;
	for (int k = 0; k < n; k++)
		site_cache[i].ips[k] = ips[k];
	ct_spin_unlock(&site_lock);
}

/* The lock may have been held by a thread that does not exist in the child. */
void ct_bt_sites_fork_child(void)
{
	__atomic_store_n(&site_lock, 0, __ATOMIC_RELAXED);
}
