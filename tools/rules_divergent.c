/* SPDX-License-Identifier: MIT */
/* rules_divergent.c: CRED_DIVERGENT: one variable, different values (by keyed fingerprint) across
 * processes that share a fingerprint key, or over one process's life. */
#include <stdio.h>
#include <string.h>

#include "rules.h"

/* Comparable fingerprints: same key id, or without one, the same input directory. */
static void fp_group(const struct proc *p, char *buf, size_t n)
{
	if (p->kid)
		snprintf(buf, n, "kid:%s", p->kid);
	else
		snprintf(buf, n, "input:%d", p->input);
}

struct fpseen {
	char group[96];
	char fp[16];
	long pids[8];
	size_t npids;
};

static void note_fp(struct fpseen *v, size_t *n, size_t cap, const char *group, const char *fp, long pid)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (!strcmp(v[i].group, group) && !strcmp(v[i].fp, fp))
			break;
	if (i == *n) {
		if (*n == cap)
			return;
		memset(&v[i], 0, sizeof v[i]);
		snprintf(v[i].group, sizeof v[i].group, "%s", group);
		snprintf(v[i].fp, sizeof v[i].fp, "%s", fp);
		(*n)++;
	}
	for (size_t k = 0; k < v[i].npids; k++)
		if (v[i].pids[k] == pid)
			return;
	if (v[i].npids < 8)
		v[i].pids[v[i].npids++] = pid;
}

/* CRED_DIVERGENT: different fingerprints for one variable among processes that share a key, or a
 * value that changed during one process's life. */
void rules_divergent(const struct model *m, const char *var, struct findings *out)
{
	struct fpseen seen[32];
	size_t n = 0;
	struct finding *f = NULL;
	char lab[256], grp[96];

	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		const struct cred *c = proc_cred(p, var);
		const char *first = NULL;
		if (!c)
			continue;
		fp_group(p, grp, sizeof grp);
		if (c->has_start && c->start.fp[0])
			note_fp(seen, &n, 32, grp, first = c->start.fp, p->pid);
		for (size_t k = 0; k < c->nreads; k++) {
			const char *fp = c->reads[k].f.fp;
			if (!fp[0])
				continue;
			note_fp(seen, &n, 32, grp, fp, p->pid);
			if (first && strcmp(first, fp) && !f) {
				f = finding_new(out, C_DIVERGENT, SEV_WARNING, var);
				proc_label(m, p, lab, sizeof lab);
				finding_pid(f, p->pid);
				finding_ev(f,
				           "%s: the value changed during its life (fingerprint %s at start, "
				           "%s later)",
				           lab, first, fp);
			}
			first = first ? first : fp;
		}
		for (size_t k = 0; k < c->nsets; k++) {
			const struct cset *st = &c->sets[k];
			if (!st->ok || !st->has_prev || !st->prev.fp[0] || !st->f.fp[0] ||
			    !strcmp(st->prev.fp, st->f.fp))
				continue;
			note_fp(seen, &n, 32, grp, st->f.fp, p->pid);
			if (!f)
				f = finding_new(out, C_DIVERGENT, SEV_WARNING, var);
			proc_label(m, p, lab, sizeof lab);
			finding_pid(f, p->pid);
			finding_ev(f, "%s changed it with %s (fingerprint %s, then %s)", lab, st->fn,
			           st->prev.fp, st->f.fp);
		}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (!strcmp(seen[i].group, seen[k].group) && !f)
				f = finding_new(out, C_DIVERGENT, SEV_WARNING, var);
	if (!f)
		return;
	for (size_t i = 0; i < n; i++) {
		char pids[128] = "";
		size_t u = 0;
		for (size_t k = 0; k < seen[i].npids && u < sizeof pids; k++) {
			u += (size_t)snprintf(pids + u, sizeof pids - u, "%s%ld", k ? ", " : "",
			                      seen[i].pids[k]);
			finding_pid(f, seen[i].pids[k]);
		}
		finding_ev(f, "fingerprint %s in %s", seen[i].fp, pids);
	}
	finding_msg(f, "%s does not have the same value in every process (compared by keyed fingerprint)",
	            var);
	finding_hint(
	    f, "Give every process the value from one source (one Kubernetes Secret or compose env_file "
	       "for all services) and restart them after rotating the key; run-time changes (dotenv "
	       "with override) show up as CRED_SET_AT_RUNTIME. Compare hosts with one CREDTRACE_KEY_FILE.");
}
