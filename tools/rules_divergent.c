/* SPDX-License-Identifier: MIT */
/* rules_divergent.c: CRED_DIVERGENT: one variable, different values (by keyed fingerprint) across
 * processes that share a fingerprint key, or over one process's life. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules.h"

/* One fingerprint as seen under one key: the key id (hdr.kid) when the file has one, and the input
 * PATH it was found under, for files without one. */
struct fpent {
	const char *fp, *kid;
	int input;
	const struct proc **procs;
	size_t nprocs;
	int shown; /* part of a divergence: listed in the evidence */
};

struct fpset {
	struct fpent *v;
	size_t n;
	size_t *idx, cap; /* index + 1 into v by hash of (fp, input, kid); cap a power of two */
};

/* Were a and b made with the same key? Two files that name their key compare only when the names
 * are equal (hosts with different key files); otherwise only files of one input PATH are compared,
 * as they were written into one trace directory and so under one key. */
static int same_key(const struct fpent *a, const struct fpent *b)
{
	if (a->kid && b->kid)
		return !strcmp(a->kid, b->kid);
	return a->input == b->input;
}

static size_t fp_hash(const char *fp, int input)
{
	size_t h = 1469598103934665603ull ^ (size_t)input;
	for (; *fp; fp++)
		h = (h ^ (unsigned char)*fp) * 1099511628211ull;
	return h;
}

static int fp_match(const struct fpent *e, const struct proc *p, const char *fp)
{
	return !strcmp(e->fp, fp) && e->input == p->input &&
	       (e->kid && p->kid ? !strcmp(e->kid, p->kid) : e->kid == p->kid);
}

/* The index of s->v: a process that set its variable 40,000 times has as many fingerprints, and a
 * linear search per note made the report quadratic (issue 14). */
static size_t *fp_slot(struct fpset *s, const struct proc *p, const char *fp)
{
	size_t i = fp_hash(fp, p->input) & (s->cap - 1);
	while (s->idx[i] && !fp_match(&s->v[s->idx[i] - 1], p, fp))
		i = (i + 1) & (s->cap - 1);
	return &s->idx[i];
}

static void fp_reindex(struct fpset *s)
{
	free(s->idx);
	s->cap = s->cap ? s->cap * 2 : 64;
	s->idx = erealloc(NULL, s->cap * sizeof *s->idx);
	memset(s->idx, 0, s->cap * sizeof *s->idx);
	for (size_t i = 0; i < s->n; i++) {
		struct proc q = {0};
		q.input = s->v[i].input;
		q.kid = (char *)s->v[i].kid;
		*fp_slot(s, &q, s->v[i].fp) = i + 1;
	}
}

static void note_fp(struct fpset *s, const struct proc *p, const char *fp)
{
	struct fpent *e;
	size_t *slot;

	if (2 * (s->n + 1) > s->cap)
		fp_reindex(s);
	slot = fp_slot(s, p, fp);
	if (*slot) {
		e = &s->v[*slot - 1];
	} else {
		s->v = erealloc(s->v, (s->n + 1) * sizeof *s->v);
		e = &s->v[s->n++];
		*e = (struct fpent){fp, p->kid, p->input, NULL, 0, 0};
		*slot = s->n;
	}
	for (size_t k = 0; k < e->nprocs; k++)
		if (e->procs[k] == p)
			return;
	e->procs = erealloc(e->procs, (e->nprocs + 1) * sizeof(const struct proc *));
	e->procs[e->nprocs++] = p;
}

/* Notes every fingerprint of var in p; returns 1 when p's own value changed during its life. */
static int note_proc(const struct model *m, const struct proc *p, const struct cred *c, struct fpset *s,
                     struct finding **f, struct findings *out)
{
	const char *first = NULL;
	char lab[256];
	int changed = 0;

	proc_label(m, p, lab, sizeof lab);
	/* A fork child's inherited start is its parent's value, already noted there; it is still what a
	 * later read in the child is compared with. */
	if (c->has_start && c->start.fp[0] && !c->inherited)
		note_fp(s, p, c->start.fp);
	if (c->has_start && c->start.fp[0])
		first = c->start.fp;
	for (size_t k = 0; k < c->nreads; k++) {
		const char *fp = c->reads[k].f.fp;
		if (!fp[0])
			continue;
		note_fp(s, p, fp);
		if (first && strcmp(first, fp) != 0 && !changed) {
			*f = *f ? *f : finding_new(out, C_DIVERGENT, SEV_WARNING, c->name);
			finding_pid(*f, p->pid);
			finding_ev(
			    *f, "%s: the value changed during its life (fingerprint %s at start, %s later)",
			    lab, first, fp);
			changed = 1;
		}
		first = first ? first : fp;
	}
	for (size_t k = 0; k < c->nsets; k++) {
		const struct cset *st = &c->sets[k];
		if (!st->ok || !st->has_prev || !st->prev.fp[0] || !st->f.fp[0] ||
		    !strcmp(st->prev.fp, st->f.fp))
			continue;
		note_fp(s, p, st->f.fp);
		*f = *f ? *f : finding_new(out, C_DIVERGENT, SEV_WARNING, c->name);
		finding_pid(*f, p->pid);
		finding_ev(*f, "%s changed it with %s (fingerprint %s, then %s)", lab, st->fn, st->prev.fp,
		           st->f.fp);
		changed = 1;
	}
	return changed;
}

/* CRED_DIVERGENT: different fingerprints for one variable among processes that share a key, or a
 * value that changed during one process's life. */
void rules_divergent(const struct model *m, const char *var, struct findings *out)
{
	struct fpset s = {NULL, 0, NULL, 0};
	const char *kid0 = NULL;
	struct finding *f = NULL;
	const struct proc **changed = NULL;
	size_t nchanged = 0;
	int keys = 0; /* several key ids in the trace: say which key each fingerprint is under */

	for (size_t i = 0; i < m->n; i++) {
		const struct cred *c = proc_cred(m->procs[i], var);
		if (c && note_proc(m, m->procs[i], c, &s, &f, out)) {
			changed = erealloc(changed, (nchanged + 1) * sizeof(const struct proc *));
			changed[nchanged++] = m->procs[i];
		}
	}
	for (size_t i = 0; i < s.n; i++) {
		if (s.v[i].kid) { /* several key ids: two different ones among the entries */
			keys |= kid0 && strcmp(kid0, s.v[i].kid) != 0;
			kid0 = kid0 ? kid0 : s.v[i].kid;
		}
		/* One other value under the same key is enough: stop at the first (linear when one key
		 * holds many values). */
		for (size_t k = 0; k < s.n && !s.v[i].shown; k++)
			if (k != i && strcmp(s.v[i].fp, s.v[k].fp) != 0 && same_key(&s.v[i], &s.v[k]))
				s.v[i].shown = 1;
		for (size_t k = 0; k < s.v[i].nprocs; k++)
			for (size_t j = 0; j < nchanged; j++)
				s.v[i].shown |= s.v[i].procs[k] == changed[j];
	}
	for (size_t i = 0; i < s.n; i++) {
		char pids[256] = "";
		size_t u = 0;
		if (!s.v[i].shown)
			continue;
		f = f ? f : finding_new(out, C_DIVERGENT, SEV_WARNING, var);
		for (size_t k = 0; k < s.v[i].nprocs; k++) {
			const struct proc *q = s.v[i].procs[k];
			if (u < sizeof pids) /* pid 1 of two containers: the host tells them apart */
				u += (size_t)snprintf(pids + u, sizeof pids - u, "%s%s%ld%s%s", k ? ", " : "",
				                      k ? "" : "pid ", q->pid, m->nhosts > 1 ? " on " : "",
				                      m->nhosts > 1 ? q->host : "");
			finding_pid(f, q->pid);
		}
		if (keys && s.v[i].kid)
			finding_ev(f, "fingerprint %s in %s (key %s)", s.v[i].fp, pids, s.v[i].kid);
		else
			finding_ev(f, "fingerprint %s in %s", s.v[i].fp, pids);
	}
	for (size_t i = 0; i < s.n; i++)
		free(s.v[i].procs);
	free(s.v);
	free(s.idx);
	free(changed);
	if (!f)
		return;
	finding_msg(f, "%s does not have the same value in every process (compared by keyed fingerprint)",
	            var);
	finding_hint(
	    f, "Give every process the value from one source (one Kubernetes Secret or compose env_file "
	       "for all services) and restart them after rotating the key; run-time changes (dotenv "
	       "with override) show up as CRED_SET_AT_RUNTIME. Compare hosts with one CREDTRACE_KEY_FILE.");
}
