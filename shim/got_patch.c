/* SPDX-License-Identifier: MIT */
/* got_patch.c: a shim loaded late (credtrace attach) binds every loaded object's GOT slots for its
 * hooks to them, as LD_PRELOAD would have at start, and binds them back at detach. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"

/*
 * Slots are found as heaptrack's inject mode and plthook find them: for each object from
 * dl_iterate_phdr, the JUMP_SLOT (PLT) and GLOB_DAT (-fno-plt calls, function pointers) relocations
 * in DT_JMPREL and DT_RELA that name a hook. A slot is bound to us only when it holds libc's
 * definition or an unresolved lazy PLT stub (an address inside the object itself): a definition
 * in the program or another interposer would have won over a preloaded shim too. Restoring writes
 * libc's definition back where a slot holds ours, so no table of addresses is kept that a dlclose
 * could turn stale. Slots on read-only pages (RELRO, full with -z now) are written between two
 * mprotect calls that restore the page's protection as /proc/self/maps showed it; a page the
 * loader is still relocating shows as writable and is written as is.
 */

#define HOOKS_MAX 128
struct hook {
	const char *name;
	size_t len;
	uintptr_t ours, real;
};
static struct hook hooks[HOOKS_MAX];
static int nhooks;
static uintptr_t self_base;
static atomic_flag patch_lock = ATOMIC_FLAG_INIT;
static int active; /* slots should point at the hooks (between attach and detach) */

/* dlopen: objects loaded after the attach are bound too (see ct_dlopen_entry below). */
CT_HIDDEN void *(*ct_real_dlopen)(const char *, int);
void ct_dlopen_entry(void) CT_HIDDEN;

/* ---- the process's memory map, for page protections ----------------------------------------- */
#define RANGES_MAX 8192
static struct range {
	uintptr_t lo, hi;
	int prot;
} ranges[RANGES_MAX];
static int nranges;
static char maps_buf[1 << 18]; /* BSS: costs nothing in a process that never attaches */

static uintptr_t hex(const char **p)
{
	uintptr_t v = 0;
	for (;; (*p)++) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uintptr_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uintptr_t)(c - 'a' + 10);
		else
			return v;
	}
}

static void read_maps(void)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	long got;
	nranges = 0;
	if (fd < 0)
		return;
	while (n < sizeof maps_buf - 1 &&
	       ((got = syscall(SYS_read, fd, maps_buf + n, sizeof maps_buf - 1 - n)) > 0 ||
	        (got < 0 && errno == EINTR)))
		if (got > 0)
			n += (size_t)got;
	syscall(SYS_close, fd);
	maps_buf[n] = 0;
	for (const char *p = maps_buf; *p && nranges < RANGES_MAX;) {
		struct range *r = &ranges[nranges];
		r->lo = hex(&p);
		if (*p++ != '-')
			break;
		r->hi = hex(&p);
		if (*p++ != ' ')
			break;
		r->prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
		          (p[2] == 'x' ? PROT_EXEC : 0);
		nranges++;
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
}

static int prot_of(uintptr_t a)
{
	for (int i = 0; i < nranges; i++)
		if (a >= ranges[i].lo && a < ranges[i].hi)
			return ranges[i].prot;
	return -1;
}

/* One aligned 8-byte store, atomic for threads calling through the slot meanwhile. */
static int store(uintptr_t *slot, uintptr_t v)
{
	int prot = prot_of((uintptr_t)slot);
	uintptr_t page = (uintptr_t)slot & ~(uintptr_t)4095;
	if (prot < 0)
		return 0;
	if (prot & PROT_WRITE) {
		__atomic_store_n(slot, v, __ATOMIC_RELEASE);
		return 1;
	}
	if (syscall(SYS_mprotect, page, 4096, prot | PROT_WRITE) != 0)
		return 0;
	__atomic_store_n(slot, v, __ATOMIC_RELEASE);
	syscall(SYS_mprotect, page, 4096, prot);
	return 1;
}

/* ---- the hooks: our own exported functions ---------------------------------------------------- */

static const void *dyn_ptr(const struct dl_phdr_info *info, Elf64_Addr p)
{
	return (const void *)(p < info->dlpi_addr ? p + info->dlpi_addr : p);
}

static const Elf64_Dyn *dynamic_of(const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			return (const Elf64_Dyn *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	return NULL;
}

/* An object's dynamic entries, by tag (the standard ones, below DT_NUM) and DT_GNU_HASH; 0 where
 * the object has none. Read in one loop, for both callbacks below. */
struct dyn {
	Elf64_Xword tag[DT_NUM];
	Elf64_Addr gnu_hash;
};

/* Fills dy from info's dynamic section; 0 when the object has none. */
static int read_dynamic(const struct dl_phdr_info *info, struct dyn *dy)
{
	const Elf64_Dyn *d = dynamic_of(info);
	memset(dy, 0, sizeof *dy);
	if (!d)
		return 0;
	for (; d->d_tag != DT_NULL; d++)
		if (d->d_tag > 0 && d->d_tag < DT_NUM)
			dy->tag[d->d_tag] = d->d_un.d_val;
		else if (d->d_tag == DT_GNU_HASH)
			dy->gnu_hash = d->d_un.d_ptr;
	return 1;
}

/* The table an address entry points at; NULL when the entry is absent. */
static const void *dyn_table(const struct dl_phdr_info *info, Elf64_Addr p)
{
	return p ? dyn_ptr(info, p) : NULL;
}

/* Number of dynamic symbols, from the GNU hash table (the highest index any chain reaches). */
static uint32_t gnu_nsyms(const uint32_t *ht)
{
	const Elf64_Addr *bloom = (const Elf64_Addr *)(ht + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + ht[2]), *chain = buckets + ht[0];
	uint32_t max = 0;
	for (uint32_t b = 0; b < ht[0]; b++)
		if (buckets[b] > max)
			max = buckets[b];
	if (max < ht[1])
		return ht[1];
	while (!(chain[max - ht[1]] & 1))
		max++;
	return max + 1;
}

static void add_hook(const char *name, uintptr_t ours)
{
	void *real;
	if (nhooks == HOOKS_MAX)
		return;
	real = ct_dlsym_next(name, (void *)ours);
	if (!real)
		return;
	hooks[nhooks].name = name;
	hooks[nhooks].len = strlen(name);
	hooks[nhooks].ours = ours;
	hooks[nhooks].real = (uintptr_t)real;
	nhooks++;
}

static int own_hooks_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct dyn dy;
	uint32_t n;
	(void)size;
	(void)data;
	if (info->dlpi_addr != self_base || !read_dynamic(info, &dy))
		return 0;
	const Elf64_Sym *sym = dyn_table(info, dy.tag[DT_SYMTAB]);
	const char *str = dyn_table(info, dy.tag[DT_STRTAB]);
	const uint32_t *gh = dyn_table(info, dy.gnu_hash), *h = dyn_table(info, dy.tag[DT_HASH]);
	if (!sym || !str || (!gh && !h))
		return 1;
	n = gh ? gnu_nsyms(gh) : h[1];
	for (uint32_t i = 1; i < n; i++) {
		const char *name = str + sym[i].st_name;
		if (sym[i].st_shndx == SHN_UNDEF || ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC ||
		    ELF64_ST_BIND(sym[i].st_info) == STB_LOCAL || !strncmp(name, "credtrace_", 10))
			continue;
		add_hook(name, info->dlpi_addr + sym[i].st_value);
	}
	return 1;
}

/* Lists our hooks and resolves what each one wraps. Once, at the first attach. */
static void collect_hooks(void)
{
	Dl_info di;
	uintptr_t entry;
	if (nhooks || !dladdr((void *)collect_hooks, &di))
		return;
	self_base = (uintptr_t)di.dli_fbase;
	dl_iterate_phdr(own_hooks_cb, NULL);
	entry = (uintptr_t)ct_dlopen_entry;
	ct_real_dlopen = (void *(*)(const char *, int))ct_dlsym_next("dlopen", (void *)entry);
	if (ct_real_dlopen)
		add_hook("dlopen", entry);
}

static const struct hook *find_hook(const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i < nhooks; i++)
		if (hooks[i].len == len && hooks[i].name[0] == name[0] && !memcmp(hooks[i].name, name, len))
			return &hooks[i];
	return NULL;
}

/* ---- one pass over the loaded objects --------------------------------------------------------- */

struct pass {
	int restore;
	int slots;
};

static void one_table(const struct dl_phdr_info *info, const Elf64_Rela *rel, size_t bytes,
                      const Elf64_Sym *sym, const char *str, uintptr_t lo, uintptr_t hi, struct pass *ps)
{
	for (size_t i = 0; i < bytes / sizeof *rel; i++) {
		unsigned type = (unsigned)ELF64_R_TYPE(rel[i].r_info);
		const struct hook *h;
		uintptr_t *slot, cur;
		if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || !ELF64_R_SYM(rel[i].r_info))
			continue;
		if (!(h = find_hook(str + sym[ELF64_R_SYM(rel[i].r_info)].st_name)))
			continue;
		slot = (uintptr_t *)(info->dlpi_addr + rel[i].r_offset);
		if (prot_of((uintptr_t)slot) < 0)
			continue;
		cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		if (ps->restore) {
			if (cur == h->ours)
				ps->slots += store(slot, h->real);
		} else if (cur != h->ours && (cur == h->real || (cur >= lo && cur < hi))) {
			ps->slots += store(slot, h->ours);
		}
	}
}

static int object_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct pass *ps = data;
	struct dyn dy;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	(void)size;
	if (info->dlpi_addr == self_base || !info->dlpi_name || !strncmp(info->dlpi_name, "linux-vdso", 10) ||
	    !read_dynamic(info, &dy))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD) {
			uintptr_t a = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
			if (a < lo)
				lo = a;
			if (a + info->dlpi_phdr[i].p_memsz > hi)
				hi = a + info->dlpi_phdr[i].p_memsz;
		}
	const Elf64_Rela *jmprel = dyn_table(info, dy.tag[DT_JMPREL]),
	                 *rela = dyn_table(info, dy.tag[DT_RELA]);
	const Elf64_Sym *sym = dyn_table(info, dy.tag[DT_SYMTAB]);
	const char *str = dyn_table(info, dy.tag[DT_STRTAB]);
	size_t jmpsz = dy.tag[DT_PLTRELSZ], relasz = dy.tag[DT_RELASZ];
	if (!sym || !str)
		return 0;
	if (jmprel)
		one_table(info, jmprel, jmpsz, sym, str, lo, hi, ps);
	if (rela)
		one_table(info, rela, relasz, sym, str, lo, hi, ps);
	return 0;
}

/* -1 when another thread is in a pass for longer than about a second: the caller may be an injected
 * call on a thread that must not wait for ever (credtrace attach and detach then say "busy"). */
static int pass(int restore)
{
	struct pass ps = {restore, 0};
	for (long spins = 0; atomic_flag_test_and_set_explicit(&patch_lock, memory_order_acquire); spins++) {
		if (spins > 20000)
			return -1;
		syscall(SYS_nanosleep, &(struct timespec){0, 50000}, NULL);
	}
	read_maps();
	dl_iterate_phdr(object_cb, &ps);
	atomic_flag_clear_explicit(&patch_lock, memory_order_release);
	return ps.slots;
}

/* Binds every object's slots to the hooks (on) or back to libc; returns how many, or -1 when
 * another thread's pass went on too long (active is then as it was). */
static int bind_all(int on)
{
	int n;
	active = on;
	if ((n = pass(!on)) < 0)
		active = !on;
	return n;
}

int ct_got_patch(void)
{
	collect_hooks();
	return bind_all(1);
}

int ct_got_restore(void)
{
	return bind_all(0);
}

int ct_got_hooks(void)
{
	return nhooks;
}

/* ---- dlopen: bind the objects it loads -------------------------------------------------------- */

/* glibc's dlopen looks at its return address to pick the caller's RPATH/RUNPATH, $ORIGIN and
 * namespace. A path with a slash and no '$' does not depend on the caller: the call goes through
 * ct_dlopen_post, which binds the new objects. Any other name jumps to libc's dlopen with the
 * caller's return address untouched (objects it loads are bound at the next dlopen with a path). */
CT_HIDDEN int ct_dlopen_wants_post(const char *file);
int ct_dlopen_wants_post(const char *file)
{
	return active && file && strchr(file, '/') && !strchr(file, '$');
}

CT_HIDDEN void *ct_dlopen_post(const char *file, int mode);
void *ct_dlopen_post(const char *file, int mode)
{
	void *h = ct_real_dlopen(file, mode);
	CT_KEEP_ERRNO;
	if (h && active)
		pass(0);
	return h;
}

__asm__(".text\n"
        ".p2align 4\n"
        ".globl ct_dlopen_entry\n"
        ".hidden ct_dlopen_entry\n"
        ".type ct_dlopen_entry,@function\n"
        "ct_dlopen_entry:\n"
        "\tpush %rdi\n"
        "\tpush %rsi\n"
        "\tsub $8, %rsp\n"
        "\tcall ct_dlopen_wants_post\n"
        "\tadd $8, %rsp\n"
        "\tpop %rsi\n"
        "\tpop %rdi\n"
        "\ttest %eax, %eax\n"
        "\tjnz ct_dlopen_post\n"
        "\tjmp *ct_real_dlopen(%rip)\n"
        ".size ct_dlopen_entry, .-ct_dlopen_entry\n");
