/* SPDX-License-Identifier: MIT */
/* env.c: credential variables at start, their reads (getenv, secure_getenv, Python's os.environ)
 * and their writes (setenv, putenv, unsetenv, clearenv, environ replaced). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"

extern char **environ;

CT_STATE static char *(*real_getenv)(const char *);
CT_STATE static char *(*real_secure_getenv)(const char *);
CT_STATE static int (*real_setenv)(const char *, const char *, int);
CT_STATE static int (*real_unsetenv)(const char *);
CT_STATE static int (*real_putenv)(char *);
CT_STATE static int (*real_clearenv)(void);

void ct_env_resolve(void)
{
	real_getenv = (char *(*)(const char *))ct_dlsym_next("getenv", (void *)getenv);
	real_secure_getenv = (char *(*)(const char *))ct_dlsym_next("secure_getenv", (void *)secure_getenv);
	real_setenv = (int (*)(const char *, const char *, int))ct_dlsym_next("setenv", (void *)setenv);
	real_unsetenv = (int (*)(const char *))ct_dlsym_next("unsetenv", (void *)unsetenv);
	real_putenv = (int (*)(char *))ct_dlsym_next("putenv", (void *)putenv);
	real_clearenv = (int (*)(void))ct_dlsym_next("clearenv", (void *)clearenv);
}

const char *ct_env_lookup(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	const char *set;
	if (CT_UNLIKELY(ct_g_late) && envp == environ && (set = ct_attach_setting(name)) != NULL)
		return set; /* attached: the CLI's settings, the target's environment unchanged */
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static uint64_t fnv(const char *s, size_t n, uint64_t h)
{
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}
#define FNV0 1469598103934665603ull

/* ---- the lock shared by the read table and the known-state table --------------------------- */
/* A spinlock held for a few hundred instructions without syscalls; the fork child resets it. */
CT_STATE static int env_lock;
static void lock(void)
{
	ct_spin_lock(&env_lock);
}
static void unlock(void)
{
	ct_spin_unlock(&env_lock);
}

/* ---- reads: one record per (name, site, value); later ones are counted ---------------------- */
#define READS 1024 /* (name, site, value) entries per process; more than the 256 backtraces */
struct read_ent {
	_Atomic uint64_t key; /* 0: empty; published last */
	atomic_ulong count;
	int rid;
	int gen; /* ct_g_hot.read_gen when written: an entry of an older generation is an empty slot */
};
static struct read_ent reads[READS];
/* The table's generation is ct_g_hot.read_gen (in the fork-time cache line, ct.h), bumped in every
 * fork child instead of clearing the table: clearing 24 KiB would copy six pages the child shares
 * with its parent, in every child, most of which never read a credential. next_rid is 0 while this
 * generation has recorded nothing. */
CT_STATE static int next_rid;
CT_STATE static atomic_int reads_full;

static struct read_ent *read_find(uint64_t key)
{
	unsigned i, at = (unsigned)(key % READS);
	for (i = 0; i < READS; i++) {
		struct read_ent *e = &reads[(at + i) % READS];
		uint64_t k = atomic_load_explicit(&e->key, memory_order_acquire);
		if (k == 0 || e->gen != ct_g_hot.read_gen)
			return NULL;
		if (k == key)
			return e;
	}
	return NULL;
}

/* Returns the rid of a new entry, or 0 when key was known (counted) or the table is full. */
static int read_insert(uint64_t key)
{
	unsigned i, at = (unsigned)(key % READS);
	int rid = 0;
	lock();
	for (i = 0; i < READS; i++) {
		struct read_ent *e = &reads[(at + i) % READS];
		uint64_t k = atomic_load_explicit(&e->key, memory_order_relaxed);
		if (k == key && e->gen == ct_g_hot.read_gen) {
			atomic_fetch_add_explicit(&e->count, 1, memory_order_relaxed);
			break;
		}
		if (k == 0 || e->gen != ct_g_hot.read_gen) {
			/* A stale slot is emptied first, so that no reader counts on it half-written. */
			atomic_store_explicit(&e->key, 0, memory_order_release);
			e->gen = ct_g_hot.read_gen;
			e->rid = rid = ++next_rid;
			atomic_store_explicit(&e->count, 1, memory_order_relaxed);
			atomic_store_explicit(&e->key, key, memory_order_release);
			break;
		}
	}
	unlock();
	if (i == READS && !atomic_exchange(&reads_full, 1)) {
		struct ct_rec r;
		ct_rec_begin(&r, "note");
		ct_rec_str(&r, "what", "read table full: further new read sites are not recorded");
		ct_rec_emit(&r);
	}
	return rid;
}

/* The identity of a read: call site and value. libc's getenv returns a pointer into environ, so
 * the pointer names the value (a setenv makes a new one); an absent value is told apart by name. */
static uint64_t read_key(const char *name, const char *value, uint64_t site)
{
	uint64_t k = site * 0x9e3779b97f4a7c15ull;
	if (value)
		k ^= (uintptr_t)value * 0xff51afd7ed558ccdull;
	else
		k = fnv(name, strlen(name), k ^ FNV0);
	return k | 1; /* never 0, the empty slot */
}

static void read_record(const char *fn, const char *name, const char *value, uint64_t key,
                        const struct ct_pysite *py)
{
	size_t nlen = strlen(name);
	struct read_ent *e;
	struct ct_facts f;
	struct ct_rec r;
	int rid;
	if ((e = read_find(key)) != NULL) {
		atomic_fetch_add_explicit(&e->count, 1, memory_order_relaxed);
		return;
	}
	if (!(rid = read_insert(key)))
		return;
	ct_facts_of(name, nlen, value, environ, &f);
	ct_rec_begin(&r, "read");
	ct_rec_str(&r, "fn", fn);
	ct_rec_strn(&r, "name", name, nlen > 128 ? 128 : nlen);
	ct_rec_facts(&r, &f);
	ct_rec_int(&r, "rid", rid);
	ct_rec_int(&r, "gen", ct_g_gen);
	ct_rec_int(&r, "forks", ct_forks_now());
	if (py)
		ct_g_pysite = *py;
	ct_rec_site(&r);
	ct_rec_emit(&r);
}

/* ---- known state of each credential, to see environ replaced behind our back ---------------- */
#define KNOWN 64
struct known {
	char name[64];
	uint64_t vhash; /* in memory only, never written */
	int present;
	int empty;
};
/* Page-aligned: the constructor fills its first entries, one page rather than two. */
static struct known known[KNOWN] __attribute__((aligned(4096)));
CT_STATE static atomic_int nknown; /* published after the entry's name is written */
CT_STATE static char **last_environ;

static struct known *known_slot(const char *name, size_t n)
{
	int i;
	if (n >= sizeof known[0].name)
		return NULL;
	int nk = atomic_load(&nknown);
	for (i = 0; i < nk; i++)
		if (strncmp(known[i].name, name, n) == 0 && known[i].name[n] == 0)
			return &known[i];
	if (nk == KNOWN)
		return NULL;
	memcpy(known[nk].name, name, n);
	known[nk].name[n] = 0;
	known[nk].present = 0;
	atomic_store(&nknown, nk + 1);
	return &known[nk];
}

static int known_has(const char *name, size_t n)
{
	int i, nk = atomic_load(&nknown);
	for (i = 0; i < nk; i++)
		if (strncmp(known[i].name, name, n) == 0 && known[i].name[n] == 0)
			return 1;
	return 0;
}

static void known_set(const char *name, size_t n, const char *value)
{
	struct known *k;
	lock();
	if ((k = known_slot(name, n)) != NULL) {
		k->present = value != NULL;
		k->empty = !value || !value[0];
		k->vhash = value ? fnv(value, strlen(value), FNV0) : 0;
	}
	unlock();
}

static void set_record(const char *fn, const char *name, size_t nlen, const char *value,
                       const struct ct_facts *prev, int ok, int err)
{
	struct ct_facts f;
	struct ct_rec r;
	ct_facts_of(name, nlen, value, environ, &f);
	ct_rec_begin(&r, "set");
	ct_rec_str(&r, "fn", fn);
	ct_rec_strn(&r, "name", name, nlen > 128 ? 128 : nlen);
	ct_rec_facts(&r, &f);
	if (prev) {
		ct_rec_obj(&r, "prev");
		ct_rec_str(&r, "state", ct_state_name(prev->state));
		ct_rec_int(&r, "len", (long long)prev->len);
		ct_rec_str(&r, "fp", prev->fp);
		ct_rec_end(&r);
	}
	ct_rec_bool(&r, "ok", ok);
	if (!ok)
		ct_rec_int(&r, "errno", err);
	ct_rec_int(&r, "gen", ct_g_gen);
	ct_rec_int(&r, "forks", ct_forks_now());
	ct_rec_site(&r);
	ct_rec_emit(&r);
}

/* The program may assign environ itself (or call a setenv we do not see): compare every
 * credential with what we last knew and record what changed. Called on slow paths only. */
int ct_env_replaced(void)
{
	return environ != last_environ;
}

void ct_env_check_replaced(void)
{
	char **e;
	int i;
	if (environ == last_environ)
		return;
	last_environ = environ;
	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		struct known *k;
		uint64_t h;
		int changed;
		if (!eq || !ct_cred_namen(*e, (size_t)(eq - *e)))
			continue;
		h = fnv(eq + 1, strlen(eq + 1), FNV0);
		lock();
		k = known_slot(*e, (size_t)(eq - *e));
		changed = k && (!k->present || k->vhash != h);
		if (k) {
			k->present = 1;
			k->empty = !eq[1];
			k->vhash = h;
		}
		unlock();
		if (changed)
			set_record("environ", *e, (size_t)(eq - *e), eq + 1, NULL, 1, 0);
	}
	for (i = 0; i < atomic_load(&nknown); i++) {
		if (known[i].present && !ct_env_lookup(environ, known[i].name)) {
			known[i].present = 0;
			set_record("environ", known[i].name, strlen(known[i].name), NULL, NULL, 1, 0);
		}
	}
}

/* What a new program's environment lost compared with the caller's credentials as last known: at
 * start, after each write we saw, and at each check for a replaced environ. Comparing with that
 * record rather than with environ itself catches a fork child that assigned environ just before
 * exec (libuv does, for Node's child_process). Read only, no lock: safe in a vfork child. */
void ct_env_diff(struct ct_rec *r, char *const envp[])
{
	static const char *const keys[] = {"lost", "emptied", "changed"};
	int k, i, nk = atomic_load(&nknown);
	ct_rec_str(r, "env", envp == environ && environ == last_environ ? "inherit" : "custom");
	for (k = 0; k < 3; k++) {
		ct_rec_arr(r, keys[k]);
		for (i = 0; i < nk; i++) {
			const struct known *kn = &known[i];
			const char *nv;
			int kind;
			if (!kn->present)
				continue;
			nv = ct_env_lookup(envp, kn->name);
			if (!nv)
				kind = 0;
			else if (!kn->empty && !nv[0])
				kind = 1;
			else if (fnv(nv, strlen(nv), FNV0) != kn->vhash)
				kind = 2;
			else
				continue;
			if (kind == k)
				ct_rec_str(r, NULL, kn->name);
		}
		ct_rec_end(r);
	}
}

/* ---- start ---------------------------------------------------------------------------------- */
void ct_env_snapshot(char **argv)
{
	struct ct_rec r;
	char **e;
	(void)argv;
	last_environ = environ;
	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		struct ct_facts f;
		size_t n;
		if (!eq || !ct_cred_namen(*e, (size_t)(eq - *e)))
			continue;
		n = (size_t)(eq - *e);
		if (known_has(*e, n))
			continue; /* a duplicate name: getenv sees the first one, recorded already */
		ct_facts_of(*e, n, eq + 1, environ, &f);
		ct_rec_begin(&r, "env");
		ct_rec_strn(&r, "name", *e, n > 128 ? 128 : n);
		ct_rec_facts(&r, &f);
		ct_rec_emit(&r);
		known_set(*e, n, eq + 1);
	}
	ct_feature_snapshot(environ);
}

/* ---- hooks ---------------------------------------------------------------------------------- */
/* errno: libc's getenv and secure_getenv never set it; everything else a hook does for its record
 * runs inside a CT_KEEP_ERRNO scope (ct_self's kcmp and a fork child's getrandom can fail under a
 * seccomp profile, a record's write can fail: tests/cases/10-env-errno.sh). */

/* The part of getenv and secure_getenv that runs for credential names only. */
static __attribute__((noinline)) char *read_slow(char *(*real)(const char *), const char *fn,
                                                 const char *name, uintptr_t site)
{
	char *v;
	struct read_ent *e;
	uint64_t key;
	if (CT_UNLIKELY(!real)) /* before the constructor: no dlsym, no allocation */
		return (char *)ct_env_lookup(environ, name);
	v = real(name);
	if (!ct_g_on || ct_g_guard || ct_g_node_mute)
		return v;
	/* Repeated reads: one probe of a lock-free table and an atomic add, no syscall. */
	key = read_key(name, v, site);
	if ((e = read_find(key)) != NULL) {
		atomic_fetch_add_explicit(&e->count, 1, memory_order_relaxed);
		return v;
	}
	/* From here on system calls are made (ct_self, the record's write); above, none. */
	CT_KEEP_ERRNO;
	if (ct_self() == CT_SELF_VFORK) /* shares our memory: record nothing */
		return v;
	ct_g_guard = 1;
	ct_g_site_key = site;
	ct_env_check_replaced();
	read_record(fn, name, v, key, NULL);
	ct_g_guard = 0;
	return v;
}

/* The last credential name this thread looked up, and its bytes: a program that reads one key in a
 * loop passes the same pointer each time, and comparing the bytes (the pointer may be a reused
 * buffer) costs a tenth of classifying the name again. */
static __thread const char *cred_last;
static __thread char cred_last_copy[64];

static int is_cred_cached(const char *name)
{
	size_t n;
	if (name == cred_last && strcmp(name, cred_last_copy) == 0)
		return 1;
	if (!ct_cred_name(name))
		return 0;
	n = strlen(name);
	if (n < sizeof cred_last_copy) {
		cred_last = NULL; /* a signal handler between these lines sees no half-written entry */
		memcpy(cred_last_copy, name, n + 1);
		cred_last = name;
	}
	return 1;
}

/* Names of six bytes or more, and every name before init: the full name check, then libc. */
static __attribute__((noinline)) char *read_maybe(char *(*real)(const char *), const char *fn,
                                                  const char *name, uintptr_t site)
{
	if (CT_LIKELY(real != NULL) && CT_LIKELY(name[0] != CT_NODE_MARK) && CT_LIKELY(!is_cred_cached(name)))
		return real(name);
	if (name[0] == CT_NODE_MARK && real) {
		if (fn[0] == 'g') /* the adapters' messages come through getenv only */
			return ct_node_msg(real, name);
		if (!is_cred_cached(name))
			return real(name);
	}
	return read_slow(real, fn, name, site);
}

/* getenv and secure_getenv: return exactly what libc returns. A credential name is recorded once
 * per (call site, value) and counted after that. Any other name costs a few byte tests and a tail
 * call: names shorter than the shortest credential name (HOME, TZ, LANG) never leave the hook's
 * first lines, which need no stack frame. Before the constructor resolved libc's function, environ
 * is scanned directly (no dlsym, no allocation). One body for both, as a macro: an inline function
 * let the compiler load the return address on the fast path too (one more load per call). */
#define READ_HOOK(hook, real_ptr)                                                                            \
	CT_EXPORT char *hook(const char *name)                                                               \
	{                                                                                                    \
		char *(*real)(const char *) = real_ptr;                                                      \
		if (CT_LIKELY(real != NULL) && CT_LIKELY(ct_g_cred_name_min == 6) &&                         \
		    (!name[0] || !name[1] || !name[2] || !name[3] || !name[4] || !name[5]))                  \
			return real(name);                                                                   \
		return read_maybe(real, #hook, name, (uintptr_t)__builtin_return_address(0));                \
	}
READ_HOOK(getenv, real_getenv)
READ_HOOK(secure_getenv, real_secure_getenv)

void ct_env_read_lang(const char *fn, const char *name, const char *value, const struct ct_pysite *site)
{
	uint64_t sk;
	CT_KEEP_ERRNO;
	if (!ct_g_on || ct_g_guard || !name || ct_self() == CT_SELF_VFORK)
		return;
	ct_g_guard = 1;
	/* A runtime hands a fresh copy of the value each time: identified by its hash, in memory only. */
	sk = fnv(site->file, strlen(site->file), FNV0) ^ ((uint64_t)site->line << 1);
	sk = fnv(name, strlen(name), sk);
	sk = (value ? fnv(value, strlen(value), sk ^ 0x5bd1e995u) : sk) | 1;
	read_record(fn, name, value, sk, site);
	ct_g_guard = 0;
}

void ct_env_read_py(const char *name, const char *value, const struct ct_pysite *site)
{
	ct_env_read_lang("os.environ", name, value, site);
}

/* ---- writes: setenv, putenv, unsetenv, clearenv ---------------------------------------------- */
/* The call is made exactly as asked; for a credential name the state before and after is
 * recorded with the call site, and errno is the call's. One bracket serves the three hooks that
 * write one name: write_open before the real call, write_close after it. */
struct env_write {
	const char *name; /* the name's bytes, not NUL-terminated for putenv ("NAME=value") */
	size_t n;         /* 0: nothing to record (no name, or one libc rejects) */
	int track;        /* a credential: a set record follows the call */
	struct ct_facts prev;
};

/* Before the constructor the hooks resolve libc's functions themselves. */
static void resolve_now(void)
{
	CT_KEEP_ERRNO;
	ct_real_resolve();
}

static int no_real(void) /* libc without this function (never seen with glibc) */
{
	errno = ENOSYS;
	return -1;
}

static void write_open(struct env_write *w, const char *name, size_t n, uintptr_t site)
{
	char nb[256];
	CT_KEEP_ERRNO;
	w->name = name;
	w->n = n;
	w->track = 0;
	if (!ct_g_on || ct_g_guard || n == 0 || !ct_cred_namen(name, n) || n >= sizeof nb)
		return;
	if (ct_self() == CT_SELF_VFORK)
		return;
	ct_g_guard = 1;
	w->track = 1;
	ct_g_site_key = site;
	ct_env_check_replaced();
	memcpy(nb, name, n);
	nb[n] = 0;
	ct_facts_of(name, n, real_getenv ? real_getenv(nb) : NULL, environ, &w->prev);
}

/* Returns rc, the real call's result, with the real call's errno. */
static int write_close(const struct env_write *w, const char *fn, int rc)
{
	char nb[256];
	const char *now;
	int err = errno;
	CT_KEEP_ERRNO;
	if (!w->track) {
		if (CT_UNLIKELY(w->n && ct_feature_var(w->name, w->n)))
			ct_feature_changed();
		return rc;
	}
	memcpy(nb, w->name, w->n);
	nb[w->n] = 0;
	now = real_getenv ? real_getenv(nb) : NULL;
	set_record(fn, nb, w->n, now, &w->prev, rc == 0, err);
	known_set(nb, w->n, now);
	last_environ = environ;
	ct_g_guard = 0;
	return rc;
}

CT_EXPORT int setenv(const char *name, const char *value, int overwrite)
{
	struct env_write w;
	if (CT_UNLIKELY(!real_setenv))
		resolve_now();
	if (CT_UNLIKELY(!real_setenv))
		return no_real();
	write_open(&w, name, name ? strlen(name) : 0, (uintptr_t)__builtin_return_address(0));
	return write_close(&w, "setenv", real_setenv(name, value, overwrite));
}

CT_EXPORT int unsetenv(const char *name)
{
	struct env_write w;
	if (CT_UNLIKELY(!real_unsetenv))
		resolve_now();
	if (CT_UNLIKELY(!real_unsetenv))
		return no_real();
	/* A name with '=' is EINVAL: nothing to record, and it can be no feature flag either. */
	write_open(&w, name, name && !strchr(name, '=') ? strlen(name) : 0,
	           (uintptr_t)__builtin_return_address(0));
	return write_close(&w, "unsetenv", real_unsetenv(name));
}

CT_EXPORT int putenv(char *string)
{
	struct env_write w;
	const char *eq;
	size_t n;
	if (CT_UNLIKELY(!real_putenv))
		resolve_now();
	if (CT_UNLIKELY(!real_putenv))
		return no_real();
	eq = string ? strchr(string, '=') : NULL;
	n = !string ? 0 : eq ? (size_t)(eq - string) : strlen(string);
	write_open(&w, string, n, (uintptr_t)__builtin_return_address(0));
	return write_close(&w, "putenv", real_putenv(string));
}

/* clearenv: every credential it removes gets a record. */
#define CLEARED 32 /* credentials recorded per clearenv; more are cleared all the same */
struct env_clear {
	int n; /* -1: nothing recorded (tracing off, our own call, a vfork child) */
	char names[CLEARED][64];
	struct ct_facts prev[CLEARED];
};

static void clear_open(struct env_clear *c)
{
	char **p;
	CT_KEEP_ERRNO;
	c->n = -1;
	if (!ct_g_on || ct_g_guard || ct_self() == CT_SELF_VFORK)
		return;
	c->n = 0;
	ct_g_guard = 1;
	ct_env_check_replaced();
	for (p = environ; p && *p && c->n < CLEARED; p++) {
		const char *eq = strchr(*p, '=');
		size_t l = eq ? (size_t)(eq - *p) : 0;
		if (!eq || l >= sizeof c->names[0] || !ct_cred_namen(*p, l))
			continue;
		memcpy(c->names[c->n], *p, l);
		c->names[c->n][l] = 0;
		ct_facts_of(*p, l, eq + 1, environ, &c->prev[c->n]);
		c->n++;
	}
}

static int clear_close(const struct env_clear *c, int rc)
{
	int i, err = errno;
	CT_KEEP_ERRNO;
	if (c->n < 0)
		return rc;
	for (i = 0; i < c->n; i++) {
		set_record("clearenv", c->names[i], strlen(c->names[i]), NULL, &c->prev[i], rc == 0, err);
		known_set(c->names[i], strlen(c->names[i]), NULL);
	}
	last_environ = environ;
	ct_g_guard = 0;
	return rc;
}

CT_EXPORT int clearenv(void)
{
	struct env_clear c;
	if (CT_UNLIKELY(!real_clearenv))
		resolve_now();
	if (CT_UNLIKELY(!real_clearenv))
		return no_real();
	clear_open(&c);
	return clear_close(&c, real_clearenv());
}

/* ---- fork and exit -------------------------------------------------------------------------- */
void ct_env_fork_child(void)
{
	/* The child records its own first reads; the parent's lock may have been held by a thread
	 * that does not exist here. */
	ct_g_hot.read_gen++;
	next_rid = 0;
	atomic_store(&reads_full, 0);
	env_lock = 0;
}

/* Read counts at normal exit. Nothing is written for a process that read no credential. */
int ct_env_exit_pending(void)
{
	return __atomic_load_n(&next_rid, __ATOMIC_RELAXED) != 0;
}

void ct_env_exit(void)
{
	struct ct_rec r;
	int i, open_ = 0;
	if (!next_rid) { /* nothing read: the table is not even looked at; the record says "exited" */
		ct_rec_begin(&r, "end");
		ct_rec_arr(&r, "reads");
		ct_rec_emit(&r);
		return;
	}
	r.len = 0;
	for (i = 0; i < READS; i++) {
		if (!atomic_load(&reads[i].key) || reads[i].gen != ct_g_hot.read_gen)
			continue;
		if (open_ && r.len > CT_LINE_MAX - 200) { /* one more record rather than a cut one */
			ct_rec_emit(&r);
			open_ = 0;
		}
		if (!open_) {
			ct_rec_begin(&r, "end");
			ct_rec_arr(&r, "reads");
			open_ = 1;
		}
		ct_rec_arr(&r, NULL);
		ct_rec_int(&r, NULL, reads[i].rid);
		ct_rec_int(&r, NULL, (long long)atomic_load(&reads[i].count));
		ct_rec_end(&r);
	}
	if (open_)
		ct_rec_emit(&r);
}
