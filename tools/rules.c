/* SPDX-License-Identifier: MIT */
/* rules.c: finding bookkeeping, and running the rules: credential values in rules_value.c and
 * rules_divergent.c, processes and sockets in rules_proc.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules.h"

static const char *const code_names[C_COUNT] = {
    "CRED_MISSING",
    "CRED_EMPTY",
    "CRED_NAME_MISMATCH",
    "CRED_LOST_ON_EXEC",
    "SOCKET_REUSED_AFTER_FORK",
    "SOCKET_SHARED",
    "CRED_DIVERGENT",
    "CRED_MALFORMED",
    "CRED_READ_BEFORE_FORK",
    "UNTRACED_PROCESS",
    "CRED_SET_AT_RUNTIME",
    "KEY_REJECTED",
    "KEY_SENT_DIFFERS",
};

const char *code_name(enum code c)
{
	return code_names[c];
}

const char *sev_name(enum sev s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

int sev_parse(const char *s)
{
	static const char *const names[] = {"info", "warning", "error", "never"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i + 1;
	return -1;
}

/* ---- building findings ------------------------------------------------------------------------- */

static char *vfmt(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		eprintf("out of memory:");
	return s;
}

struct finding *finding_new(struct findings *fs, enum code c, enum sev s, const char *var)
{
	struct finding *f;

	fs->v = erealloc(fs->v, (fs->n + 1) * sizeof *fs->v);
	f = &fs->v[fs->n];
	memset(f, 0, sizeof *f);
	f->code = c;
	f->sev = s;
	f->seq = fs->n++;
	if (var && !(f->var = strdup(var)))
		eprintf("out of memory:");
	return f;
}

void finding_pid(struct finding *f, long pid)
{
	for (size_t i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return;
	f->pids = erealloc(f->pids, (f->npids + 1) * sizeof *f->pids);
	f->pids[f->npids++] = pid;
}

void finding_msg(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(f->message);
	f->message = vfmt(fmt, ap);
	va_end(ap);
}

void finding_hint(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(f->hint);
	f->hint = vfmt(fmt, ap);
	va_end(ap);
}

void finding_ev(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	f->evidence = erealloc(f->evidence, (f->nev + 1) * sizeof *f->evidence);
	f->evidence[f->nev++] = vfmt(fmt, ap);
	va_end(ap);
}

void site_phrase(const struct site *s, char *buf, size_t n)
{
	if (!s->text)
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, " %s %s%s", s->js ? "via" : "at", s->text,
		         s->module_level ? " at import time" : "");
}

void read_phrase(const struct cread *r, char *buf, size_t n)
{
	size_t u;

	site_phrase(&r->site, buf, n);
	u = strlen(buf);
	if (!r->site.js) /* for process.env, "getenv" is libuv's call, not the program's */
		snprintf(buf + u, n - u, " (%s)", r->fn);
}

/* ---- the variables of the trace --------------------------------------------------------------- */

struct names {
	const char **v;
	size_t n;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every credential name seen anywhere, sorted, each once. */
static void all_names(const struct model *m, struct names *ns)
{
	ns->v = NULL;
	ns->n = 0;
	for (size_t i = 0; i < m->n; i++)
		for (size_t k = 0; k < m->procs[i]->ncreds; k++) {
			ns->v = erealloc(ns->v, (ns->n + 1) * sizeof *ns->v);
			ns->v[ns->n++] = m->procs[i]->creds[k].name;
		}
	if (ns->n)
		qsort(ns->v, ns->n, sizeof *ns->v, cmp_name);
	size_t w = 0;
	for (size_t i = 0; i < ns->n; i++)
		if (w == 0 || strcmp(ns->v[w - 1], ns->v[i]) != 0)
			ns->v[w++] = ns->v[i];
	ns->n = w;
}

/* ---- running and sorting -------------------------------------------------------------------------- */

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if (x->sev != y->sev)
		return x->sev > y->sev ? -1 : 1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	if ((c = strcmp(x->var ? x->var : "", y->var ? y->var : "")))
		return c;
	if (x->npids && y->npids && x->pids[0] != y->pids[0])
		return x->pids[0] < y->pids[0] ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void rules_run(const struct model *m, struct findings *out)
{
	static void (*const per_var[])(const struct model *, const char *, struct findings *) = {
	    rules_missing, rules_empty, rules_divergent, rules_malformed, rules_set,
	};
	struct names ns;

	memset(out, 0, sizeof *out);
	all_names(m, &ns);
	for (size_t i = 0; i < ns.n; i++)
		for (size_t r = 0; r < sizeof per_var / sizeof per_var[0]; r++)
			per_var[r](m, ns.v[i], out);
	free(ns.v);
	rules_proc(m, out);
	rules_snap(m, out);
	rules_wire(m, out);
	rules_attach(m, out);
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_finding);
}

void findings_free(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct finding *f = &fs->v[i];
		free(f->var);
		free(f->pids);
		free(f->message);
		free(f->hint);
		for (size_t k = 0; k < f->nev; k++)
			free(f->evidence[k]);
		free(f->evidence);
	}
	free(fs->v);
	memset(fs, 0, sizeof *fs);
}
