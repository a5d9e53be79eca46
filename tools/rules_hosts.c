/* SPDX-License-Identifier: MIT */
/* rules_hosts.c: ties a finding about a provider's key to that provider's traffic: the connections
 * its processes made to the provider's API hosts (peer_host, from the shim's getaddrinfo hook). */
#include <stdio.h>

#include "cred_info.h"
#include "rules.h"

#define CITE_MAX 3 /* evidence lines: enough to show where the key was going */

void finding_cite_hosts(const struct model *m, struct finding *f, const char *var)
{
	const struct cred_info *ci = cred_info(var);
	char lab[256], peer[400];
	size_t cited = 0, more = 0;

	if (!f || !ci || !ci->provider[0])
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		int in = 0;
		for (size_t k = 0; k < f->npids && !in; k++)
			in = f->pids[k] == p->pid;
		for (size_t k = 0; in && k < p->nconns; k++) {
			const struct conn *c = &p->conns[k];
			if (!c->peer_host || !cred_provider_host(ci->provider, c->peer_host))
				continue;
			if (cited == CITE_MAX) {
				more++;
				continue;
			}
			proc_label(m, p, lab, sizeof lab);
			peer_phrase(c->peer, c->peer_host, peer, sizeof peer);
			finding_ev(f, "%s connected to %s (fd %d, inode %llu): %s traffic", lab, peer, c->fd,
			           c->ino, ci->provider);
			cited++;
		}
	}
	if (more)
		finding_ev(f, "and %zu more connection%s to %s hosts", more, more == 1 ? "" : "s",
		           ci->provider);
}
