/* SPDX-License-Identifier: MIT */
/* model.c: trace records to processes (credential, exec, fork and socket events); the tree is linked
 * in model_link.c, sites rendered in model_site.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred_info.h"
#include "model_int.h"
#include "snap.h"

#define NAME_STR(id, str) str,
const char *const flag_names[F_COUNT] = {CT_FLAGS(NAME_STR)}; /* shim/cred_table.h, as the shim's */
static const char *const state_names[] = {CT_STATES(NAME_STR)};
#undef NAME_STR

/* ---- field access -------------------------------------------------------------------------- */

/* A number that converts to long without undefined behaviour (1e300 or NaN in a damaged file do not). */
static int in_range(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= -9.2e18 && v->valuedouble <= 9.2e18;
}

long long json_num(const cJSON *o, const char *k, long long dflt)
{
	cJSON *v = get(o, k);
	return in_range(v) ? (long long)v->valuedouble : dflt;
}

static char **strs(const cJSON *o, const char *k, size_t *n)
{
	cJSON *a = get(o, k), *e;
	char **v = NULL;

	*n = 0;
	cJSON_ArrayForEach(e, a)
	{
		if (cJSON_IsString(e))
			*PUSH(v, *n) = estrdup(e->valuestring);
	}
	return v;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void parse_facts(const cJSON *o, struct facts *f)
{
	const char *s = str(o, "state"), *fp = str(o, "fp");
	cJSON *e;

	f->state = ST_ABSENT;
	for (int k = 0; s && k < (int)(sizeof state_names / sizeof *state_names); k++)
		if (!strcmp(s, state_names[k]))
			f->state = (enum cstate)k;
	f->len = (long)json_num(o, "len", 0);
	f->provider = estrdup(str(o, "provider"));
	f->entropy = estrdup(str(o, "entropy"));
	snprintf(f->fp, sizeof f->fp, "%s", fp && f->state == ST_PRESENT ? fp : "");
	cJSON_ArrayForEach(e, get(o, "flags"))
	{
		for (unsigned b = 0; b < F_COUNT; b++)
			if (cJSON_IsString(e) && !strcmp(e->valuestring, flag_names[b]))
				f->flags |= 1u << b;
	}
}

void free_facts(struct facts *f)
{
	free(f->provider);
	free(f->entropy);
}

/* ---- one file to one process ------------------------------------------------------------------- */

static struct cred *cred_get(struct proc *p, const char *name)
{
	struct cred *c = proc_cred(p, name);
	if (!c)
		(c = PUSH(p->creds, p->ncreds))->name = estrdup(name);
	return c;
}

static void add_header(struct proc *p, const cJSON *h)
{
	const char *o = str(h, "origin");
	cJSON *par = get(h, "parent");
	char id[512];

	p->pid = (long)json_num(h, "pid", 0);
	p->ppid = (long)json_num(h, "ppid", 0);
	p->host = estrdup(str(h, "host") ? str(h, "host") : "?");
	p->container = estrdup(str(h, "container"));
	p->nonce = estrdup(str(h, "nonce") ? str(h, "nonce") : "");
	p->exe = estrdup(str(h, "exe"));
	p->kid = estrdup(str(h, "kid"));
	p->argv = strs(h, "argv", &p->argc);
	p->argv_trunc = flag(h, "argv_trunc", 0);
	p->gen = (int)json_num(h, "gen", 0);
	p->start = p->last_ts = json_num(h, "ts", 0);
	p->origin = !o                    ? OR_EXEC
	            : !strcmp(o, "fork")  ? OR_FORK
	            : !strcmp(o, "clone") ? OR_CLONE
	            : !strcmp(o, "vfork") ? OR_VFORK
	                                  : OR_EXEC;
	p->parent_pid = cJSON_IsObject(par) ? (long)json_num(par, "pid", p->ppid) : p->ppid;
	p->parent_nonce = estrdup(str(par, "nonce"));
	/* A fork child's file is created at its first record, possibly long after the fork (and after
	 * its own children started): the fork time is when it began. */
	p->fork_ts = json_num(par, "fork_ts", p->start);
	if (p->origin != OR_EXEC && p->fork_ts < p->start)
		p->start = p->fork_ts;
	snprintf(id, sizeof id, "%s.%ld.%s", p->host, p->pid, p->nonce);
	p->id = estrdup(id);
	if (o && !strcmp(o, "snap"))
		snap_header(p, h);
}

static void add_name(char ***v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return;
	*PUSH(*v, *n) = estrdup(name);
}

/* libuv's fork child assigns environ = options.env and then calls execvp with it. Shims before the
 * exec record listed such losses saw only `set` records (fn "environ") and an exec that "inherits":
 * fold those sets into the exec's lost/emptied/changed, so the fork parent's choice is reported as
 * CRED_LOST_ON_EXEC and not as a run-time set. Only in fork children: a main process that swaps
 * environ and later execs chose its own environment (CRED_SET_AT_RUNTIME). */
static void fold_environ_sets(struct proc *p, struct exec_ev *e, long long since)
{
	if (p->origin == OR_EXEC || e->child >= 0 || e->custom_env)
		return;
	for (size_t i = 0; i < p->ncreds; i++)
		for (size_t k = 0; k < p->creds[i].nsets; k++) {
			struct cset *s = &p->creds[i].sets[k];
			const char *name = p->creds[i].name;
			if (!s->ok || s->exec_env || strcmp(s->fn, "environ") != 0 || s->ts > e->ts ||
			    s->ts < since || !s->has_prev || s->prev.state == ST_ABSENT)
				continue;
			if (s->f.state == ST_ABSENT)
				add_name(&e->lost, &e->nlost, name);
			else if (s->f.state == ST_EMPTY && s->prev.state == ST_PRESENT)
				add_name(&e->emptied, &e->nemptied, name);
			else if (s->f.state == ST_PRESENT && s->prev.fp[0] &&
			         strcmp(s->prev.fp, s->f.fp) != 0)
				add_name(&e->changed, &e->nchanged, name);
			else
				continue;
			s->exec_env = e->swapped = 1;
		}
}

static void add_exec(struct proc *p, const cJSON *r, const struct mod *mods, size_t nm)
{
	long long since = p->nexecs ? p->execs[p->nexecs - 1].ts : 0;
	struct exec_ev *e = PUSH(p->execs, p->nexecs);
	const char *in = str(r, "in"), *env = str(r, "env");

	e->ts = json_num(r, "ts", 0);
	e->fn = estrdup(str(r, "fn") ? str(r, "fn") : "exec");
	e->path = estrdup(str(r, "path"));
	e->argv = strs(r, "argv", &e->argc);
	e->child = (long)json_num(r, "child", -1);
	e->in_vfork = in && !strcmp(in, "vfork");
	e->custom_env = env && !strcmp(env, "custom");
	e->preload = flag(r, "preload", 1);
	e->ok = flag(r, "ok", 1);
	e->lost = strs(r, "lost", &e->nlost);
	e->emptied = strs(r, "emptied", &e->nemptied);
	e->changed = strs(r, "changed", &e->nchanged);
	site_parse(r, mods, nm, SITE_OTHER, &e->site);
	fold_environ_sets(p, e, since);
}

/* end.reads: [[rid, count], ...] gives the total count of each read entry. */
static void add_counts(struct proc *p, const cJSON *reads)
{
	cJSON *e;

	cJSON_ArrayForEach(e, reads)
	{
		cJSON *rid = cJSON_GetArrayItem(e, 0), *cnt = cJSON_GetArrayItem(e, 1);
		if (!in_range(rid) || !in_range(cnt))
			continue;
		for (size_t i = 0; i < p->ncreds; i++)
			for (size_t k = 0; k < p->creds[i].nreads; k++)
				if (p->creds[i].reads[k].rid == (long)rid->valuedouble)
					p->creds[i].reads[k].count = (long)cnt->valuedouble;
	}
}

/* Node.js: its credential reads are process.env in JavaScript (docs/runtimes.md#nodejs). */
static int is_node(const struct proc *p)
{
	const char *b = p->exe ? path_base(p->exe) : "";
	return !strcmp(b, "node") || !strcmp(b, "nodejs");
}

/* The first connect record of an aggregate: the one that carries its site. */
static struct conn *agg_first(struct proc *p, int id)
{
	for (size_t i = 0; id && i < p->nconns; i++)
		if (p->conns[i].agg == id && !p->conns[i].late)
			return &p->conns[i];
	return NULL;
}

/* A connect written late (alive at a fork, counted before) has its aggregate's site. */
static void conn_site_from_agg(struct proc *p, struct conn *c)
{
	struct conn *f;
	if (!c->late || c->site.text || !(f = agg_first(p, c->agg)) || f == c)
		return;
	c->site.text = f->site.text ? estrdup(f->site.text) : NULL;
	c->site.module_level = f->site.module_level;
	c->site.js = f->site.js;
}

/* "agg": a running count of connects like the first one of its id (each supersedes the last). */
/* A socket record ("connect", or "held" from attach): what both say, one connection seen once. */
static struct conn *push_conn(struct proc *p, const cJSON *r, long long ts)
{
	struct conn *c = PUSH(p->conns, p->nconns);
	c->ts = c->last_ts = ts;
	c->fd = (int)json_num(r, "fd", -1);
	c->ino = (unsigned long long)json_num(r, "ino", 0);
	c->peer = estrdup(str(r, "peer") ? str(r, "peer") : "?");
	c->count = 1;
	return c;
}

static void add_agg(struct proc *p, const cJSON *r)
{
	const char *kind = str(r, "kind");
	struct conn *f;
	if (kind && !strcmp(kind, "wire"))
		model_wire_agg(p, r);
	if (!kind || strcmp(kind, "connect") != 0 || !(f = agg_first(p, (int)json_num(r, "id", 0))))
		return;
	if (json_num(r, "count", 1) > f->count)
		f->count = (long)json_num(r, "count", 1);
	if (json_num(r, "last", 0) > f->last_ts)
		f->last_ts = json_num(r, "last", 0);
}

/* A Node read without a JavaScript line: say why, from the runtime record (docs/runtimes.md#nodejs). */
static void node_no_line(const struct proc *p, struct site *s)
{
	char *t;
	if (asprintf(&t, "process.env (JavaScript; file:line not recorded: %s)",
	             p->rt_why ? p->rt_why : "Node's own code, or a read before the Node adapter loaded") < 0)
		eprintf("out of memory:");
	free(s->text);
	s->text = t;
}

static void add_record(struct proc *p, const cJSON *r, struct mod **mods, size_t *nm)
{
	const char *t = str(r, "t"), *name = str(r, "name");
	long long ts = json_num(r, "ts", 0);

	if (ts > p->last_ts)
		p->last_ts = ts;
	if (ts && ts < p->start && p->origin != OR_EXEC)
		p->start = ts; /* a vfork child's header is written after its exec record */
	if (!strcmp(t, "mod")) {
		struct mod *m = PUSH(*mods, *nm);
		m->id = (long)json_num(r, "id", -1);
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
		rd->fn = estrdup(str(r, "fn") ? str(r, "fn") : "getenv");
		parse_facts(r, &rd->f);
		rd->rid = (long)json_num(r, "rid", -1);
		rd->count = 1;
		rd->forks = (int)json_num(r, "forks", 0);
		rd->gen = (int)json_num(r, "gen", p->gen);
		site_parse(r, *mods, *nm, is_node(p) ? SITE_READ_NODE : SITE_ENV, &rd->site);
		if (rd->site.js && p->rt_name && !strcmp(p->rt_name, "node"))
			node_no_line(p, &rd->site);
	} else if (!strcmp(t, "set") && name) {
		struct cred *c = cred_get(p, name);
		struct cset *s = PUSH(c->sets, c->nsets);
		cJSON *prev = get(r, "prev");
		s->ts = ts;
		s->fn = estrdup(str(r, "fn") ? str(r, "fn") : "setenv");
		parse_facts(r, &s->f);
		if ((s->has_prev = cJSON_IsObject(prev)))
			parse_facts(prev, &s->prev);
		s->ok = flag(r, "ok", 1);
		s->forks = (int)json_num(r, "forks", 0);
		site_parse(r, *mods, *nm, SITE_ENV, &s->site);
	} else if (!strcmp(t, "feature")) {
		enum ct_feature ft = cred_feature_by_name(name);
		if (ft != CT_FEAT_NONE && flag(r, "on", 0))
			p->features |= 1u << ft;
		else if (ft != CT_FEAT_NONE)
			p->features &= ~(1u << ft);
	} else if (!strcmp(t, "fork")) {
		struct fork_ev *f = PUSH(p->forks, p->nforks);
		f->ts = ts;
		f->child = (long)json_num(r, "child", -1);
		f->forks = (int)json_num(r, "forks", (long long)p->nforks);
		site_parse(r, *mods, *nm, SITE_OTHER, &f->site);
	} else if (!strcmp(t, "exec")) {
		add_exec(p, r, *mods, *nm);
	} else if (!strcmp(t, "exec_err") && p->nexecs) {
		p->execs[p->nexecs - 1].ok = 0;
	} else if (!strcmp(t, "connect")) {
		struct conn *c = push_conn(p, r, ts);
		const char *ty = str(r, "type");
		c->stream = !ty || !strcmp(ty, "stream");
		c->ok = flag(r, "ok", 1);
		c->forks = (int)json_num(r, "forks", 0);
		c->agg = (int)json_num(r, "agg", 0);
		c->late = flag(r, "late", 0);
		c->peer_host = estrdup(str(r, "peer_host"));
		site_parse(r, *mods, *nm, SITE_OTHER, &c->site);
		conn_site_from_agg(p, c);
	} else if (!strcmp(t, "agg")) {
		add_agg(p, r);
	} else if (!strcmp(t, "held")) { /* attach: a connected socket open already */
		struct conn *c = push_conn(p, r, ts);
		c->stream = c->ok = c->held = 1;
		c->inherited = flag(r, "inherited", 0);
		c->owner = (long)json_num(r, "owner", -1);
	} else if (!strcmp(t, "use")) {
		struct use *u = PUSH(p->uses, p->nuses);
		const char *role = str(r, "role");
		u->ts = ts;
		u->fd = (int)json_num(r, "fd", -1);
		u->ino = (unsigned long long)json_num(r, "ino", 0);
		u->role_child = !role || !strcmp(role, "child");
		u->owner = (long)json_num(r, "owner", -1);
		u->op = estrdup(str(r, "op") ? str(r, "op") : "?");
		u->shutdown = !strcmp(u->op, "shutdown");
		u->peer = estrdup(str(r, "peer"));
		u->peer_host = estrdup(str(r, "peer_host"));
		site_parse(r, *mods, *nm, SITE_OTHER, &u->site);
	} else if (!strcmp(t, "wire") || !strcmp(t, "wire_status")) {
		model_wire_add(p, r, ts);
	} else if (!strcmp(t, "runtime")) {
		free(p->rt_name);
		free(p->rt_why);
		p->rt_name = estrdup(str(r, "name") ? str(r, "name") : "?");
		p->rt_why = estrdup(str(r, "why"));
		/* Node's "adapter" and "getenv": its reads reach getenv, with or without a line. */
		p->rt_reads = str(r, "reads") &&
		              (!strcmp(str(r, "reads"), "audit-hook") ||
		               !strcmp(str(r, "reads"), "adapter") || !strcmp(str(r, "reads"), "getenv"));
	} else if (!strcmp(t, "end")) {
		p->has_end = 1;
		add_counts(p, get(r, "reads"));
	} else if (!strcmp(t, "cap")) {
		p->capped = 1;
		p->dropped = get(r, "head") ? (long)json_num(r, "dropped", 0) : -1;
	} else if (!strcmp(t, "sock")) {
		snap_sock(p, r);
	}
}

static int cmp_cred(const void *a, const void *b)
{
	return strcmp(((const struct cred *)a)->name, ((const struct cred *)b)->name);
}

static struct proc *proc_from_trace(const struct trace *t)
{
	struct proc *p = erealloc(NULL, sizeof *p);
	struct mod *mods = NULL;
	size_t nm = 0;

	memset(p, 0, sizeof *p);
	p->file = estrdup(path_base(t->path));
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

/* ---- fork children's credentials at start ------------------------------------------------------ */

static void copy_facts(struct facts *dst, const struct facts *src)
{
	*dst = *src;
	dst->provider = estrdup(src->provider);
	dst->entropy = estrdup(src->entropy);
}

/* A fork or clone child has no env records: its memory, environ included, is its parent's at the fork
 * (docs/trace-format.md). So its state at start is the parent's start (itself inherited when the parent
 * is a fork child: parents go first) followed by the parent's own successful sets before the fork. A
 * child whose parent left no trace, or was only found by ppid, keeps what its own file says. */
static void inherit_at_fork(struct proc *p)
{
	struct proc *par = p->parent;

	if (p->inherit_done)
		return;
	p->inherit_done = 1;
	if ((p->origin != OR_FORK && p->origin != OR_CLONE) || !par || p->link != LK_FORK)
		return;
	inherit_at_fork(par);
	p->features |= par->features; /* the flags are in the environ it copied */
	for (size_t i = 0; i < par->ncreds; i++) {
		const struct cred *pc = &par->creds[i];
		const struct facts *f = pc->has_start ? &pc->start : NULL;
		struct cred *c;
		for (size_t k = 0; k < pc->nsets; k++)
			if (pc->sets[k].ok && pc->sets[k].ts < p->fork_ts)
				f = &pc->sets[k].f;
		if (!f || f->state == ST_ABSENT)
			continue;
		c = cred_get(p, pc->name);
		if (!c->has_start) {
			c->has_start = 1;
			copy_facts(&c->start, f);
		}
	}
	/* Absent ones too: "absent" in a fork child means the parent lacked it at the fork. */
	for (size_t i = 0; i < p->ncreds; i++)
		p->creds[i].inherited = 1;
	if (p->ncreds)
		qsort(p->creds, p->ncreds, sizeof *p->creds, cmp_cred);
}

void model_begin(struct model *m)
{
	memset(m, 0, sizeof *m);
}

void model_add(void *mv, const struct trace *t)
{
	struct model *m = mv;
	*PUSH(m->procs, m->n) = proc_from_trace(t);
}

void model_end(struct model *m)
{
	model_link(m);
	for (size_t i = 0; i < m->n; i++)
		inherit_at_fork(m->procs[i]);
}

void model_build(const struct traceset *ts, struct model *m)
{
	model_begin(m);
	for (size_t i = 0; i < ts->n; i++)
		model_add(m, &ts->v[i]);
	model_end(m);
}

/* ---- cleanup ------------------------------------------------------------------------------------ */

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
	char *own[] = {p->file, p->id,           p->host,    p->container, p->nonce,    p->exe,
	               p->kid,  p->parent_nonce, p->rt_name, p->rt_why,    p->blind_why};
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
		free(p->conns[i].peer_host);
		free_site(&p->conns[i].site);
	}
	for (size_t i = 0; i < p->nuses; i++) {
		free(p->uses[i].op);
		free(p->uses[i].peer);
		free(p->uses[i].peer_host);
		free_site(&p->uses[i].site);
	}
	free(p->creds);
	free(p->forks);
	free(p->execs);
	free(p->conns);
	free(p->uses);
	model_wire_free(p);
	free(p->kids);
	snap_free(p->snap);
	free(p);
}

void model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++)
		free_proc(m->procs[i]);
	free(m->procs);
	memset(m, 0, sizeof *m);
}
