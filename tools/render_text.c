/* SPDX-License-Identifier: MIT */
/* render_text.c: the human report: findings first, then the process tree, then the blind spots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "render.h"
#include "snap.h"

#define RING 8

struct ring {
	char *v[RING];
	size_t next;
};

struct pen {
	FILE *out;
	int on;            /* ANSI colour */
	struct ring *ring; /* escaped copies of trace strings */
};

/* s escaped for the terminal (argv from `node -e` holds newlines; any trace string may hold escape
 * sequences). Valid until RING more calls: enough for one fprintf. */
static const char *term_safe(const struct pen *p, const char *s)
{
	char **slot = &p->ring->v[p->ring->next++ % RING];

	free(*slot);
	return *slot = text_escape(s ? s : "");
}

/* term_safe for input_text, which takes an escaper and its context. */
static const char *term_safe_cb(const char *s, void *p)
{
	return term_safe(p, s);
}

/* An ANSI colour sequence, or nothing when the report is not in colour. */
static const char *colour(const struct pen *p, const char *code)
{
	return p->on ? code : "";
}
#define RESET(p) colour(p, "\033[0m")
#define BOLD(p)  colour(p, "\033[1m")
#define DIM(p)   colour(p, "\033[2m")

static const char *sev_colour(const struct pen *p, enum sev s)
{
	return colour(p, s == SEV_ERROR ? "\033[1;31m" : s == SEV_WARNING ? "\033[1;33m" : "\033[1;36m");
}

static void summary(const struct pen *p, const struct model *m, const struct findings *fs)
{
	size_t by[4] = {0};

	for (size_t i = 0; i < fs->n; i++)
		by[fs->v[i].sev]++;
	fprintf(p->out,
	        "%scredtrace: %zu finding%s (%zu error%s, %zu warning%s, %zu info) in %zu process%s on %zu "
	        "host%s%s\n",
	        BOLD(p), fs->n, fs->n == 1 ? "" : "s", by[SEV_ERROR], by[SEV_ERROR] == 1 ? "" : "s",
	        by[SEV_WARNING], by[SEV_WARNING] == 1 ? "" : "s", by[SEV_INFO], m->n, m->n == 1 ? "" : "es",
	        m->nhosts, m->nhosts == 1 ? "" : "s", RESET(p));
}

static void findings(const struct pen *p, const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		fprintf(p->out, "\n%s%-7s%s %s%s%s%s%s  pids", sev_colour(p, f->sev), sev_name(f->sev),
		        RESET(p), BOLD(p), code_name(f->code), f->var ? " " : "",
		        f->var ? term_safe(p, f->var) : "", RESET(p));
		for (size_t k = 0; k < f->npids; k++)
			fprintf(p->out, "%s%ld", k ? "," : " ", f->pids[k]);
		fprintf(p->out, "\n  %s\n", term_safe(p, f->message));
		for (size_t k = 0; k < f->nev;) {
			size_t run = text_run(f->evidence, f->nev, k);
			if (run <= TEXT_RUN_SHOWN) {
				for (size_t e = 0; e < run; e++)
					fprintf(p->out, "  %s- %s%s\n", DIM(p),
					        term_safe(p, f->evidence[k + e]), RESET(p));
			} else { /* first two, a count, the last: --format json has every line */
				fprintf(p->out, "  %s- %s%s\n", DIM(p), term_safe(p, f->evidence[k]),
				        RESET(p));
				fprintf(p->out, "  %s- %s%s\n", DIM(p), term_safe(p, f->evidence[k + 1]),
				        RESET(p));
				fprintf(p->out, "  %s- ... %zu more like these ...%s\n", DIM(p), run - 3,
				        RESET(p));
				fprintf(p->out, "  %s- %s%s\n", DIM(p),
				        term_safe(p, f->evidence[k + run - 1]), RESET(p));
			}
			k += run;
		}
		fprintf(p->out, "  %sfix:%s %s\n", BOLD(p), RESET(p), term_safe(p, f->hint));
	}
}

static void facts_text(const struct pen *p, const struct facts *f)
{
	fprintf(p->out, "%s", state_name(f->state));
	if (f->state == ST_ABSENT)
		return;
	fprintf(p->out, " len %ld", f->len);
	for (unsigned b = 0; b < F_COUNT; b++)
		if (f->flags & (1u << b))
			fprintf(p->out, " %s%s%s", colour(p, "\033[33m"), flag_names[b], RESET(p));
	if (f->provider)
		fprintf(p->out, " %s", term_safe(p, f->provider));
	if (f->fp[0])
		fprintf(p->out, " fp %s", term_safe(p, f->fp));
}

/* A variable read or set thousands of times: its first three and last two entries on its line, and
 * a count of those in between (--format json lists every one). 1 when entry k is not shown. */
static int skip_middle(const struct pen *p, size_t k, size_t n, const char *what)
{
	if (n <= 8 || k < 3 || k >= n - 2)
		return 0;
	if (k == 3)
		fprintf(p->out, "; ... %zu more %s ...", n - 5, what);
	return 1;
}

static void creds_text(const struct pen *p, const struct proc *pr, int depth)
{
	char peer[400];
	for (size_t i = 0; i < pr->ncreds; i++) {
		const struct cred *c = &pr->creds[i];
		struct facts absent = {0};
		fprintf(p->out, "%*s%s: ", depth * 2 + 4, "", term_safe(p, c->name));
		facts_text(p, c->has_start ? &c->start : &absent);
		if (c->inherited)
			fputs(" (parent's at fork)", p->out);
		for (size_t k = 0; k < c->nreads; k++) {
			const struct cread *r = &c->reads[k];
			if (skip_middle(p, k, c->nreads, "reads"))
				continue;
			/* process.env's long note is in the findings; the tree only says where the read came
			 * from */
			/* a count is final only when the process exited normally ("end") */
			fprintf(p->out, "; read %s%ldx%s%s%s%s (%s)", pr->has_end ? "" : "at least ",
			        r->count, site_joiner(&r->site),
			        r->site.js ? "process.env (JavaScript)" : term_safe(p, r->site.text),
			        r->site.module_level ? " at import time" : "", read_fork_note(r, pr),
			        state_name(r->f.state));
		}
		for (size_t k = 0; k < c->nsets; k++)
			if (!skip_middle(p, k, c->nsets, "changes"))
				fprintf(p->out, "; %s%s -> %s%s%s", term_safe(p, c->sets[k].fn),
				        c->sets[k].ok ? "" : " (failed)", state_name(c->sets[k].f.state),
				        site_joiner(&c->sets[k].site),
				        c->sets[k].site.js ? "process.env (JavaScript)"
				                           : term_safe(p, c->sets[k].site.text));
		fputc('\n', p->out);
	}
	for (size_t i = 0; i < pr->nconns; i++) {
		peer_phrase(pr->conns[i].peer, pr->conns[i].peer_host, peer, sizeof peer);
		fprintf(p->out, "%*ssocket: connected fd %d to %s (inode %llu)%s", depth * 2 + 4, "",
		        pr->conns[i].fd, term_safe(p, peer), pr->conns[i].ino,
		        pr->conns[i].stream ? "" : " dgram");
		if (pr->conns[i].count > 1) {
			char d[32];
			fmt_dur(pr->conns[i].ts, pr->conns[i].last_ts, d, sizeof d);
			fprintf(p->out, "; %ld connects like it (same site, peer, result) over %s",
			        pr->conns[i].count, d);
		}
		fputc('\n', p->out);
	}
	for (size_t i = 0; i < pr->nuses; i++)
		fprintf(p->out, "%*ssocket: %s fd %d to %s (inode %llu, from %ld): %s\n", depth * 2 + 4, "",
		        pr->uses[i].role_child ? "inherited" : "shared with children", pr->uses[i].fd,
		        pr->uses[i].peer ? term_safe(p, pr->uses[i].peer) : "?", pr->uses[i].ino,
		        pr->uses[i].owner, term_safe(p, pr->uses[i].op));
	render_snap_holds(p->out, pr, depth * 2 + 4);
}

static void tree(const struct pen *p, const struct model *m, const struct proc *pr, int depth)
{
	char lab[256], d[32];

	proc_label(m, pr, lab, sizeof lab);
	fprintf(p->out, "%*s%s%s%s  [", depth * 2 + 2, "", BOLD(p), term_safe(p, lab), RESET(p));
	if (!pr->parent)
		fprintf(p->out, "ppid %ld", pr->ppid);
	else
		fprintf(p->out, "%s", link_name(pr->link));
	if (pr->parent) {
		fmt_dur(pr->parent->start, pr->start, d, sizeof d);
		fprintf(p->out, " +%s", d);
	}
	fprintf(p->out, "%s%s]\n", pr->blind ? ", reads hidden" : "", pr->capped ? ", capped" : "");
	creds_text(p, pr, depth);
	for (size_t i = 0; i < pr->nkids; i++)
		tree(p, m, pr->kids[i], depth + 1);
	for (size_t i = 0; i < pr->nforks; i++)
		if (fork_untraced(pr, &pr->forks[i])) {
			fmt_dur(pr->start, pr->forks[i].ts, d, sizeof d);
			fprintf(p->out, "%*spid %ld  [fork +%s, no records of its own]\n", depth * 2 + 4, "",
			        pr->forks[i].child, d);
		}
}

static void processes(const struct pen *p, const struct model *m)
{
	fprintf(p->out, "\n%sProcesses%s\n", BOLD(p), RESET(p));
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *pr = m->procs[i];
		if (i == 0 || strcmp(pr->host, m->procs[i - 1]->host) != 0)
			fprintf(p->out, "host %s%s%.12s\n", term_safe(p, pr->host),
			        pr->container ? " container " : "",
			        pr->container ? term_safe(p, pr->container) : "");
		if (!pr->parent)
			tree(p, m, pr, 0);
	}
}

/* A blind process that is listed: a fork child of a blind parent is the same program, said once. */
static int blind_listed(const struct proc *q)
{
	return q->blind && (q->origin == OR_EXEC || !q->parent || !q->parent->blind);
}

/* Processes whose reads cannot be seen, grouped by reason: a shell pipeline has many. */
static int blind_groups(const struct pen *p, const struct model *m)
{
	int any = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct proc *pr = m->procs[i];
		size_t n = 0;
		int first = 1;
		if (!blind_listed(pr))
			continue;
		for (size_t k = 0; k < i && first; k++)
			if (blind_listed(m->procs[k]) && !strcmp(m->procs[k]->blind_why, pr->blind_why))
				first = 0;
		if (!first)
			continue;
		fprintf(p->out, "  - %s: pid", term_safe(p, pr->blind_why));
		for (size_t k = i; k < m->n; k++) {
			const struct proc *q = m->procs[k];
			if (blind_listed(q) && !strcmp(q->blind_why, pr->blind_why) && n++ < 8)
				fprintf(p->out, "%s %ld", n > 1 ? "," : "", q->pid);
		}
		fprintf(p->out, n > 8 ? " and %zu more\n" : "\n", n - 8);
		any = 1;
	}
	return any;
}

static void blind_spots(const struct pen *p, const struct model *m)
{
	char lab[256];
	int any;

	fprintf(p->out, "\n%sNot seen%s\n", BOLD(p), RESET(p));
	any = blind_groups(p, m);
	any |= input_text(p->out, term_safe_cb, (void *)p) > 0;
	any |= render_snap_notes(p->out, m);
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *pr = m->procs[i];
		proc_label(m, pr, lab, sizeof lab);
		for (size_t k = 0; k < pr->nexecs; k++) {
			const struct exec_ev *e = &pr->execs[k];
			char who[300];
			/* An exec in a vfork or fork child: the parent started the program
			 * (CRED_LOST_ON_EXEC). */
			if (e->child < 0 && pr->origin != OR_EXEC && pr->parent) {
				proc_label(m, pr->parent, who, sizeof who);
				snprintf(who + strlen(who), sizeof who - strlen(who), ", in its %s child,",
				         pr->origin == OR_VFORK ? "vfork" : "fork");
			} else {
				snprintf(who, sizeof who, "%s", lab);
			}
			if (e->ok && !e->image && ++any)
				fprintf(p->out, "  - %s started %s (pid %ld): untraced child (%s)\n",
				        term_safe(p, who), e->path ? term_safe(p, e->path) : "?",
				        e->child >= 0 ? e->child : pr->pid,
				        e->preload ? "static or setuid, or its file is missing"
				                   : "LD_PRELOAD removed");
		}
		if (pr->capped && pr->dropped < 0 && ++any)
			fprintf(
			    p->out,
			    "  - %s: trace file %s reached CREDTRACE_MAX_BYTES; later events are missing\n",
			    term_safe(p, lab), term_safe(p, pr->file));
		else if (pr->capped && !pr->dropped && ++any)
			fprintf(
			    p->out,
			    "  - %s: trace file %s reached half of CREDTRACE_MAX_BYTES: its newest records "
			    "go to a ring at its end, none dropped so far\n",
			    term_safe(p, lab), term_safe(p, pr->file));
		else if (pr->capped && ++any)
			fprintf(p->out,
			        "  - %s: trace file %s reached CREDTRACE_MAX_BYTES: its first and its newest "
			        "records are kept, %ld in between were dropped\n",
			        term_safe(p, lab), term_safe(p, pr->file), pr->dropped);
		if (pr->bad_lines && ++any)
			fprintf(p->out, "  - %s: %d unreadable line%s skipped in %s\n", term_safe(p, lab),
			        pr->bad_lines, pr->bad_lines == 1 ? "" : "s", term_safe(p, pr->file));
	}
	if (!any)
		fprintf(p->out,
		        "  - nothing beyond the usual: reads that bypass getenv (direct environ access) "
		        "are never visible\n");
}

int render_text(FILE *out, const struct model *m, const struct findings *fs, int flags)
{
	struct ring ring = {{NULL}, 0};
	struct pen p = {out, flags & TEXT_COLOUR, &ring};

	summary(&p, m, fs);
	findings(&p, fs);
	if (!(flags & TEXT_FINDINGS_ONLY)) {
		processes(&p, m);
		blind_spots(&p, m);
	}
	for (size_t i = 0; i < RING; i++)
		free(ring.v[i]);
	return ferror(out) ? -1 : 0;
}
