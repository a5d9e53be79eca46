/* SPDX-License-Identifier: MIT */
/* model_link.c: the process tree (fork, vfork, exec and spawn links, ppid as the last resort) and
 * which processes' credential reads cannot be seen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

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
		if (q == p || q->pid != p->parent_pid || !same_host(q, p)) /* cheap test first: O(n^2) */
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
		if (q != p && q->pid == p->ppid && same_host(q, p) && q->start <= p->start &&
		    (!best || q->start > best->start))
			best = q;
	}
	attach(p, best, LK_PPID);
}

static int is_runtime(const char *b, const char *name)
{
	return !strncmp(b, name, strlen(name));
}

/* Did the Python adapter attribute a read in p? (A fork child whose parent left no trace has no
 * runtime record of its own, but its reads say the adapter is on.) */
static int adapter_reads(const struct proc *p)
{
	for (size_t i = 0; i < p->ncreds; i++)
		for (size_t k = 0; k < p->creds[i].nreads; k++)
			if (!strcmp(p->creds[i].reads[k].fn, "os.environ"))
				return 1;
	return 0;
}

/* Can credential reads be seen in p? Fork children share their parent's adapter state. */
static void set_blind(struct proc *p)
{
	const char *b = path_base(p->exe ? p->exe : p->argc ? p->argv[0] : "");
	static const char *const nogetenv[] = {"perl", "java", "bash", "sh", "dash", "zsh"};

	if (p->blind_known)
		return;
	p->blind_known = 1;
	/* Only an image that ran code can hide reads: a vfork child runs nothing of its own between vfork
	 * and exec (its file holds a header and the exec record), whatever its parent's runtime is. */
	if (p->origin == OR_VFORK)
		return;
	if (p->origin != OR_EXEC && p->parent) {
		set_blind(p->parent);
		p->blind = p->parent->blind;
		p->blind_why = estrdup(p->parent->blind_why);
		return;
	}
	if (p->rt_name && !p->rt_reads) {
		p->blind = 1;
		if (asprintf(&p->blind_why, "%s without read attribution (%s)", p->rt_name,
		             p->rt_why ? p->rt_why : "adapter off") < 0)
			eprintf("out of memory:");
	} else if (!p->rt_name && is_runtime(b, "python") && !adapter_reads(p)) {
		p->blind = 1;
		p->blind_why = estrdup("Python without an adapter record: os.environ reads are not visible");
	} else {
		for (size_t i = 0; i < sizeof nogetenv / sizeof nogetenv[0]; i++)
			if (!strcmp(b, nogetenv[i]) && (p->blind = 1))
				if (asprintf(&p->blind_why,
				             "%s reads its own copy of the environment, not through getenv",
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

/* Sorts the processes (host, start, pid, nonce: stable output) and links each to its parent. */
void model_link(struct model *m)
{
	if (m->n)
		qsort(m->procs, m->n, sizeof(struct proc *), cmp_proc);
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
		if (i == 0 || strcmp(p->host, m->procs[i - 1]->host) != 0)
			m->nhosts++;
	}
}
