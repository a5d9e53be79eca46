/* SPDX-License-Identifier: MIT */
/* render_json.c: the JSON report (schema credtrace.report/1), keys in a fixed, documented order. */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "input.h"
#include "json_out.h"
#include "render.h"
#include "snap.h"

/* cJSON prints doubles with 15 significant digits; timestamps in microseconds need 16. */
static cJSON *llnum(long long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	return cJSON_CreateRaw(buf);
}

static cJSON *strornull(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *strarr(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static void add_facts(cJSON *o, const struct facts *f)
{
	cJSON *fl = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "state", state_name(f->state));
	cJSON_AddItemToObject(o, "len", llnum(f->len));
	for (unsigned b = 0; b < F_COUNT; b++)
		if (f->flags & (1u << b))
			cJSON_AddItemToArray(fl, cJSON_CreateString(flag_names[b]));
	cJSON_AddItemToObject(o, "flags", fl);
	cJSON_AddItemToObject(o, "provider", strornull(f->provider));
	cJSON_AddItemToObject(o, "entropy", strornull(f->entropy));
	cJSON_AddStringToObject(o, "fp", f->fp);
}

static cJSON *site_json(const struct site *s)
{
	return strornull(s->text);
}

static cJSON *cred_json(const struct cred *c, int final)
{
	cJSON *o = cJSON_CreateObject(), *reads = cJSON_CreateArray(), *sets = cJSON_CreateArray();
	struct facts absent = {0};

	cJSON_AddStringToObject(o, "name", c->name);
	add_facts(o, c->has_start ? &c->start : &absent);
	cJSON_AddBoolToObject(o, "inherited_at_fork", c->inherited);
	for (size_t i = 0; i < c->nreads; i++) {
		const struct cread *r = &c->reads[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "ts", llnum(r->ts));
		cJSON_AddStringToObject(j, "fn", r->fn);
		add_facts(j, &r->f);
		cJSON_AddItemToObject(j, "count", llnum(r->count));
		/* without an "end" record the count is what was seen so far: a lower bound */
		cJSON_AddBoolToObject(j, "count_final", final);
		cJSON_AddItemToObject(j, "forks", llnum(r->forks));
		cJSON_AddItemToObject(j, "site", site_json(&r->site));
		cJSON_AddBoolToObject(j, "import_time", r->site.module_level);
		cJSON_AddItemToArray(reads, j);
	}
	for (size_t i = 0; i < c->nsets; i++) {
		const struct cset *s = &c->sets[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "ts", llnum(s->ts));
		cJSON_AddStringToObject(j, "fn", s->fn);
		add_facts(j, &s->f);
		cJSON_AddItemToObject(j, "prev",
		                      s->has_prev ? cJSON_CreateString(state_name(s->prev.state))
		                                  : cJSON_CreateNull());
		cJSON_AddBoolToObject(j, "ok", s->ok);
		cJSON_AddItemToObject(j, "site", site_json(&s->site));
		cJSON_AddItemToArray(sets, j);
	}
	cJSON_AddItemToObject(o, "reads", reads);
	cJSON_AddItemToObject(o, "sets", sets);
	return o;
}

static cJSON *sockets_json(const struct proc *p)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < p->nconns; i++) {
		const struct conn *c = &p->conns[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "role", "connected");
		cJSON_AddItemToObject(j, "ino", llnum((long long)c->ino));
		cJSON_AddItemToObject(j, "fd", llnum(c->fd));
		cJSON_AddStringToObject(j, "peer", c->peer);
		if (c->peer_host) /* only when known: traces without names keep their reports */
			cJSON_AddStringToObject(j, "peer_host", c->peer_host);
		cJSON_AddStringToObject(j, "type", c->stream ? "stream" : "dgram");
		cJSON_AddItemToObject(j, "ts", llnum(c->ts));
		if (c->count > 1) { /* aggregated: this record stands for count connects */
			cJSON_AddItemToObject(j, "count", llnum(c->count));
			cJSON_AddItemToObject(j, "last_ts", llnum(c->last_ts));
		}
		cJSON_AddItemToObject(j, "site", site_json(&c->site));
		cJSON_AddItemToArray(a, j);
	}
	for (size_t i = 0; i < p->nuses; i++) {
		const struct use *u = &p->uses[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "role", u->role_child ? "inherited" : "shared");
		cJSON_AddItemToObject(j, "ino", llnum((long long)u->ino));
		cJSON_AddItemToObject(j, "fd", llnum(u->fd));
		cJSON_AddItemToObject(j, "peer", strornull(u->peer));
		if (u->peer_host)
			cJSON_AddStringToObject(j, "peer_host", u->peer_host);
		cJSON_AddStringToObject(j, "op", u->op);
		cJSON_AddItemToObject(j, "owner", llnum(u->owner));
		cJSON_AddItemToObject(j, "ts", llnum(u->ts));
		cJSON_AddItemToObject(j, "site", site_json(&u->site));
		cJSON_AddItemToArray(a, j);
	}
	return a;
}

static cJSON *untraced_json(const struct proc *p)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < p->nexecs; i++) {
		const struct exec_ev *e = &p->execs[i];
		cJSON *j;
		if (!e->ok || e->image)
			continue;
		j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "pid", llnum(e->child >= 0 ? e->child : p->pid));
		cJSON_AddItemToObject(j, "path", strornull(e->path));
		cJSON_AddItemToObject(j, "argv", strarr(e->argv, e->argc));
		cJSON_AddStringToObject(j, "fn", e->fn);
		cJSON_AddBoolToObject(j, "preload", e->preload);
		cJSON_AddItemToArray(a, j);
	}
	return a;
}

static cJSON *proc_json(const struct proc *p)
{
	cJSON *o = cJSON_CreateObject(), *creds = cJSON_CreateArray();

	cJSON_AddItemToObject(o, "pid", llnum(p->pid));
	cJSON_AddItemToObject(o, "ppid", llnum(p->ppid));
	cJSON_AddStringToObject(o, "host", p->host);
	cJSON_AddItemToObject(o, "container", strornull(p->container));
	cJSON_AddStringToObject(o, "id", p->id);
	cJSON_AddItemToObject(o, "parent",
	                      p->parent ? cJSON_CreateString(p->parent->id) : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "link", link_name(p->link));
	cJSON_AddStringToObject(o, "origin",
	                        p->origin == OR_EXEC    ? "exec"
	                        : p->origin == OR_FORK  ? "fork"
	                        : p->origin == OR_VFORK ? "vfork"
	                                                : "clone");
	cJSON_AddItemToObject(o, "exe", strornull(p->exe));
	cJSON_AddItemToObject(o, "argv", strarr(p->argv, p->argc));
	cJSON_AddItemToObject(o, "start", llnum(p->start));
	cJSON_AddItemToObject(o, "end", p->has_end ? llnum(p->last_ts) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "runtime", strornull(p->rt_name));
	cJSON_AddItemToObject(o, "reads_hidden", strornull(p->blind ? p->blind_why : NULL));
	cJSON_AddBoolToObject(o, "capped", p->capped);
	if (p->capped && p->dropped >= 0) /* a tail ring: records lost between head and tail */
		cJSON_AddItemToObject(o, "dropped", llnum(p->dropped));
	for (size_t i = 0; i < p->ncreds; i++)
		cJSON_AddItemToArray(creds, cred_json(&p->creds[i], p->has_end));
	cJSON_AddItemToObject(o, "credentials", creds);
	cJSON_AddItemToObject(o, "sockets", sockets_json(p));
	cJSON_AddItemToObject(o, "untraced_children", untraced_json(p));
	if (p->snap) /* only in processes from a snapshot: traced reports stay as they were */
		cJSON_AddItemToObject(o, "snapshot", render_snap_json(p));
	return o;
}

static cJSON *finding_json(const struct finding *f)
{
	cJSON *o = cJSON_CreateObject(), *pids = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "code", code_name(f->code));
	cJSON_AddStringToObject(o, "severity", sev_name(f->sev));
	cJSON_AddItemToObject(o, "variable", strornull(f->var));
	for (size_t i = 0; i < f->npids; i++)
		cJSON_AddItemToArray(pids, llnum(f->pids[i]));
	cJSON_AddItemToObject(o, "pids", pids);
	cJSON_AddStringToObject(o, "message", f->message ? f->message : "");
	cJSON_AddStringToObject(o, "hint", f->hint ? f->hint : "");
	cJSON_AddItemToObject(o, "evidence", strarr(f->evidence, f->nev));
	return o;
}

/* Written section by section, each process and finding as soon as it is made and then freed: the
 * bytes are those of the whole document printed at once (the golden tests compare them). */
int render_json(FILE *out, const struct model *m, const struct findings *fs)
{
	cJSON *j;
	int rc = 0;

	fprintf(out, "{\n\t\"schema\":\t\"%s\",\n\t\"processes\":\t[", REPORT_SCHEMA);
	for (size_t i = 0; i < m->n; i++) {
		j = proc_json(m->procs[i]);
		if (i)
			fputs(", ", out);
		rc |= json_put(out, j, 2);
		cJSON_Delete(j);
	}
	fputs("],\n\t\"findings\":\t[", out);
	for (size_t i = 0; i < fs->n; i++) {
		j = finding_json(&fs->v[i]);
		if (i)
			fputs(", ", out);
		rc |= json_put(out, j, 2);
		cJSON_Delete(j);
	}
	fputs("],\n\t\"input\":\t", out);
	j = input_json();
	rc |= json_put(out, j, 1);
	cJSON_Delete(j);
	fputs("\n}\n", out);
	return rc || ferror(out) ? -1 : 0;
}
