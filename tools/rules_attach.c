/* SPDX-License-Identifier: MIT */
/* rules_attach.c: findings that rest on what `credtrace attach` saw open in a running process. */
#include <stdio.h>
#include <string.h>

#include "rules.h"

/* SOCKET_REUSED_AFTER_FORK from an attach: the process held, when attached, a connected client
 * socket that its parent holds too (so it was made before the fork), and used it after. The
 * connect itself was not seen: its site and time are unknown, and said so. */
static void rule_held(const struct model *m, const struct proc *p, const struct conn *c, struct findings *out)
{
	const struct use *us = NULL;
	struct finding *f;
	char lab[256], site[600];
	for (size_t j = 0; j < p->nuses && !us; j++)
		if (p->uses[j].ino == c->ino && p->uses[j].role_child)
			us = &p->uses[j];
	if (!us)
		return;
	f = finding_new(out, C_SOCKET_REUSED, SEV_WARNING, NULL);
	if (c->owner > 0)
		finding_pid(f, c->owner);
	finding_pid(f, p->pid);
	proc_label(m, p, lab, sizeof lab);
	site_phrase(&us->site, site, sizeof site);
	finding_msg(f,
	            "a connection to %s that %s inherited from its parent %ld (made before the fork) is "
	            "used after the fork",
	            c->peer, lab, c->owner);
	finding_ev(f,
	           "when attached, %s held fd %d (inode %llu) to %s, also held by its parent %ld; the "
	           "connect happened before the attach (site and time not seen)",
	           lab, c->fd, c->ino, c->peer, c->owner);
	finding_ev(f, "%s used it: %s%s", lab, us->op, site);
	finding_hint(f,
	             "Create clients and their connection pools after the fork: in gunicorn's post_fork or "
	             "post_worker_init hook, celery's worker_process_init signal, or lazily on first use in "
	             "each worker (or run gunicorn without --preload). Never share one HTTP client across "
	             "processes.");
}

void rules_attach(const struct model *m, struct findings *out)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		for (size_t k = 0; k < p->nconns; k++)
			if (p->conns[k].held && p->conns[k].inherited)
				rule_held(m, p, &p->conns[k], out);
	}
}
