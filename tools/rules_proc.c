/* SPDX-License-Identifier: MIT */
/* rules_proc.c: rules about processes and sockets: credentials lost on exec, sockets reused after
 * fork, credentials read only before fork, untraced children. */
#include <stdio.h>
#include <string.h>

#include "rules.h"

/* Who chose the new program's environment (docs/findings.md, CRED_LOST_ON_EXEC, **pids**): the caller
 * for a spawn or an exec of its own image; the parent when the exec ran in a vfork or fork child
 * (CPython's subprocess, libuv's child_process, a preexec_fn), also when that parent left no trace:
 * its pid is in the child's header. */
struct chooser {
	long pid;
	char lab[256];
	const char *how; /* how the exec call relates to it: " by", " in vfork child", " in fork child" */
};

static void chooser_of(const struct model *m, const struct proc *q, const struct exec_ev *e,
                       struct chooser *c)
{
	const struct proc *sp = q;

	c->how = " by";
	if (!e->in_vfork && e->child < 0 && q->origin != OR_EXEC) {
		c->how = q->origin == OR_VFORK ? " in vfork child" : " in fork child";
		sp = q->parent;
	}
	if (sp) {
		c->pid = sp->pid;
		proc_label(m, sp, c->lab, sizeof c->lab);
	} else {
		c->pid = q->parent_pid;
		snprintf(c->lab, sizeof c->lab, "pid %ld (the parent of pid %ld; it left no trace)",
		         q->parent_pid, q->pid);
	}
}

static long child_pid(const struct proc *q, const struct exec_ev *e)
{
	return e->child >= 0 ? e->child : q->pid;
}

/* The first read of var in img or below it, NULL when none was seen. */
static const struct proc *reader_below(const struct model *m, const struct proc *img, const char *var,
                                       const struct cread **rd)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		const struct cred *c = proc_cred(p, var);
		if (c && c->nreads && proc_within(p, img)) {
			*rd = &c->reads[0];
			return p;
		}
	}
	return NULL;
}

/* A process in img's subtree whose reads cannot be seen, or that started an untraced child. */
static const struct proc *blind_below(const struct model *m, const struct proc *img, const char **why)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		if (!proc_within(p, img))
			continue;
		/* m->procs[] never holds NULL (model_build stores proc_from_trace's result, and erealloc
		 * exits on failure); the analyzer conjures a NULL procs[1] after reader_below's loop. */
		if (p->blind) { /* NOLINT(clang-analyzer-core.NullDereference): false positive, see above */
			*why = p->blind_why;
			return p;
		}
		for (size_t k = 0; k < p->nexecs; k++)
			if (p->execs[k].ok && !p->execs[k].image) {
				*why = "it started a child that left no trace";
				return p;
			}
	}
	return NULL;
}

static void rule_lost(const struct model *m, const struct proc *q, const struct exec_ev *e, const char *var,
                      struct findings *out)
{
	const struct proc *rp = NULL, *bp = NULL;
	const struct cread *rd = NULL;
	const char *why = NULL, *prog = e->path ? e->path : e->argc ? e->argv[0] : "a program";
	char clab[256], site[600];
	struct chooser ch;
	enum sev sev = SEV_INFO;
	struct finding *f;

	if (e->image && (rp = reader_below(m, e->image, var, &rd)))
		sev = SEV_ERROR;
	else if (!e->image || (bp = blind_below(m, e->image, &why)))
		sev = SEV_WARNING;
	f = finding_new(out, C_LOST_ON_EXEC, sev, var);
	chooser_of(m, q, e, &ch);
	finding_pid(f, ch.pid);
	finding_pid(f, child_pid(q, e));
	site_phrase(&e->site, site, sizeof site);
	finding_msg(f, "%s started %s without %s, which it had", ch.lab, prog, var);
	finding_ev(f, "%s%s %ld%s, environment %s", e->fn, ch.how, q->pid, site,
	           e->custom_env ? "given explicitly (custom envp)"
	           : e->swapped  ? "assigned to environ just before the call"
	                         : "inherited");
	if (rp) {
		proc_label(m, rp, clab, sizeof clab);
		site_phrase(&rd->site, site, sizeof site);
		finding_ev(f, "%s read %s%s: %s", clab, var, site, state_name(rd->f.state));
	} else if (!e->image) {
		finding_ev(f, "the child %ld left no trace (%s): whether it needs %s cannot be seen",
		           child_pid(q, e),
		           e->preload ? "LD_PRELOAD kept: static or setuid program?" : "LD_PRELOAD removed",
		           var);
	} else if (bp) {
		proc_label(m, bp, clab, sizeof clab);
		finding_ev(f, "reads of %s below the child cannot all be seen: %s: %s", var, clab, why);
	} else {
		proc_label(m, e->image, clab, sizeof clab);
		finding_ev(f, "no read of %s was observed in %s or its descendants", var, clab);
	}
	if (sev == SEV_INFO)
		finding_hint(f,
		             "Nothing to do if %s never needs %s (a minimal environment is good practice); "
		             "otherwise pass it on.",
		             prog, var);
	else
		finding_hint(
		    f,
		    "Pass %s on: include it in the environment given to %s (subprocess: "
		    "env={**os.environ, ...}; Node child_process: env: {...process.env, ...}), or stop "
		    "clearing the environment.",
		    var, e->fn);
}

static void rule_untraced(const struct model *m, const struct proc *q, const struct exec_ev *e,
                          struct findings *out)
{
	const char *prog = e->path ? e->path : e->argc ? e->argv[0] : "a program";
	struct finding *f = finding_new(out, C_UNTRACED, SEV_WARNING, NULL);
	char site[600];
	struct chooser ch;

	chooser_of(m, q, e, &ch);
	site_phrase(&e->site, site, sizeof site);
	finding_pid(f, ch.pid);
	finding_pid(f, child_pid(q, e));
	finding_msg(f, "%s started %s (pid %ld), which left no trace", ch.lab, prog, child_pid(q, e));
	finding_ev(f, "%s%s %ld%s; the new environment %s LD_PRELOAD with the shim", e->fn, ch.how, q->pid,
	           site, e->preload ? "keeps" : "does not keep");
	if (e->preload)
		finding_hint(
		    f, "A static or setuid program ignores LD_PRELOAD: trace it inside its own container or "
		       "image, and check that every trace file of the run is given to credtrace report.");
	else
		finding_hint(f,
		             "Keep LD_PRELOAD and CREDTRACE_DIR in the environment passed to %s "
		             "(env={**os.environ, ...}) so that the child is traced too.",
		             e->fn);
}

/* The ancestor of u (or u) that was forked directly from o, NULL when u is not below o. */
static const struct proc *kid_of(const struct proc *u, const struct proc *o)
{
	for (; u && u->parent != o; u = u->parent)
		;
	return u;
}

/* When the fork that gave u (below o) the socket happened. */
static long long fork_time(const struct proc *k)
{
	return k->link == LK_FORK ? k->fork_ts : k->start;
}

struct sock_user {
	const struct proc *u, *k; /* k: u's ancestor forked from the owner, NULL for the owner itself */
	const struct use *use;
};

#define SOCK_USERS_MAX 64

/* Who used o's connection c after a fork: at most one entry (the first use) per process. */
static size_t sock_users(const struct model *m, const struct proc *o, const struct conn *c,
                         struct sock_user *v)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n && n < SOCK_USERS_MAX; i++) {
		const struct proc *u = m->procs[i];
		const struct proc *k = u == o ? NULL : kid_of(u, o);
		if (strcmp(u->host, o->host) != 0 || (u != o && !k))
			continue;
		if (k && fork_time(k) < c->ts)
			continue; /* forked before the socket existed: a later socket that reused the inode */
		for (size_t j = 0; j < u->nuses; j++) {
			const struct use *us = &u->uses[j];
			if (us->ino != c->ino || us->ts < c->ts || (us->owner >= 0 && us->owner != o->pid) ||
			    us->role_child != (u != o))
				continue;
			v[n++] = (struct sock_user){u, k, us};
			break;
		}
	}
	return n;
}

/* SOCKET_REUSED_AFTER_FORK: o's connected stream socket c is used after a fork by a forked child.
 * Listeners and accepted sockets have no connect record, so they never get here. */
static void rule_socket(const struct model *m, const struct proc *o, const struct conn *c,
                        struct findings *out)
{
	struct sock_user v[SOCK_USERS_MAX];
	size_t n = sock_users(m, o, c, v), kids = 0;
	long long first_fork = 0;
	struct finding *f;
	char lab[256], site[600], d[32], d2[32], peer[400];

	for (size_t i = 0; i < n; i++)
		if (v[i].k) {
			kids++;
			if (!first_fork || fork_time(v[i].k) < first_fork)
				first_fork = fork_time(v[i].k);
		}
	if (!kids)
		return; /* only the parent used it after forking: its own socket */
	f = finding_new(out, C_SOCKET_REUSED, n >= 2 ? SEV_ERROR : SEV_WARNING, NULL);
	finding_pid(f, o->pid);
	proc_label(m, o, lab, sizeof lab);
	site_phrase(&c->site, site, sizeof site);
	fmt_dur(c->ts, first_fork, d, sizeof d);
	peer_phrase(c->peer, c->peer_host, peer, sizeof peer);
	finding_msg(f,
	            "a connection to %s made by %s before it forked is used after the fork by %zu process%s",
	            peer, lab, n, n == 1 ? "" : "es");
	finding_ev(f, "%s connected fd %d (inode %llu)%s, %s before the first fork that shares it", lab,
	           c->fd, c->ino, site, d);
	for (size_t i = 0; i < n; i++) {
		proc_label(m, v[i].u, lab, sizeof lab);
		site_phrase(&v[i].use->site, site, sizeof site);
		finding_pid(f, v[i].u->pid);
		if (!v[i].k) {
			finding_ev(f, "%s (the parent) used it after forking: %s%s", lab, v[i].use->op, site);
			continue;
		}
		fmt_dur(fork_time(v[i].k), v[i].use->ts, d, sizeof d);
		fmt_dur(c->ts, fork_time(v[i].k), d2, sizeof d2);
		finding_ev(f, "%s, forked %s after the connect, used it: %s %s after its fork%s", lab, d2,
		           v[i].use->op, d, site);
	}
	finding_hint(f,
	             "Create clients and their connection pools after the fork: in gunicorn's post_fork or "
	             "post_worker_init hook, celery's worker_process_init signal, or lazily on first use in "
	             "each worker (or run gunicorn without --preload). Never share one HTTP client across "
	             "processes.");
}

/* 1 when q is k or below k through fork links only (the same program, forked). */
static int fork_within(const struct proc *q, const struct proc *k)
{
	for (; q; q = q->parent) {
		if (q == k)
			return 1;
		if (q->link != LK_FORK)
			return 0;
	}
	return 0;
}

static int execs_itself(const struct proc *k)
{
	for (size_t i = 0; i < k->nexecs; i++)
		if (k->execs[i].ok && !k->execs[i].in_vfork && k->execs[i].child < 0)
			return 1;
	return 0;
}

/* Did a process forked from k (k included) read var, or is one of them blind? */
static int worker_reads(const struct model *m, const struct proc *k, const char *var, int *blind)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *q = m->procs[i];
		const struct cred *c;
		if (!fork_within(q, k))
			continue;
		*blind |= q->blind;
		if ((c = proc_cred(q, var)) && c->nreads)
			return 1;
	}
	return 0;
}

static int used_socket(const struct proc *k)
{
	for (size_t i = 0; i < k->nuses; i++)
		if (k->uses[i].role_child)
			return 1;
	return 0;
}

/* CRED_READ_BEFORE_FORK: p read var before forking workers (children that do not exec) and no worker
 * read it: the import-time client pattern. Not raised when a worker's reads cannot be seen. */
static void rule_before_fork(const struct model *m, const struct proc *p, const struct cred *c,
                             struct findings *out)
{
	const struct cread *r = NULL;
	const struct proc *w[64];
	size_t nw = 0, sock = 0, silent = 0;
	int blind = 0;
	struct finding *f;
	char lab[256], site[600], d[32], list[300];
	long long first_fork = 0;

	for (size_t i = 0; i < c->nreads && !r; i++)
		if (c->reads[i].f.state != ST_ABSENT && c->reads[i].forks == 0)
			r = &c->reads[i];
	if (!r)
		return;
	for (size_t i = 0; i < c->nreads; i++)
		if (c->reads[i].forks > 0)
			return; /* the parent reads it again after forking: it uses it itself */
	for (size_t i = 0; i < p->nkids && nw < 64; i++) {
		const struct proc *k = p->kids[i];
		if (k->link != LK_FORK || k->fork_ts < r->ts || execs_itself(k))
			continue;
		if (worker_reads(m, k, c->name, &blind))
			return;
		sock += used_socket(k);
		w[nw++] = k;
	}
	/* Fork children with no trace file at all are workers too: they read nothing we could see. */
	for (size_t i = 0; i < p->nforks; i++)
		if (p->forks[i].ts >= r->ts && fork_untraced(p, &p->forks[i]))
			silent++;
	if ((!nw && !silent) || blind || (silent && p->blind))
		return;
	f = finding_new(out, C_READ_BEFORE_FORK, SEV_WARNING, c->name);
	finding_pid(f, p->pid);
	proc_label(m, p, lab, sizeof lab);
	read_phrase(r, site, sizeof site);
	for (size_t i = 0; i < p->nforks; i++)
		if (p->forks[i].ts >= r->ts && (!first_fork || p->forks[i].ts < first_fork))
			first_fork = p->forks[i].ts;
	fmt_dur(r->ts, nw ? w[0]->fork_ts : first_fork, d, sizeof d);
	finding_msg(f, "%s was read only by %s before it forked %zu worker%s that do the work", c->name, lab,
	            nw + silent, nw + silent == 1 ? "" : "s");
	finding_ev(f, "%s read it%s, %s before the first fork", lab, site, d);
	list[0] = 0;
	for (size_t i = 0, u = 0; i < nw; i++) {
		finding_pid(f, w[i]->pid);
		if (u < sizeof list)
			u += (size_t)snprintf(list + u, sizeof list - u, "%s%ld", i ? ", " : "", w[i]->pid);
	}
	if (nw)
		finding_ev(f, "forked worker%s %s made no read of %s of their own%s", nw == 1 ? "" : "s",
		           list, c->name, sock ? "; they use sockets inherited from the parent" : "");
	list[0] = 0;
	for (size_t i = 0, u = 0; i < p->nforks; i++)
		if (p->forks[i].ts >= r->ts && fork_untraced(p, &p->forks[i])) {
			finding_pid(f, p->forks[i].child);
			if (u < sizeof list)
				u += (size_t)snprintf(list + u, sizeof list - u, "%s%ld", u ? ", " : "",
				                      p->forks[i].child);
		}
	if (silent)
		finding_ev(f,
		           "forked worker%s %s recorded nothing of their own (no read, connection or exec): "
		           "whatever they use came from the parent",
		           silent == 1 ? "" : "s", list);
	finding_hint(
	    f, "Build the client in each worker after the fork (gunicorn post_fork, celery "
	       "worker_process_init, or lazily on first use) instead of at import time in the parent; a "
	       "client built before the fork carries its key and its connection pool into every worker.");
}

void rules_proc(const struct model *m, struct findings *out)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		for (size_t k = 0; k < p->nexecs; k++) {
			const struct exec_ev *e = &p->execs[k];
			if (!e->ok)
				continue;
			for (size_t j = 0; j < e->nlost; j++)
				rule_lost(m, p, e, e->lost[j], out);
			if (!e->image)
				rule_untraced(m, p, e, out);
		}
		for (size_t k = 0; k < p->nconns; k++)
			if (p->conns[k].stream && p->conns[k].ok && !p->conns[k].held)
				rule_socket(m, p, &p->conns[k], out);
		if (p->nkids || p->nforks)
			for (size_t k = 0; k < p->ncreds; k++)
				rule_before_fork(m, p, &p->creds[k], out);
	}
}
