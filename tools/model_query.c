/* SPDX-License-Identifier: MIT */
/* model_query.c: lookups and labels over the model that the rules and renderers use. */
#include <stdio.h>
#include <string.h>

#include "model_int.h"

const char *path_base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

const char *site_joiner(const struct site *s)
{
	return !s->text ? "" : s->js ? " via " : " at ";
}

const char *read_fork_note(const struct cread *r, const struct proc *p)
{
	return !r->forks && p->nforks ? " before fork" : "";
}

struct cred *proc_cred(const struct proc *p, const char *name)
{
	for (size_t i = 0; i < p->ncreds; i++)
		if (!strcmp(p->creds[i].name, name))
			return &p->creds[i];
	return NULL;
}

int proc_within(const struct proc *a, const struct proc *b)
{
	for (; a; a = a->parent)
		if (a == b)
			return 1;
	return 0;
}

enum cstate proc_start_state(const struct proc *p, const char *name)
{
	struct cred *c = proc_cred(p, name);
	return c && c->has_start ? c->start.state : ST_ABSENT;
}

void proc_label(const struct model *m, const struct proc *p, char *buf, size_t n)
{
	char args[160] = "";
	size_t used = 0;

	for (size_t i = 0; i < p->argc && i < 4 && used < sizeof args - 1; i++)
		used += (size_t)snprintf(args + used, sizeof args - used, "%s%s", i ? " " : "",
		                         i ? p->argv[i] : path_base(p->argv[i]));
	if (used >= sizeof args - 1 || p->argc > 4)
		snprintf(args + (used > sizeof args - 5 ? sizeof args - 5 : used), 5, " ...");
	if (!args[0])
		snprintf(args, sizeof args, "%s", p->exe ? path_base(p->exe) : "?");
	snprintf(buf, n, "pid %ld (%s)%s%s", p->pid, args, m->nhosts > 1 ? " on " : "",
	         m->nhosts > 1 ? p->host : "");
}

const char *state_name(enum cstate s)
{
#define NAME_STR(id, str) str,
	static const char *const names[] = {CT_STATES(NAME_STR)}; /* shim/cred_table.h */
#undef NAME_STR
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : names[ST_ABSENT];
}

const char *link_name(enum link l)
{
	static const char *const names[] = {"none", "fork", "exec", "spawn", "vfork", "ppid"};
	return names[l];
}

void fmt_dur(long long from, long long to, char *buf, size_t n)
{
	long long us, a;

	/* Timestamps come from files: a damaged one must not overflow the subtraction. */
	if (__builtin_sub_overflow(to, from, &us) || us == -__LONG_LONG_MAX__ - 1) {
		snprintf(buf, n, "?");
		return;
	}
	a = us < 0 ? -us : us;
	if (a < 1000)
		snprintf(buf, n, "%lld us", us);
	else if (a < 1000000)
		snprintf(buf, n, "%.1f ms", (double)us / 1e3);
	else
		snprintf(buf, n, "%.2f s", (double)us / 1e6);
}

void peer_phrase(const char *peer, const char *host, char *buf, size_t n)
{
	const char *port = peer ? strrchr(peer, ':') : NULL;
	if (!peer)
		snprintf(buf, n, "?");
	else if (!host || !port)
		snprintf(buf, n, "%s", peer);
	else
		snprintf(buf, n, "%s%s (%s)", host, port, peer);
}

int fork_untraced(const struct proc *p, const struct fork_ev *f)
{
	if (f->child <= 0)
		return 0;
	for (size_t i = 0; i < p->nkids; i++)
		if (p->kids[i]->pid == f->child && p->kids[i]->link == LK_FORK)
			return 0;
	return 1;
}
