/* SPDX-License-Identifier: MIT */
/* backtrace.c: call sites for records: the stashed Python frame, or native frames via libunwind. */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <libunwind.h> /* types only: libunwind is dlopen'ed, never linked (SHIM-RULES) */
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "ct.h"

#define BT_MAX    16  /* frames per site: enough for the caller chain, small enough for one line */
#define BT_BUDGET 256 /* backtraces per process; then sites say "bt":"limit" */
#define MOD_MAX   64  /* modules named per process; frames in others get module id 0 */
#define BID_MAX   64  /* build id bytes kept (GNU ids are 20) */

__thread struct ct_pysite ct_pysite;
CT_STATE int ct_bt_child_fresh;

extern char **environ;

/* libunwind, resolved through our own handle so that a host's own libunwind is never mixed in
 * (heaptrack PR #43). */
static struct {
	int (*getcontext)(unw_context_t *);
	int (*init_local)(unw_cursor_t *, unw_context_t *);
	int (*step)(unw_cursor_t *);
	int (*get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
	int (*get_proc_info)(unw_cursor_t *, unw_proc_info_t *);
	int (*is_signal_frame)(unw_cursor_t *);
} uw CT_STATE;
CT_STATE static int bt_ready;
CT_STATE static int bt_used; /* backtraces taken by this process (atomic) */
/* libunwind is loaded at the first site that wants a backtrace, not in the constructor: most
 * processes of a traced tree (shells, helpers, `true`) never need one, and loading it costs about
 * 300k instructions and twenty system calls. 1: not yet loaded; 2: being loaded by one thread. */
CT_STATE static int bt_lazy;
static char bt_off_why[64] = "off";
CT_STATE static int site_lock;              /* guards the site cache below */
CT_STATE static uintptr_t self_lo, self_hi; /* libcredtrace.so's own mapping: its frames are dropped */
/* libunwind >= 1.2 validates memory by writing to a pipe it opens among the application's fds and
 * keeps in a static; ssh lost data that way after closefrom() (libunwind#274, #291), and a program
 * that lists or counts its fds meets it. No descriptor of ours may outlive a hook call: libunwind's
 * pipe is closed after the warm-up, and each capture puts a pipe of its own (high fds) into
 * libunwind's static and closes it before returning. unw_slot points at that static; capture_busy
 * lets one capture at a time use it (a second one, on another thread or in a signal handler, takes
 * no backtrace rather than wait). */
CT_STATE static int *unw_slot;
CT_STATE static int capture_busy;
CT_STATE static long pipe_lo; /* lowest fd for the lent pipe, from RLIMIT_NOFILE at load */

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

static void copy_str(char *dst, size_t n, const char *s)
{
	size_t i = 0;
	if (!dst || n == 0)
		return;
	for (; s && s[i] && i + 1 < n; i++)
		dst[i] = s[i];
	dst[i] = 0;
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
	o->name = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : index == 0 ? ct_exe : "";
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

static int subs_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(unsigned long long *)data = info->dlpi_subs;
	return 1;
}

/* ---- libunwind's validation pipe ------------------------------------------------------------ */

static unsigned long fifo_ino(int fd)
{
	struct stat st;
	if (fd < 0 || syscall(SYS_fstat, fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return 0;
	return (unsigned long)st.st_ino;
}

/* Writable segments of the object holding addr: where libunwind keeps its statics. */
struct rw_arg {
	uintptr_t addr;
	uintptr_t s[4], e[4];
	int n;
};

static int rw_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct rw_arg *a = data;
	int hit = 0, n = 0;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t s = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD)
			continue;
		if (a->addr >= s && a->addr < s + ph->p_memsz)
			hit = 1;
		if ((ph->p_flags & PF_W) && n < 4) {
			a->s[n] = s;
			a->e[n++] = s + ph->p_memsz;
		}
	}
	if (hit)
		a->n = n;
	return hit;
}

#define PIPE_CANDIDATES 64
/* Before the first unwind: the int pairs of libunwind's writable data still {-1,-1}. */
static int pipe_candidates(const struct rw_arg *a, int **c)
{
	int n = 0;
	for (int k = 0; k < a->n; k++)
		for (uintptr_t p = (a->s[k] + 3) & ~(uintptr_t)3; p + 8 <= a->e[k]; p += 4) {
			int *v = (int *)p;
			if (v[0] == -1 && v[1] == -1) {
				if (n == PIPE_CANDIDATES)
					return -1;
				c[n++] = v;
			}
		}
	return n;
}

/* A raw close, invisible to every interposer. Under ThreadSanitizer, through libc instead (its
 * interceptor, then ours, which the guard passes through): TSan keeps a table of open fds, and an fd
 * it still believes is libunwind's pipe, reused by the program's next socket(), reads as a race. */
static void close_quietly(int fd)
{
#if defined(__SANITIZE_THREAD__)
	close(fd);
#else
	syscall(SYS_close, fd);
#endif
}

/* The lowest fd for our pipe: far above what programs use, as F_DUPFD_CLOEXEC allows. */
static long high_fd(void)
{
	struct rlimit rl;
	long lo = 512;
	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 && rl.rlim_cur < 1024)
		lo = (long)rl.rlim_cur / 2;
	return lo;
}

/* For one capture: a non-blocking pipe (libunwind reads it to see whether it is still open) in
 * high fds, put into libunwind's static. 0 when none could be made: the capture is skipped, since
 * libunwind would otherwise open one among the program's fds. */
static int pipe_lend(void)
{
	int p[2];
	long lo = pipe_lo, r, w;
	if (syscall(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK) != 0)
		return 0;
	/* F_DUPFD fails when the program lowered RLIMIT_NOFILE below lo since: no capture then */
	r = syscall(SYS_fcntl, p[0], F_DUPFD_CLOEXEC, lo);
	w = r < 0 ? -1 : syscall(SYS_fcntl, p[1], F_DUPFD_CLOEXEC, lo);
	/* Raw, even under TSan: it never saw these low fds made, and a close through its interceptor
	 * would race with the program's own earlier use of the same numbers. */
	syscall(SYS_close, p[0]);
	syscall(SYS_close, p[1]);
	if (r < 0 || w < 0) {
		if (r >= 0)
			close_quietly((int)r);
		return 0;
	}
	__atomic_store_n(&unw_slot[0], (int)r, __ATOMIC_RELAXED);
	__atomic_store_n(&unw_slot[1], (int)w, __ATOMIC_RELAXED);
	return 1;
}

/* After the capture: close whatever libunwind's static now holds (ours, or one it reopened). */
static void pipe_take_back(void)
{
	int r = __atomic_exchange_n(&unw_slot[0], -1, __ATOMIC_RELAXED);
	int w = __atomic_exchange_n(&unw_slot[1], -1, __ATOMIC_RELAXED);
	if (r >= 0)
		close_quietly(r);
	if (w >= 0)
		close_quietly(w);
}

/* After the warm-up: the one pair that now holds both ends of one new pipe is libunwind's; it is
 * closed and remembered, to be lent a pipe at each capture. Returns 0 when libunwind must not be
 * used: a pipe we cannot tell apart. */
static int pipe_relocate(int **c, int n)
{
	int *found = NULL;
	for (int i = 0; i < n; i++) {
		int *v = c[i];
		if (v[0] == -1 && v[1] == -1)
			continue;
		unsigned long ino = fifo_ino(v[0]);
		if (!ino || fifo_ino(v[1]) != ino)
			continue;
		if (found)
			return 0;
		found = v;
	}
	if (!found)
		return 1; /* a libunwind without the pipe */
	unw_slot = found;
	pipe_lo = high_fd();
	pipe_take_back();
	return 1;
}

/* ---- capture -------------------------------------------------------------------------------- */

static int in_self(uintptr_t ip)
{
	return ip >= self_lo && ip < self_hi;
}

/* Return addresses of the caller's frames, innermost first, the shim's own frames dropped.
 * A return address points after the call: ip - 1 is inside it (heaptrack BUG 439897), except for
 * the frame a signal interrupted. Stops at the first frame without unwind info instead of letting
 * libunwind guess along the frame-pointer chain: its guesses validate memory through a pipe it
 * keeps among the application's fds, which a daemon may have closed and reused. */
int ct_bt_capture(uintptr_t *ips, int max)
{
	if (!__atomic_load_n(&bt_ready, __ATOMIC_ACQUIRE) || max <= 0)
		return 0;
	CT_SAVE_ERRNO;
	if (unw_slot) {
		if (__atomic_exchange_n(&capture_busy, 1, __ATOMIC_ACQUIRE)) {
			CT_RESTORE_ERRNO;
			return 0;
		}
		if (!pipe_lend()) {
			__atomic_store_n(&capture_busy, 0, __ATOMIC_RELEASE);
			CT_RESTORE_ERRNO;
			return 0;
		}
	}
	int saved_guard = ct_guard;
	ct_guard = 1; /* libunwind's own libc calls pass straight through our hooks */
	unw_context_t uc;
	unw_cursor_t cur;
	int n = 0, after_signal = 0;
	if (uw.getcontext(&uc) != 0 || uw.init_local(&cur, &uc) != 0)
		goto out;
	for (int depth = 0; n < max && depth < 4 * max; depth++) {
		unw_word_t ip;
		unw_proc_info_t pi;
		if (uw.get_reg(&cur, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		if (!in_self(ip))
			ips[n++] = depth > 0 && !after_signal ? ip - 1 : ip;
		after_signal = uw.is_signal_frame && uw.is_signal_frame(&cur) > 0;
		if (uw.get_proc_info(&cur, &pi) < 0 || uw.step(&cur) <= 0)
			break;
	}
out:
	ct_guard = saved_guard;
	if (unw_slot) {
		pipe_take_back();
		__atomic_store_n(&capture_busy, 0, __ATOMIC_RELEASE);
	}
	CT_RESTORE_ERRNO;
	return n;
}

/* ---- init ----------------------------------------------------------------------------------- */

static void *resolve(void *h, const char *name, int *missing)
{
	void *p = dlsym(h, name);
	if (!p)
		*missing = 1;
	return p;
}

/* Loads and warms up libunwind. Returns 1 when backtraces can be taken, else 0 with why. */
static int bt_load(char *why, size_t whylen)
{
	/* CREDTRACE_LIBUNWIND names the library to load instead (tests make it unloadable). */
	const char *lib = ct_config.libunwind;
	void *h = lib && lib[0] ? dlopen(lib, RTLD_NOW | RTLD_LOCAL)
	                        : dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h && !(lib && lib[0]))
		h = dlopen("libunwind.so", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		copy_str(why, whylen, "off: libunwind not found");
		return 0;
	}
	int missing = 0;
	*(void **)&uw.getcontext = resolve(h, "_Ux86_64_getcontext", &missing);
	*(void **)&uw.init_local = resolve(h, "_ULx86_64_init_local", &missing);
	*(void **)&uw.step = resolve(h, "_ULx86_64_step", &missing);
	*(void **)&uw.get_reg = resolve(h, "_ULx86_64_get_reg", &missing);
	*(void **)&uw.get_proc_info = resolve(h, "_ULx86_64_get_proc_info", &missing);
	*(void **)&uw.is_signal_frame = dlsym(h, "_ULx86_64_is_signal_frame"); /* optional */
	if (missing) {
		dlclose(h);
		copy_str(why, whylen, "off: libunwind lacks x86_64 local unwinding");
		return 0;
	}
	/* Warm up: libunwind's first use initialises its caches, may allocate and opens its pipe; do
	 * it here rather than in the middle of some capture. */
	struct rw_arg rw = {(uintptr_t)uw.step, {0}, {0}, 0};
	int *cand[PIPE_CANDIDATES];
	dl_iterate_phdr(rw_cb, &rw);
	int ncand = pipe_candidates(&rw, cand);
	__atomic_store_n(&bt_ready, 1, __ATOMIC_RELEASE);
	uintptr_t ips[BT_MAX];
	ct_bt_capture(ips, BT_MAX);
	if (ncand < 0 || !pipe_relocate(cand, ncand)) {
		__atomic_store_n(&bt_ready, 0, __ATOMIC_RELEASE);
		copy_str(why, whylen, "off: libunwind's validation pipe not found");
		return 0;
	}
	return 1;
}

/* Loading a library takes the loader's and malloc's locks: never from a signal handler that may
 * have interrupted their holder. A handler runs with its signal blocked (or on the alternate
 * stack), so a non-empty signal mask or the alternate stack defer the load to a later site. */
static int load_is_safe(void)
{
	unsigned long mask = 0;
	stack_t ss;
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, sizeof mask) != 0 || mask != 0)
		return 0;
	if (syscall(SYS_sigaltstack, NULL, &ss) != 0 || (ss.ss_flags & SS_ONSTACK))
		return 0;
	return 1;
}

int ct_bt_init(char *why, size_t whylen)
{
	if (!ct_config.backtrace) {
		copy_str(why, whylen, "off: CREDTRACE_BACKTRACE=0");
		return ct_cfg_backtrace = 0;
	}
	struct obj self = {0};
	if (find_obj((uintptr_t)&ct_bt_init, &self)) {
		self_lo = self.lo;
		self_hi = self.hi;
	}
	mods_pid = ct_pid;
	bt_lazy = 1;
	copy_str(why, whylen, "libunwind");
	return ct_cfg_backtrace = 1;
}

/* A fork child has a new trace file (modules must be named again), no other threads (the lock may
 * have been held by one), and a budget of its own. Called from the atfork child handler. */
void ct_bt_fork_child(void)
{
	__atomic_store_n(&site_lock, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&mod_lock, 0, __ATOMIC_RELAXED);
	/* mods[].emitted stay as they are: the first frames this child records see mods_pid is not
	 * its pid and clear them then (a child that records none never writes that table's pages). */
	__atomic_store_n(&bt_used, 0, __ATOMIC_RELAXED);
	/* A fork while another thread was unwinding: that thread's lent pipe is not this child's. */
	if (unw_slot) {
		pipe_take_back();
		__atomic_store_n(&capture_busy, 0, __ATOMIC_RELAXED);
	}
}

/* ---- frames and modules --------------------------------------------------------------------- */

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
	copy_str(m->path, sizeof m->path, o->name);
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
	pid_t pid = ct_pid;    /* ct_self() already adopted a child that ran no atfork handler */
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

/* ---- sites ---------------------------------------------------------------------------------- */

/* Sites deduplicated by call site (SHIM-RULES): a hook that knows its caller's return address puts
 * it in ct_site_key; the frames unwound there the first time serve every later record from the
 * same address (a fork or connect in a loop costs one backtrace, not one each). A deeper stack
 * that differs below that address shows the first one's frames. Own memory only (never in a vfork
 * child); entries stay valid in fork children, whose file names the modules again. */
__thread uintptr_t ct_site_key;
#define SITE_CACHE 64
static struct {
	uintptr_t key;
	int n;
	uintptr_t ips[BT_MAX];
} site_cache[SITE_CACHE];

static int site_cache_get(uintptr_t key, uintptr_t *ips)
{
	int n = 0, i = (int)((key >> 4) % SITE_CACHE);
	while (__atomic_exchange_n(&site_lock, 1, __ATOMIC_ACQUIRE))
		;
	if (site_cache[i].key == key) {
		n = site_cache[i].n;
		for (int k = 0; k < n; k++)
			ips[k] = site_cache[i].ips[k];
	}
	__atomic_store_n(&site_lock, 0, __ATOMIC_RELEASE);
	return n;
}

static void site_cache_put(uintptr_t key, const uintptr_t *ips, int n)
{
	int i = (int)((key >> 4) % SITE_CACHE);
	while (__atomic_exchange_n(&site_lock, 1, __ATOMIC_ACQUIRE))
		;
	site_cache[i].key = key;
	site_cache[i].n = n;
	for (int k = 0; k < n; k++)
		site_cache[i].ips[k] = ips[k];
	__atomic_store_n(&site_lock, 0, __ATOMIC_RELEASE);
}

/* Sites shared by fork siblings. The children of a prefork server or a fork loop reach the same
 * call sites, each in its own copy of the cache above, each unwinding them again: in a fork child
 * that is the most expensive part of its first record (libunwind masks signals twice per frame).
 * A MAP_SHARED page made in the parent before a fork lets the first child's frames serve its
 * siblings and the parent. Return addresses are only comparable where the same objects sit at the
 * same addresses: a region serves only processes whose loader counters (objects added, removed)
 * still equal those of its maker when it was made, i.e. that loaded and unloaded nothing since.
 * No process ever waits on another: an entry being written is skipped (a writer killed half-way
 * leaves its slot unused), a torn read is detected by the sequence number and is a miss. */
#define SHARED_SITES   64
#define SHARED_REGIONS 4 /* regions one process makes (one per layout it forks with), never unmapped */
struct shared_site {
	unsigned seq; /* odd while being written */
	int n;
	uintptr_t key, sp;
	uintptr_t ips[BT_MAX];
};
struct shared_sites {
	unsigned long long adds, subs;
	struct shared_site e[SHARED_SITES];
};
CT_STATE static struct shared_sites *shsites;
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

static struct shared_sites *shared_for_us(void)
{
	struct shared_sites *sh = __atomic_load_n(&shsites, __ATOMIC_ACQUIRE);
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
	struct shared_sites *sh = __atomic_load_n(&shsites, __ATOMIC_ACQUIRE);
	void *p;
	if (!__atomic_load_n(&bt_ready, __ATOMIC_ACQUIRE) || ct_guard ||
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
static int shared_get(struct shared_sites *sh, uintptr_t key, uintptr_t sp, uintptr_t *ips)
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

static void shared_put(struct shared_sites *sh, uintptr_t key, uintptr_t sp, const uintptr_t *ips, int n)
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

/* Why no native backtrace may be taken here, or NULL when one may. */
static const char *bt_unsafe(void)
{
	if (!ct_cfg_backtrace)
		return "off";
	enum ct_self s = ct_self();
	if (s == CT_SELF_VFORK)
		return "vfork"; /* the parent's memory: no tables, no loader locks */
	if (s == CT_SELF_FORKED)
		ct_bt_child_fresh = 1; /* ran no atfork handler: same rule as a fork child */
	if (ct_bt_child_fresh)
		return "fresh-fork";
	return NULL;
}

/* Why no new backtrace may be taken here (after bt_unsafe said it is safe), or NULL. */
static const char *bt_refusal(void)
{
	if (__atomic_load_n(&bt_lazy, __ATOMIC_ACQUIRE)) {
		int one = 1;
		if (!load_is_safe() ||
		    !__atomic_compare_exchange_n(&bt_lazy, &one, 2, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return "deferred"; /* a signal handler, or another thread is loading it */
		if (!bt_load(bt_off_why, sizeof bt_off_why))
			ct_cfg_backtrace = 0;
		__atomic_store_n(&bt_lazy, 0, __ATOMIC_RELEASE);
		if (!ct_cfg_backtrace)
			return bt_off_why;
	}
	if (!__atomic_load_n(&bt_ready, __ATOMIC_ACQUIRE))
		return bt_off_why;
	if (__atomic_fetch_add(&bt_used, 1, __ATOMIC_RELAXED) >= BT_BUDGET)
		return "limit";
	return NULL;
}

void ct_rec_site(struct ct_rec *r)
{
	/* Frames inside libcredtrace.so are dropped by address: no count of frames to skip. */
	ct_rec_obj(r, "site");
	if (ct_pysite.set) {
		ct_rec_obj(r, ct_pysite.lang ? ct_pysite.lang : "py");
		ct_rec_str(r, "file", ct_pysite.file);
		ct_rec_int(r, "line", ct_pysite.line);
		ct_rec_str(r, "func", ct_pysite.func);
		ct_rec_bool(r, "module_level", ct_pysite.module_level);
		ct_rec_end(r);
		/* A vfork child's exec* may be tried once per PATH entry (CPython's subprocess): keep the
		 * site for every attempt; the memory is the parent's, whose next event replaces it. */
		if (ct_self() != CT_SELF_VFORK)
			ct_pysite.set = 0;
	} else {
		const char *why = bt_unsafe();
		uintptr_t key = ct_site_key, ips[BT_MAX];
		int n = 0;
		if (!why) {
			/* Shared entries also match the stack depth: siblings have the same stack addresses,
			 * so the same call path gives the same frame address here. */
			uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
			struct shared_sites *sh = NULL;
			ct_site_key = 0;
			n = key ? site_cache_get(key, ips) : 0;
			if (n == 0 && key && (sh = shared_for_us()) != NULL)
				n = shared_get(sh, key, sp, ips); /* not copied to this process's cache: one
				                                     page fewer written in a fork child */
			if (n == 0 && !(why = bt_refusal())) {
				n = ct_bt_capture(ips, BT_MAX);
				if (key && n > 0) {
					site_cache_put(key, ips, n);
					/* sh: looked up above, on the private cache's miss */
					if (sh)
						shared_put(sh, key, sp, ips, n);
				}
			}
		}
		if (n > 0)
			ct_rec_frames(r, ips, n);
		else
			ct_rec_str(r, "bt", why ? why : "none");
	}
	ct_rec_end(r);
}
