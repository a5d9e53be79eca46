/* SPDX-License-Identifier: MIT */
/* modules.c: the loaded objects that native frames fall in. A frame is written as (module id,
 * offset); each module's "mod" record (path, build id, base) goes out once per trace file, ahead of
 * the first record that names it. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>

#include "backtrace.h"
#include "ct.h"

#define MOD_MAX 64 /* modules named per process; frames in others get module id 0 */
#define BID_MAX 64 /* build id bytes kept (GNU ids are 20) */

/* One loaded object, as dl_iterate_phdr describes it. */
struct obj {
	uintptr_t lo, hi, bias;
	const char *name;
	unsigned char bid[BID_MAX];
	int bidlen;
};

/* Modules named in this process's trace. Shared by all threads: guarded by mod_lock, which the
 * fork child re-initialises; never touched in a vfork child. */
static struct mod {
	struct obj o;
	char path[256];
	int emitted; /* its "mod" record is in the current file */
	int mapped;  /* o.lo..o.hi still describes it (cleared when objects were unloaded) */
} mods[MOD_MAX];
static int nmods;
CT_STATE static int mod_lock;
CT_STATE static pid_t mods_pid;      /* process whose file the emitted flags describe */
static unsigned long long mods_subs; /* dlpi_subs when the ranges were last valid */

static void lock(void)
{
	ct_spin_lock(&mod_lock);
}

static void unlock(void)
{
	ct_spin_unlock(&mod_lock);
}

/* The GNU build id from the object's PT_NOTE segments, read in memory (no file I/O). */
static void read_build_id(const struct dl_phdr_info *info, struct obj *o)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t namesz = (nh->n_namesz + 3) & ~(size_t)3,
			       descsz = (nh->n_descsz + 3) & ~(size_t)3;
			const unsigned char *name = p + sizeof *nh, *desc = name + namesz;
			if (desc + descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && name[0] == 'G' &&
			    name[1] == 'N' && name[2] == 'U' && nh->n_descsz <= BID_MAX) {
				for (unsigned j = 0; j < nh->n_descsz; j++)
					o->bid[j] = desc[j];
				o->bidlen = (int)nh->n_descsz;
				return;
			}
			p = desc + descsz;
		}
	}
}

struct find_arg {
	uintptr_t addr;
	struct obj *o;
	int index;
	int found;
};

static int find_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct find_arg *a = data;
	int index = a->index++;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	int hit = 0;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
		if (a->addr >= s && a->addr < e)
			hit = 1;
		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
	}
	if (!hit)
		return 0;
	struct obj *o = a->o;
	o->lo = lo;
	o->hi = hi;
	o->bias = info->dlpi_addr;
	o->name = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : index == 0 ? ct_g_exe : "";
	o->bidlen = 0;
	read_build_id(info, o);
	a->found = 1;
	return 1;
}

/* Which loaded object holds addr? Takes the loader's lock: never called with mod_lock held (a
 * thread inside dlopen may be running a constructor that reaches our hooks). */
static int find_obj(uintptr_t addr, struct obj *o)
{
	struct find_arg a = {addr, o, 0, 0};
	dl_iterate_phdr(find_cb, &a);
	return a.found;
}

int ct_bt_obj_range(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	struct obj o = {0};
	if (!find_obj(addr, &o))
		return 0;
	*lo = o.lo;
	*hi = o.hi;
	return 1;
}

static int subs_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(unsigned long long *)data = info->dlpi_subs;
	return 1;
}

void ct_bt_mods_init(void)
{
	mods_pid = ct_g_pid;
}

/* A fork child has a new trace file (modules must be named again) and no other threads (the lock
 * may have been held by one). */
void ct_bt_mods_fork_child(void)
{
	__atomic_store_n(&mod_lock, 0, __ATOMIC_RELAXED);
	/* mods[].emitted stay as they are: the first frames this child records see mods_pid is not
	 * its pid and clear them then (a child that records none never writes that table's pages). */
}

static void hex_bytes(const unsigned char *b, int n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < (size_t)n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * (size_t)n] = 0;
}

/* The module's record goes out ahead of the record r that names it, in r's write when it fits. */
static void emit_mod(struct ct_rec *into, int id, const struct mod *m)
{
	struct ct_rec r;
	char bid[2 * BID_MAX + 1];
	hex_bytes(m->o.bid, m->o.bidlen, bid);
	ct_rec_begin(&r, "mod");
	ct_rec_int(&r, "id", id);
	ct_rec_str(&r, "path", m->path);
	if (m->o.bidlen)
		ct_rec_str(&r, "build_id", bid);
	else
		ct_rec_null(&r, "build_id");
	ct_rec_hex(&r, "base", m->o.bias);
	ct_rec_finish(&r);
	if (!ct_rec_prepend(into, r.buf, r.len))
		ct_trace_write(r.buf, r.len);
}

static int same_obj(const struct mod *m, const struct obj *o)
{
	if (m->o.bias != o->bias || m->o.bidlen != o->bidlen)
		return 0;
	for (int i = 0; i < o->bidlen; i++)
		if (m->o.bid[i] != o->bid[i])
			return 0;
	return 1;
}

/* Index of the mapped module holding ip, or -1. mod_lock held. */
static int mod_by_addr(uintptr_t ip)
{
	for (int i = 0; i < nmods; i++)
		if (mods[i].mapped && ip >= mods[i].o.lo && ip < mods[i].o.hi)
			return i;
	return -1;
}

/* Module index for a freshly looked-up object; reuses an entry for the same object (remapped after
 * an unload elsewhere) so ids stay unique and stable within a file. mod_lock held. */
static int mod_add(const struct obj *o)
{
	for (int i = 0; i < nmods; i++)
		if (same_obj(&mods[i], o) && mods[i].o.lo == o->lo) {
			mods[i].mapped = 1;
			return i;
		}
	if (nmods == MOD_MAX)
		return -1;
	struct mod *m = &mods[nmods];
	m->o = *o;
	ct_bt_copy(m->path, sizeof m->path, o->name);
	m->o.name = m->path;
	m->emitted = 0;
	m->mapped = 1;
	return nmods++;
}

void ct_rec_frames(struct ct_rec *r, const uintptr_t *ips, int n)
{
	struct obj found[BT_MAX];
	int idx[BT_MAX];
	unsigned long long subs = 0;
	if (n > BT_MAX)
		n = BT_MAX;
	dl_iterate_phdr(subs_cb, &subs);

	/* Pass 1 under the lock: which frames are in known modules. */
	lock();
	if (subs != mods_subs) { /* something was unloaded: its range may now hold another object */
		for (int i = 0; i < nmods; i++)
			mods[i].mapped = 0;
		mods_subs = subs;
	}
	for (int i = 0; i < n; i++)
		idx[i] = mod_by_addr(ips[i]);
	unlock();

	/* Pass 2 without it: ask the loader about the others. */
	for (int i = 0; i < n; i++)
		if (idx[i] < 0 && !find_obj(ips[i], &found[i]))
			idx[i] = -2; /* no object: JIT code, an anonymous mapping */

	/* Pass 3 under the lock: name new modules before the record that uses them is written. */
	lock();
	pid_t pid = ct_g_pid;  /* ct_self() already adopted a child that ran no atfork handler */
	if (pid != mods_pid) { /* a fork child: a new file, where no module is named yet */
		for (int i = 0; i < nmods; i++)
			mods[i].emitted = 0;
		mods_pid = pid;
	}
	ct_rec_arr(r, "frames");
	for (int i = 0; i < n; i++) {
		int m = idx[i];
		if (m == -1)
			m = mod_add(&found[i]);
		if (m >= 0 && !mods[m].emitted) {
			emit_mod(r, m + 1, &mods[m]);
			mods[m].emitted = 1;
		}
		/* module 0: unknown, the offset is then the absolute address */
		ct_rec_arr(r, NULL);
		ct_rec_int(r, NULL, m >= 0 ? m + 1 : 0);
		ct_rec_hex(r, NULL, m >= 0 ? ips[i] - mods[m].o.bias : ips[i]);
		ct_rec_end(r);
	}
	ct_rec_end(r);
	unlock();
}
