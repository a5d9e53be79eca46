/* SPDX-License-Identifier: MIT */
/* focus.c: a view of the model restricted to one process tree (see focus.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "focus.h"

static int is_root(const struct proc *p, long pid)
{
	if (p->pid != pid)
		return 0;
	for (const struct proc *a = p->parent; a; a = a->parent)
		if (a->pid == pid)
			return 0;
	return 1;
}

size_t focus_pid(struct model *m, long pid, struct model *view, struct findings *fs)
{
	struct proc **roots = NULL;
	struct findings gone = {NULL, 0};
	size_t nroots = 0, w = 0;

	memset(view, 0, sizeof *view);
	for (size_t i = 0; i < m->n; i++)
		if (is_root(m->procs[i], pid)) {
			roots = erealloc(roots, (nroots + 1) * sizeof(struct proc *));
			roots[nroots++] = m->procs[i];
		}
	if (!nroots)
		return 0;
	view->procs = erealloc(NULL, m->n * sizeof(struct proc *));
	for (size_t i = 0; i < m->n; i++)
		for (size_t r = 0; r < nroots; r++)
			if (proc_within(m->procs[i], roots[r])) {
				view->procs[view->n++] = m->procs[i];
				break;
			}
	/* Hosts of the view: counted as the model counts them, by name change in host order. */
	for (size_t i = 0; i < view->n; i++)
		view->nhosts += i == 0 || strcmp(view->procs[i]->host, view->procs[i - 1]->host) != 0;
	for (size_t r = 0; r < nroots; r++)
		roots[r]->parent = NULL;
	free(roots);
	/* The findings: those that name a process of the view (by pid, as findings do). */
	for (size_t i = 0; i < fs->n; i++) {
		int in = 0;
		for (size_t k = 0; k < fs->v[i].npids && !in; k++)
			for (size_t j = 0; j < view->n && !in; j++)
				in = view->procs[j]->pid == fs->v[i].pids[k];
		if (in) {
			fs->v[w++] = fs->v[i];
		} else {
			gone.v = erealloc(gone.v, (gone.n + 1) * sizeof *gone.v);
			gone.v[gone.n++] = fs->v[i];
		}
	}
	fs->n = w;
	findings_free(&gone);
	return nroots;
}
