/* SPDX-License-Identifier: MIT */
/* model.c: trace records to processes (credential, exec, fork and socket events) and the tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model.h"
#include "symbolize.h"

const char *const flag_names[F_COUNT] = {
	"whitespace", "newline", "quoted", "unexpanded", "placeholder", "foreign_prefix", "nonprintable", "short",
};

#define PUSH(arr, n)                                                                                         \
	(*((arr) = xrealloc((arr), ((n) + 1) * sizeof *(arr)), &(arr)[(n)++]) = (__typeof__(*(arr))){0}, \
	 &(arr)[(n) - 1])

static void *xrealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n)))
		eprintf("out of memory:");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d;
	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		eprintf("out of memory:");
	return d;
}

/* ---- field access -------------------------------------------------------------------------- */

static cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *str(const cJSON *o, const char *k)
{
	cJSON *v = get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long num(const cJSON *o, const char *k, long long dflt)
{
	cJSON *v = get(o, k);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

static int flag(const cJSON *o, const char *k, int dflt)
{
	cJSON *v = get(o, k);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

static char **strs(const cJSON *o, const char *k, size_t *n)
{
	cJSON *a = get(o, k), *e;
	char **v = NULL;

	*n = 0;
	cJSON_ArrayForEach(e, a) if (cJSON_IsString(e)) *PUSH(v, *n) = xstrdup(e->valuestring);
	return v;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void parse_facts(const cJSON *o, struct facts *f)
{
	const char *s = str(o, "state"), *fp = str(o, "fp");
	cJSON *e;

	f->state = s && !strcmp(s, "present") ? ST_PRESENT : s && !strcmp(s, "empty") ? ST_EMPTY : ST_ABSENT;
	f->len = (long)num(o, "len", 0);
	f->provider = xstrdup(str(o, "provider"));
	f->entropy = xstrdup(str(o, "entropy"));
	snprintf(f->fp, sizeof f->fp, "%s", fp && f->state == ST_PRESENT ? fp : "");
	cJSON_ArrayForEach(e, get(o, "flags")) for (unsigned b = 0; b < F_COUNT; b++) if (
		cJSON_IsString(e) && !strcmp(e->valuestring, flag_names[b])) f->flags |= 1u << b;
}

static void free_facts(struct facts *f)
{
	free(f->provider);
	free(f->entropy);
}

/* ---- sites ----------------------------------------------------------------------------------- */

struct mod {
	long id;
	const char *path, *build_id;
};

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void parse_site(const cJSON *o, const struct mod *mods, size_t nmods, struct site *s)
{
	cJSON *site = get(o, "site"), *py = get(site, "py"), *fr = cJSON_GetArrayItem(get(site, "frames"), 0);
	char buf[1024];

	if (cJSON_IsObject(py)) {
		const char *fn = str(py, "func");
		snprintf(buf, sizeof buf, "%s:%lld%s%s%s", str(py, "file") ? str(py, "file") : "?", num(py, "line", 0),
		         fn ? " (" : "", fn ? fn : "", fn ? ")" : "");
		s->module_level = flag(py, "module_level", 0);
		s->text = xstrdup(buf);
	} else if (cJSON_IsArray(fr)) {
		long id;
		cJSON *idv = cJSON_GetArrayItem(fr, 0), *offv = cJSON_GetArrayItem(fr, 1);
		unsigned long long off = cJSON_IsString(offv) ? strtoull(offv->valuestring, NULL, 16) : 0;
		const struct mod *m = NULL;
		struct sym_result r;
		memset(&r, 0, sizeof r);
		id = cJSON_IsNumber(idv) ? (long)idv->valuedouble : -1;
		for (size_t i = 0; i < nmods; i++)
			if (mods[i].id == id)
				m = &mods[i];
		if (id == 0) /* in no loaded object: JIT code; the offset is the address */
			snprintf(buf, sizeof buf, "0x%llx (no module: JIT code?)", off);
		else if (!m)
			snprintf(buf, sizeof buf, "module %ld+0x%llx", id, off);
		else if (sym_lookup(m->path, m->build_id, off, &r) && r.func[0] && r.file[0])
			snprintf(buf, sizeof buf, "%s (%s:%d)", r.func, r.file, r.line);
		else if (r.func[0])
			snprintf(buf, sizeof buf, "%s (%s+0x%llx)", r.func, base(m->path), off);
		else
			snprintf(buf, sizeof buf, "%s+0x%llx", base(m->path), off);
		s->text = xstrdup(buf);
	}
}

/* ---- one file to one process ------------------------------------------------------------------- */

struct cred *proc_cred(const struct proc *p, const char *name)
{
	for (size_t i = 0; i < p->ncreds; i++)
		if (!strcmp(p->creds[i].name, name))
			return &p->creds[i];
	return NULL;
}

static struct cred *cred_get(struct proc *p, const char *name)
{
	struct cred *c = proc_cred(p, name);
	if (!c)
		(c = PUSH(p->creds, p->ncreds))->name = xstrdup(name);
	return c;
}

static void add_header(struct proc *p, const cJSON *h)
{
	const char *o = str(h, "origin");
	cJSON *par = get(h, "parent");
	char id[512];

	p->pid = (long)num(h, "pid", 0);
	p->ppid = (long)num(h, "ppid", 0);
	p->host = xstrdup(str(h, "host") ? str(h, "host") : "?");
	p->container = xstrdup(str(h, "container"));
	p->nonce = xstrdup(str(h, "nonce") ? str(h, "nonce") : "");
	p->exe = xstrdup(str(h, "exe"));
	p->kid = xstrdup(str(h, "kid"));
	p->argv = strs(h, "argv", &p->argc);
	p->argv_trunc = flag(h, "argv_trunc", 0);
	p->gen = (int)num(h, "gen", 0);
	p->start = p->last_ts = num(h, "ts", 0);
	p->origin = !o                    ? OR_EXEC
	            : !strcmp(o, "fork")  ? OR_FORK
	            : !strcmp(o, "clone") ? OR_CLONE
	            : !strcmp(o, "vfork") ? OR_VFORK
	                                  : OR_EXEC;
	p->parent_pid = cJSON_IsObject(par) ? (long)num(par, "pid", p->ppid) : p->ppid;
	p->parent_nonce = xstrdup(str(par, "nonce"));
	/* A fork child's file is created at its first record, possibly long after the fork (and after
	 * its own children started): the fork time is when it began. */
	p->fork_ts = num(par, "fork_ts", p->start);
	if (p->origin != OR_EXEC && p->fork_ts < p->start)
		p->start = p->fork_ts;
	snprintf(id, sizeof id, "%s.%ld.%s", p->host, p->pid, p->nonce);
	p->id = xstrdup(id);
}

static void add_exec(struct proc *p, const cJSON *r, const struct mod *mods, size_t nm)
{
	struct exec_ev *e = PUSH(p->execs, p->nexecs);
	const char *in = str(r, "in"), *env = str(r, "env");

	e->ts = num(r, "ts", 0);
	e->fn = xstrdup(str(r, "fn") ? str(r, "fn") : "exec");
	e->path = xstrdup(str(r, "path"));
	e->argv = strs(r, "argv", &e->argc);
	e->child = (long)num(r, "child", -1);
	e->in_vfork = in && !strcmp(in, "vfork");
	e->custom_env = env && !strcmp(env, "custom");
	e->preload = flag(r, "preload", 1);
	e->ok = flag(r, "ok", 1);
	e->lost = strs(r, "lost", &e->nlost);
	e->emptied = strs(r, "emptied", &e->nemptied);
	e->changed = strs(r, "changed", &e->nchanged);
	parse_site(r, mods, nm, &e->site);
}

/* end.reads: [[rid, count], ...] gives the total count of each read entry. */
static void add_counts(struct proc *p, const cJSON *reads)
{
	cJSON *e;

	cJSON_ArrayForEach(e, reads)
	{
		cJSON *rid = cJSON_GetArrayItem(e, 0), *cnt = cJSON_GetArrayItem(e, 1);
		if (!cJSON_IsNumber(rid) || !cJSON_IsNumber(cnt))
			continue;
		for (size_t i = 0; i < p->ncreds; i++)
			for (size_t k = 0; k < p->creds[i].nreads; k++)
				if (p->creds[i].reads[k].rid == (long)rid->valuedouble)
					p->creds[i].reads[k].count = (long)cnt->valuedouble;
	}
}

static void add_record(struct proc *p, const cJSON *r, struct mod **mods, size_t *nm)
{
	const char *t = str(r, "t"), *name = str(r, "name");
	long long ts = num(r, "ts", 0);

	if (ts > p->last_ts)
		p->last_ts = ts;
	if (ts && ts < p->start && p->origin != OR_EXEC)
		p->start = ts; /* a vfork child's header is written after its exec record */
	if (!strcmp(t, "mod")) {
		struct mod *m = PUSH(*mods, *nm);
		m->id = (long)num(r, "id", -1);
		m->path = str(r, "path") ? str(r, "path") : "?";
		m->build_id = str(r, "build_id");
	} else if (!strcmp(t, "env") && name) {
		struct cred *c = cred_get(p, name);
		if (!c->has_start) {
			c->has_start = 1;
			parse_facts(r, &c->start);
		}
	} else if (!strcmp(t, "read") && name) {
		struct cred *c = cred_get(p, name);
		struct cread *rd = PUSH(c->reads, c->nreads);
		rd->ts = ts;
		rd->fn = xstrdup(str(r, "fn") ? str(r, "fn") : "getenv");
		parse_facts(r, &rd->f);
		rd->rid = (long)num(r, "rid", -1);
		rd->count = 1;
		rd->forks = (int)num(r, "forks", 0);
		rd->gen = (int)num(r, "gen", p->gen);
		parse_site(r, *mods, *nm, &rd->site);
	} else if (!strcmp(t, "set") && name) {
		struct cred *c = cred_get(p, name);
		struct cset *s = PUSH(c->sets, c->nsets);
		cJSON *prev = get(r, "prev");
		s->ts = ts;
		s->fn = xstrdup(str(r, "fn") ? str(r, "fn") : "setenv");
		parse_facts(r, &s->f);
		if ((s->has_prev = cJSON_IsObject(prev)))
			parse_facts(prev, &s->prev);
		s->ok = flag(r, "ok", 1);
		s->forks = (int)num(r, "forks", 0);
		parse_site(r, *mods, *nm, &s->site);
	} else if (!strcmp(t, "fork")) {
		struct fork_ev *f = PUSH(p->forks, p->nforks);
		f->ts = ts;
		f->child = (long)num(r, "child", -1);
		f->forks = (int)num(r, "forks", (long long)p->nforks);
		parse_site(r, *mods, *nm, &f->site);
	} else if (!strcmp(t, "exec")) {
		add_exec(p, r, *mods, *nm);
	} else if (!strcmp(t, "exec_err") && p->nexecs) {
		p->execs[p->nexecs - 1].ok = 0;
	} else if (!strcmp(t, "connect")) {
		struct conn *c = PUSH(p->conns, p->nconns);
		const char *ty = str(r, "type");
		c->ts = ts;
		c->fd = (int)num(r, "fd", -1);
		c->ino = (unsigned long long)num(r, "ino", 0);
		c->stream = !ty || !strcmp(ty, "stream");
		c->ok = flag(r, "ok", 1);
		c->forks = (int)num(r, "forks", 0);
		c->peer = xstrdup(str(r, "peer") ? str(r, "peer") : "?");
		parse_site(r, *mods, *nm, &c->site);
	} else if (!strcmp(t, "use")) {
		struct use *u = PUSH(p->uses, p->nuses);
		const char *role = str(r, "role");
		u->ts = ts;
		u->fd = (int)num(r, "fd", -1);
		u->ino = (unsigned long long)num(r, "ino", 0);
		u->role_child = !role || !strcmp(role, "child");
		u->owner = (long)num(r, "owner", -1);
		u->op = xstrdup(str(r, "op") ? str(r, "op") : "?");
		u->shutdown = !strcmp(u->op, "shutdown");
		u->peer = xstrdup(str(r, "peer"));
		parse_site(r, *mods, *nm, &u->site);
	} else if (!strcmp(t, "runtime")) {
		free(p->rt_name);
		free(p->rt_why);
		p->rt_name = xstrdup(str(r, "name") ? str(r, "name") : "?");
		p->rt_why = xstrdup(str(r, "why"));
		p->rt_reads = str(r, "reads") && !strcmp(str(r, "reads"), "audit-hook");
	} else if (!strcmp(t, "end")) {
		p->has_end = 1;
		add_counts(p, get(r, "reads"));
	} else if (!strcmp(t, "cap")) {
		p->capped = 1;
	}
}

static int cmp_cred(const void *a, const void *b)
{
	return strcmp(((const struct cred *)a)->name, ((const struct cred *)b)->name);
}

static struct proc *proc_from_trace(const struct trace *t)
{
	struct proc *p = calloc(1, sizeof *p);
	struct mod *mods = NULL;
	size_t nm = 0;

	if (!p)
		eprintf("out of memory:");
	p->file = xstrdup(base(t->path));
	p->input = t->input;
	p->bad_lines = t->bad_lines;
	add_header(p, t->recs[0]);
	for (size_t i = 1; i < t->n; i++)
		add_record(p, t->recs[i], &mods, &nm);
	free(mods); /* its strings belong to the records, which the model does not keep */
	if (p->ncreds)
		qsort(p->creds, p->ncreds, sizeof *p->creds, cmp_cred);
	return p;
}

/* ---- the tree ---------------------------------------------------------------------------------- */

int proc_within(const struct proc *a, const struct proc *b)
{
	for (; a; a = a->parent)
		if (a == b)
			return 1;
	return 0;
}

static void attach(struct proc *kid, struct proc *par, enum link l)
{
	if (!par || proc_within(par, kid))
		return; /* never make a cycle, whatever the clocks say */
	kid->parent = par;
	kid->link = l;
}

static int same_host(const struct proc *a, const struct proc *b)
{
	return !strcmp(a->host, b->host);
}

/* A fork child: its header names the parent's pid and nonce. */
static void link_fork(struct model *m, struct proc *p)
{
	struct proc *best = NULL;

	for (size_t i = 0; i < m->n; i++) {
		struct proc *q = m->procs[i];
		if (q == p || !same_host(q, p) || q->pid != p->parent_pid)
			continue;
		/* The nonce names the parent image exactly; without it, the latest image started before. */
		if (p->parent_nonce ? strcmp(p->parent_nonce, q->nonce) != 0 : q->start > p->start)
			continue;
		if (!best || q->start > best->start)
			best = q;
	}
	attach(p, best, p->origin == OR_VFORK ? LK_VFORK : LK_FORK);
}

/* An exec'd image: the latest exec record that can have started it. That is an exec in the same
 * host+pid (the pre-exec image), or a spawn/vfork record of another process naming it as child. */
static void link_exec(struct model *m, struct proc *p)
{
	struct proc *bq = NULL;
	struct exec_ev *be = NULL;

	for (size_t i = 0; i < m->n; i++) {
		struct proc *q = m->procs[i];
		if (q == p || !same_host(q, p))
			continue;
		for (size_t k = 0; k < q->nexecs; k++) {
			struct exec_ev *e = &q->execs[k];
			int self = e->child < 0 && !e->in_vfork;
			if (e->image || !e->ok || e->ts > p->start)
				continue;
			if (self ? q->pid != p->pid : e->child != p->pid)
				continue;
			if (!be || e->ts > be->ts)
				be = e, bq = q;
		}
	}
	if (be) {
		attach(p, bq, be->in_vfork ? LK_VFORK : be->child < 0 ? LK_EXEC : LK_SPAWN);
		if (p->parent == bq)
			be->image = p, p->via = be;
	}
}

/* A process whose parent left no trace of starting it: placed under its ppid when that is traced. */
static void link_ppid(struct model *m, struct proc *p)
{
	struct proc *best = NULL;

	for (size_t i = 0; i < m->n; i++) {
		struct proc *q = m->procs[i];
		if (q != p && same_host(q, p) && q->pid == p->ppid && q->start <= p->start &&
		    (!best || q->start > best->start))
			best = q;
	}
	attach(p, best, LK_PPID);
}

static int is_runtime(const char *b, const char *name)
{
	return !strncmp(b, name, strlen(name));
}

/* Can credential reads be seen in p? Fork children share their parent's adapter state. */
static void set_blind(struct proc *p)
{
	const char *b = base(p->exe ? p->exe : p->argc ? p->argv[0] : "");
	static const char *const nogetenv[] = {"perl", "java", "bash", "sh", "dash", "zsh"};

	if (p->blind_known)
		return;
	p->blind_known = 1;
	if (p->origin != OR_EXEC && p->parent) {
		set_blind(p->parent);
		p->blind = p->parent->blind;
		p->blind_why = xstrdup(p->parent->blind_why);
		return;
	}
	if (p->rt_name && !p->rt_reads) {
		p->blind = 1;
		if (asprintf(&p->blind_why, "%s without read attribution (%s)", p->rt_name,
		             p->rt_why ? p->rt_why : "adapter off") < 0)
			eprintf("out of memory:");
	} else if (!p->rt_name && is_runtime(b, "python")) {
		p->blind = 1;
		p->blind_why = xstrdup("Python without an adapter record: os.environ reads are not visible");
	} else {
		for (size_t i = 0; i < sizeof nogetenv / sizeof nogetenv[0]; i++)
			if (!strcmp(b, nogetenv[i]) && (p->blind = 1))
				if (asprintf(&p->blind_why, "%s reads its own copy of the environment, not through getenv",
				             b) < 0)
					eprintf("out of memory:");
	}
}

static int cmp_proc(const void *a, const void *b)
{
	const struct proc *p = *(struct proc *const *)a, *q = *(struct proc *const *)b;
	int c = strcmp(p->host, q->host);

	if (c)
		return c;
	if (p->start != q->start)
		return p->start < q->start ? -1 : 1;
	if (p->pid != q->pid)
		return p->pid < q->pid ? -1 : 1;
	return strcmp(p->nonce, q->nonce);
}

void model_build(const struct traceset *ts, struct model *m)
{
	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < ts->n; i++)
		*PUSH(m->procs, m->n) = proc_from_trace(&ts->v[i]);
	if (m->n)
		qsort(m->procs, m->n, sizeof *m->procs, cmp_proc);
	for (size_t i = 0; i < m->n; i++) {
		struct proc *p = m->procs[i];
		if (p->origin == OR_EXEC)
			link_exec(m, p);
		else
			link_fork(m, p);
	}
	for (size_t i = 0; i < m->n; i++) {
		struct proc *p = m->procs[i];
		if (!p->parent)
			link_ppid(m, p);
	}
	for (size_t i = 0; i < m->n; i++) {
		struct proc *p = m->procs[i];
		if (p->parent)
			*PUSH(p->parent->kids, p->parent->nkids) = p;
		set_blind(p);
		if (i == 0 || strcmp(p->host, m->procs[i - 1]->host))
			m->nhosts++;
	}
}

/* ---- queries and cleanup -------------------------------------------------------------------------- */

enum cstate proc_start_state(const struct proc *p, const char *name)
{
	struct cred *c = proc_cred(p, name);
	return c && c->has_start ? c->start.state : ST_ABSENT;
}

void proc_label(const struct model *m, const struct proc *p, char *buf, size_t n)
{
	char args[160] = "";
	size_t used = 0;

	for (size_t i = 0; i < p->argc && i < 4 && used < sizeof args - 1; i++)
		used += (size_t)snprintf(args + used, sizeof args - used, "%s%s", i ? " " : "",
		                         i ? p->argv[i] : base(p->argv[i]));
	if (used >= sizeof args - 1 || p->argc > 4)
		snprintf(args + (used > sizeof args - 5 ? sizeof args - 5 : used), 5, " ...");
	if (!args[0])
		snprintf(args, sizeof args, "%s", p->exe ? base(p->exe) : "?");
	snprintf(buf, n, "pid %ld (%s)%s%s", p->pid, args, m->nhosts > 1 ? " on " : "", m->nhosts > 1 ? p->host : "");
}

const char *state_name(enum cstate s)
{
	return s == ST_PRESENT ? "present" : s == ST_EMPTY ? "empty" : "absent";
}

const char *link_name(enum link l)
{
	static const char *const names[] = {"none", "fork", "exec", "spawn", "vfork", "ppid"};
	return names[l];
}

void fmt_dur(long long us, char *buf, size_t n)
{
	long long a = us < 0 ? -us : us;

	if (a < 1000)
		snprintf(buf, n, "%lld us", us);
	else if (a < 1000000)
		snprintf(buf, n, "%.1f ms", (double)us / 1e3);
	else
		snprintf(buf, n, "%.2f s", (double)us / 1e6);
}

static void free_site(struct site *s)
{
	free(s->text);
}

static void free_cred(struct cred *c)
{
	free(c->name);
	free_facts(&c->start);
	for (size_t i = 0; i < c->nreads; i++) {
		free(c->reads[i].fn);
		free_facts(&c->reads[i].f);
		free_site(&c->reads[i].site);
	}
	for (size_t i = 0; i < c->nsets; i++) {
		free(c->sets[i].fn);
		free_facts(&c->sets[i].f);
		free_facts(&c->sets[i].prev);
		free_site(&c->sets[i].site);
	}
	free(c->reads);
	free(c->sets);
}

static void free_proc(struct proc *p)
{
	char *own[] = {p->file, p->id, p->host, p->container, p->nonce, p->exe, p->kid, p->parent_nonce,
	               p->rt_name, p->rt_why, p->blind_why};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		free(own[i]);
	free_strs(p->argv, p->argc);
	for (size_t i = 0; i < p->ncreds; i++)
		free_cred(&p->creds[i]);
	for (size_t i = 0; i < p->nforks; i++)
		free_site(&p->forks[i].site);
	for (size_t i = 0; i < p->nexecs; i++) {
		struct exec_ev *e = &p->execs[i];
		free(e->fn);
		free(e->path);
		free_strs(e->argv, e->argc);
		free_strs(e->lost, e->nlost);
		free_strs(e->emptied, e->nemptied);
		free_strs(e->changed, e->nchanged);
		free_site(&e->site);
	}
	for (size_t i = 0; i < p->nconns; i++) {
		free(p->conns[i].peer);
		free_site(&p->conns[i].site);
	}
	for (size_t i = 0; i < p->nuses; i++) {
		free(p->uses[i].op);
		free(p->uses[i].peer);
		free_site(&p->uses[i].site);
	}
	free(p->creds);
	free(p->forks);
	free(p->execs);
	free(p->conns);
	free(p->uses);
	free(p->kids);
	free(p);
}

void model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++)
		free_proc(m->procs[i]);
	free(m->procs);
	memset(m, 0, sizeof *m);
}
