/* SPDX-License-Identifier: MIT */
/* rules_snap.c: findings from live state (`credtrace snap`): SOCKET_SHARED, a credential absent in
 * some processes of one program, and what every value finding made from a snapshot cannot know. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "names.h"
#include "snap.h"

#define SNAP_CAVEAT                                                                                          \
	"seen in a snapshot of /proc: the environment each program started with; reads and run-time "        \
	"changes are not visible (`credtrace run` records them)"
#define MAX_EV 12 /* evidence lines about holders; the pids list names them all */

/* ---- SOCKET_SHARED -------------------------------------------------------------------------- */

struct holder {
	const struct proc *p;
	const struct hold *h;
};

static int cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;
	int c = strcmp(x->p->host, y->p->host);

	if (c)
		return c;
	if (x->h->ino != y->h->ino)
		return x->h->ino < y->h->ino ? -1 : 1;
	if (x->p->start != y->p->start)
		return x->p->start < y->p->start ? -1 : 1;
	if (x->p->pid != y->p->pid)
		return x->p->pid < y->p->pid ? -1 : 1;
	return x->h->fd - y->h->fd;
}

/* The likely creator: the holder that every other holder descends from, else the oldest. */
static const struct proc *creator(const struct holder *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < n && proc_within(v[k].p, v[i].p))
			k++;
		if (k == n)
			return v[i].p;
	}
	return v[0].p;
}

/* Holders of one socket are of one host, sorted by start and pid: a process's descriptors are
 * adjacent, also when two snapshots of it are merged (two files, one pid and start). */
static int same_holder(const struct holder *a, const struct holder *b)
{
	return a->p->pid == b->p->pid && a->p->start == b->p->start;
}

static size_t distinct_procs(const struct holder *v, size_t n)
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++)
		d += i == 0 || !same_holder(&v[i], &v[i - 1]);
	return d;
}

static void shared_finding(const struct model *m, const struct holder *v, size_t n, struct findings *out)
{
	const struct proc *cr = creator(v, n);
	size_t np = distinct_procs(v, n), shown = 0;
	struct finding *f = finding_new(out, C_SOCKET_SHARED, np - 1 >= 2 ? SEV_ERROR : SEV_WARNING, NULL);
	char lab[256];

	/* the creator, then every other holder once (v is sorted, one process's fds adjacent);
	 * thousands of workers: no finding_pid, whose duplicate check is quadratic */
	f->pids = erealloc(NULL, (np + 1) * sizeof *f->pids);
	f->pids[f->npids++] = cr->pid;
	for (size_t i = 0; i < n; i++)
		if (v[i].p->pid != cr->pid && (i == 0 || !same_holder(&v[i], &v[i - 1])))
			f->pids[f->npids++] = v[i].p->pid;
	proc_label(m, cr, lab, sizeof lab);
	finding_msg(f,
	            "one connected client socket to %s (inode %llu) is held by %zu processes at once: "
	            "%s, its likely creator, and %zu other%s (snapshot)",
	            v[0].h->peer, v[0].h->ino, np, lab, np - 1, np - 1 == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const struct hold *h = v[i].h;
		if (v[i].p != cr && shown++ >= MAX_EV)
			continue;
		proc_label(m, v[i].p, lab, sizeof lab);
		finding_ev(f, "%s holds it as fd %d (%s -> %s, %s)%s", lab, h->fd, h->local, h->peer,
		           h->state, v[i].p == cr ? ": the oldest holder, the others descend from it" : "");
	}
	if (shown > MAX_EV)
		finding_ev(f, "and %zu more descriptors (all pids are listed)", shown - MAX_EV);
	finding_ev(f, "whether each process sends on it is not visible in a snapshot; `credtrace run` "
	              "records who uses it after the fork (SOCKET_REUSED_AFTER_FORK)");
	finding_hint(f, "A client built before the fork (at import time, with gunicorn --preload) hands its "
	                "pooled connection to every worker: their requests and responses interleave on one "
	                "TCP stream. Create the client in each worker after the fork (gunicorn post_fork, "
	                "celery worker_process_init, an ASGI lifespan handler), or close it in the parent "
	                "before forking.");
}

static void rule_shared(const struct model *m, struct findings *out)
{
	struct holder *v = NULL;
	size_t n = 0;

	size_t cap = 0;

	for (size_t i = 0; i < m->n; i++)
		cap += m->procs[i]->snap ? m->procs[i]->snap->nholds : 0;
	v = erealloc(NULL, (cap + 1) * sizeof *v);
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		for (size_t k = 0; p->snap && k < p->snap->nholds; k++)
			if (p->snap->holds[k].role == HOLD_CLIENT) /* never listeners or accepted ones */
				v[n++] = (struct holder){p, &p->snap->holds[k]};
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_holder);
	for (size_t i = 0, e; i < n; i = e) {
		for (e = i + 1; e < n && v[e].h->ino == v[i].h->ino && !strcmp(v[e].p->host, v[i].p->host);
		     e++)
			;
		if (distinct_procs(v + i, e - i) >= 2)
			shared_finding(m, v + i, e - i, out);
	}
	free(v);
}

/* ---- a credential absent in some processes of one program ---------------------------------- */

/* Processes of one program: the same executable and command line. */
static int cmp_program(const struct proc *a, const struct proc *b)
{
	int c = strcmp(a->exe ? a->exe : "", b->exe ? b->exe : "");

	if (c || (c = (a->exe != NULL) - (b->exe != NULL)))
		return c;
	for (size_t i = 0; i < a->argc && i < b->argc; i++)
		if ((c = strcmp(a->argv[i], b->argv[i])))
			return c;
	return a->argc < b->argc ? -1 : a->argc > b->argc;
}

static int cmp_prog_ptr(const void *a, const void *b)
{
	const struct proc *x = *(const struct proc *const *)a, *y = *(const struct proc *const *)b;
	int c = cmp_program(x, y);
	/* then the model's order (host, start, pid): evidence in a stable order */
	return c                     ? c
	       : x->start < y->start ? -1
	       : x->start > y->start ? 1
	                             : (x->pid > y->pid) - (x->pid < y->pid);
}

/* One program's processes g[0..n): a credential some have at start and others lack. */
static void missing_in(const struct model *m, const struct proc **g, size_t n, const char *var,
                       struct findings *out)
{
	struct finding *f = NULL;
	const struct proc *with = NULL;
	char lab[256];

	for (size_t i = 0; i < n && !with; i++)
		if (proc_start_state(g[i], var) != ST_ABSENT)
			with = g[i];
	if (!with)
		return;
	for (size_t i = 0; i < n; i++) {
		if (proc_start_state(g[i], var) != ST_ABSENT)
			continue;
		if (!f)
			f = finding_new(out, C_MISSING, names_primary(var) ? SEV_ERROR : SEV_WARNING, var);
		proc_label(m, g[i], lab, sizeof lab);
		finding_pid(f, g[i]->pid);
		finding_ev(f, "%s started without %s", lab, var);
	}
	if (!f)
		return;
	proc_label(m, with, lab, sizeof lab);
	finding_ev(f, "%s, the same program, has it", lab);
	finding_msg(f,
	            "%s is absent from the environment of %zu process%s of a program that has it elsewhere "
	            "(snapshot)",
	            var, f->npids, f->npids == 1 ? "" : "es");
	finding_hint(f,
	             "Give every process of this program %s from one source (the service's environment, "
	             "a Kubernetes Secret in envFrom for every pod); a replica or worker started from "
	             "another definition (another compose service, a cron job, a manual restart) lacks it.",
	             var);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Groups the readable snapshot processes by program; in each, every credential name any of them
 * has is checked once. Processes whose environ could not be read are never counted as lacking. */
static void rule_missing(const struct model *m, struct findings *out)
{
	const struct proc **v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		if (m->procs[i]->snap && m->procs[i]->snap->environ_read) {
			v = erealloc(v, (n + 1) * sizeof(const struct proc *));
			v[n++] = m->procs[i];
		}
	if (n)
		qsort(v, n, sizeof(const struct proc *), cmp_prog_ptr);
	for (size_t i = 0, e; i < n; i = e) {
		const char **names = NULL;
		size_t nn = 0;
		for (e = i + 1; e < n && !cmp_program(v[e], v[i]); e++)
			;
		if (e - i < 2)
			continue;
		for (size_t k = i; k < e; k++)
			for (size_t c = 0; c < v[k]->ncreds; c++) {
				names = erealloc(names, (nn + 1) * sizeof *names);
				names[nn++] = v[k]->creds[c].name;
			}
		if (nn)
			qsort(names, nn, sizeof *names, cmp_str);
		for (size_t k = 0; k < nn; k++)
			if (k == 0 || strcmp(names[k], names[k - 1]) != 0)
				missing_in(m, v + i, e - i, names[k], out);
		free(names);
	}
	free(v);
}

/* ---- the caveat ---------------------------------------------------------------------------- */

static int snap_pid(const struct model *m, long pid)
{
	int snap = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->procs[i]->pid == pid) {
			if (!m->procs[i]->snap)
				return 0;
			snap = 1;
		}
	return snap;
}

/* Value findings resting on snapshot processes only say so; an empty value that is not a
 * provider's primary key may be one no code reads: a warning, not an error. */
static void annotate(const struct model *m, struct findings *out, size_t from)
{
	for (size_t i = 0; i < from; i++) {
		struct finding *f = &out->v[i];
		int all = f->npids > 0;
		char *msg;
		if (f->code != C_EMPTY && f->code != C_MALFORMED && f->code != C_DIVERGENT)
			continue;
		for (size_t k = 0; k < f->npids && all; k++)
			all = snap_pid(m, f->pids[k]);
		if (!all)
			continue;
		if (f->code == C_EMPTY && !names_primary(f->var))
			f->sev = SEV_WARNING;
		msg = estrdup(f->message ? f->message : "");
		finding_msg(f, "%s (snapshot)", msg);
		free(msg);
		finding_ev(f, "%s", SNAP_CAVEAT);
	}
}

void rules_snap(const struct model *m, struct findings *out)
{
	size_t before = out->n;
	int any = 0;

	for (size_t i = 0; i < m->n && !any; i++)
		any = m->procs[i]->snap != NULL;
	if (!any)
		return;
	annotate(m, out, before);
	rule_shared(m, out);
	rule_missing(m, out);
}
