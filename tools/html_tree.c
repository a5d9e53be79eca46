/* SPDX-License-Identifier: MIT */
/* html_tree.c: the process tree as SVG: an indented tree per host (a child below its parent, one step
 * to the right), so edges never cross; shared sockets are drawn in lanes to the right of the boxes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "html_tree.h"
#include "markup.h"

#define X0       16  /* left margin */
#define INDENT   30  /* per tree level */
#define NODE_W   720 /* box width */
#define HEAD_H   26  /* the box's first line: pid and command */
#define LINE_H   18  /* one credential */
#define GAP      10  /* between boxes */
#define BAND_H   30  /* a host heading */
#define LANE_W   18  /* one socket lane */
#define TEXT_MAX 96  /* characters of a credential line that fit in a box (12px monospace) */
#define LABEL_W  190 /* room for the socket labels on the right */

struct node {
	const struct proc *p;
	size_t idx; /* in m->procs */
	int depth, x, y, h;
};

struct layout {
	struct node *v; /* in drawing order */
	size_t n;
	int width, height, lanes_x;
};

static int node_h(const struct proc *p)
{
	return HEAD_H + LINE_H * (int)p->ncreds + (p->ncreds ? 6 : 0);
}

static void place(struct layout *l, const struct model *m, const struct proc *p, int depth, int *y)
{
	struct node *nd;
	size_t idx = 0;

	while (idx < m->n && m->procs[idx] != p)
		idx++;
	l->v = erealloc(l->v, (l->n + 1) * sizeof *l->v);
	nd = &l->v[l->n++];
	*nd = (struct node){p, idx, depth, X0 + depth * INDENT, *y, node_h(p)};
	*y += nd->h + GAP;
	if (nd->x + NODE_W > l->width)
		l->width = nd->x + NODE_W;
	for (size_t i = 0; i < p->nkids; i++)
		place(l, m, p->kids[i], depth + 1, y);
}

static const struct node *node_of(const struct layout *l, const struct proc *p)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].depth >= 0 && l->v[i].p == p)
			return &l->v[i];
	return NULL;
}

/* A host heading is drawn where the host changes; its y is kept in the node list as a node with p
 * NULL, so that drawing walks one list. */
static void layout(struct layout *l, const struct model *m)
{
	int y = 8;

	memset(l, 0, sizeof *l);
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		if (i == 0 || strcmp(p->host, m->procs[i - 1]->host) != 0) {
			l->v = erealloc(l->v, (l->n + 1) * sizeof *l->v);
			l->v[l->n++] = (struct node){p, i, -1, X0 - 8, y, BAND_H};
			y += BAND_H + 4;
		}
		if (!p->parent)
			place(l, m, p, 0, &y);
	}
	l->lanes_x = l->width + 24;
	l->height = y + 8;
}

/* ---- one process ------------------------------------------------------------------------------- */

static const char *link_style(enum link k)
{
	switch (k) {
	case LK_FORK:
		return "stroke:#57606a";
	case LK_EXEC:
		return "stroke:#0969da;stroke-dasharray:7 4";
	case LK_SPAWN:
		return "stroke:#8250df;stroke-dasharray:2 3";
	case LK_VFORK:
		return "stroke:#57606a;stroke-dasharray:4 2";
	default:
		return "stroke:#afb8c1;stroke-dasharray:1 4";
	}
}

/* A credential's state as a shape, so that it reads without colour too: present a filled circle, present
 * with a shape defect a diamond, empty a hollow square, absent a cross. */
static void shape(FILE *out, const struct facts *f, int x, int y)
{
	if (f->state == ST_ABSENT)
		fprintf(out,
		        "<path class=\"absent\" d=\"M%d %dl8 8m0 -8l-8 8\" "
		        "style=\"stroke:#cf222e;stroke-width:2.5\"/>",
		        x - 4, y - 4);
	else if (f->state == ST_EMPTY)
		fprintf(out,
		        "<rect class=\"empty\" x=\"%d\" y=\"%d\" width=\"9\" height=\"9\" "
		        "style=\"fill:#fff;stroke:#bc4c00;stroke-width:2\"/>",
		        x - 4, y - 4);
	else if (f->flags)
		fprintf(out,
		        "<path class=\"malformed\" d=\"M%d %dl6 6l-6 6l-6 -6z\" "
		        "style=\"fill:#d4a72c;stroke:#7d4e00\"/>",
		        x, y - 6);
	else
		fprintf(out, "<circle class=\"present\" cx=\"%d\" cy=\"%d\" r=\"5\" style=\"fill:#1a7f37\"/>",
		        x, y);
}

/* Appends to buf (size n) what the tree says about a credential: state and facts, reads, sets. */
static void cred_line(const struct proc *p, const struct cred *c, char *buf, size_t n)
{
	struct facts absent = {0};
	const struct facts *f = c->has_start ? &c->start : &absent;
	size_t o = 0;

#define ADD(...) (o += (size_t)snprintf(buf + o, o < n ? n - o : 0, __VA_ARGS__), o = o < n ? o : n - 1)
	ADD("%s: %s", c->name, state_name(f->state));
	if (f->state != ST_ABSENT)
		ADD(" len %ld", f->len);
	for (unsigned b = 0; b < F_COUNT; b++)
		if (f->flags & (1u << b))
			ADD(" %s", flag_names[b]);
	if (f->provider)
		ADD(" %s", f->provider);
	if (f->fp[0])
		ADD(" fp %s", f->fp);
	if (c->inherited)
		ADD(" (parent's at fork)");
	for (size_t k = 0; k < c->nreads; k++) {
		const struct cread *r = &c->reads[k];
		ADD("; read %ldx%s%s%s%s (%s)", r->count, site_joiner(&r->site),
		    r->site.js     ? "process.env"
		    : r->site.text ? r->site.text
		                   : "",
		    r->site.module_level ? " at import time" : "", read_fork_note(r, p),
		    state_name(r->f.state));
	}
	for (size_t k = 0; k < c->nsets; k++)
		ADD("; %s%s -> %s", c->sets[k].fn, c->sets[k].ok ? "" : " (failed)",
		    c->sets[k].fn && !strcmp(c->sets[k].fn, "unsetenv") ? "unset"
		                                                        : state_name(c->sets[k].f.state));
#undef ADD
}

/* Text cut to max characters (UTF-8 aware enough: never inside a sequence), with an ellipsis. */
static void put_cut(FILE *out, const char *s, size_t max)
{
	size_t n = 0, i = 0;
	char *t;

	for (; s[i] && n < max; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	while (s[i] && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	t = erealloc(NULL, i + 1);
	memcpy(t, s, i);
	t[i] = '\0';
	put_markup(out, t);
	if (s[i])
		fputs("\xe2\x80\xa6", out);
	free(t);
}

static enum sev proc_findings(const struct findings *fs, const struct proc *p, size_t *which, size_t max,
                              size_t *n)
{
	enum sev worst = 0;

	*n = 0;
	for (size_t i = 0; i < fs->n; i++)
		for (size_t k = 0; k < fs->v[i].npids; k++)
			if (fs->v[i].pids[k] == p->pid) {
				if (*n < max)
					which[(*n)++] = i;
				if (fs->v[i].sev > worst)
					worst = fs->v[i].sev;
				break;
			}
	return worst;
}

static const char *sev_fill(enum sev s)
{
	return s == SEV_ERROR ? "#cf222e" : s == SEV_WARNING ? "#bf8700" : "#0969da";
}

static void draw_node(FILE *out, const struct model *m, const struct findings *fs, const struct node *nd)
{
	const struct proc *p = nd->p;
	char lab[300], line[1200], d[32];
	size_t which[6], nf;
	enum sev worst = proc_findings(fs, p, which, 6, &nf);
	int bx;

	fprintf(out, "<g id=\"" PROC_ANCHOR "\" class=\"proc\">", nd->idx);
	fprintf(out,
	        "<rect class=\"node\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\" "
	        "style=\"fill:#f6f8fa;stroke:%s;stroke-width:%s\"/>",
	        nd->x, nd->y, NODE_W, nd->h, nf ? sev_fill(worst) : "#8c959f", nf ? "2" : "1");
	proc_label(m, p, lab, sizeof lab);
	fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"head\"><title>", nd->x + 8, nd->y + 17);
	put_markup(out, p->exe);
	fputs("</title>", out);
	put_cut(out, lab, 72);
	if (p->parent) {
		fmt_dur(p->parent->start, p->start, d, sizeof d);
		fprintf(out, "<tspan class=\"kind\"> %s +%s</tspan>", link_name(p->link), d);
	} else {
		fprintf(out, "<tspan class=\"kind\"> ppid %ld</tspan>", p->ppid);
	}
	if (p->blind)
		fputs("<tspan class=\"kind\"> reads hidden</tspan>", out);
	fputs("</text>", out);
	/* Finding badges, right-aligned in the head line, each a link to its card. */
	bx = nd->x + NODE_W - 8;
	for (size_t k = nf; k-- > 0;) {
		char t[16];
		int w = snprintf(t, sizeof t, "F%zu", which[k] + 1) * 8 + 8;
		bx -= w + 4;
		fprintf(out,
		        "<a href=\"#" FINDING_ANCHOR "\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" "
		        "rx=\"8\" style=\"fill:%s\"/><text x=\"%d\" y=\"%d\" class=\"badge\">%s</text></a>",
		        which[k] + 1, bx, nd->y + 5, w, sev_fill(fs->v[which[k]].sev), bx + w / 2, nd->y + 17,
		        t);
	}
	for (size_t i = 0; i < p->ncreds; i++) {
		const struct cred *c = &p->creds[i];
		struct facts absent = {0};
		int y = nd->y + HEAD_H + LINE_H * (int)i + 8;
		cred_line(p, c, line, sizeof line);
		fputs("<g class=\"cred\"><title>", out);
		put_markup(out, line);
		fputs("</title>", out);
		shape(out, c->has_start ? &c->start : &absent, nd->x + 16, y - 4);
		fprintf(out, "<text x=\"%d\" y=\"%d\">", nd->x + 28, y);
		put_cut(out, line, TEXT_MAX);
		fputs("</text></g>", out);
	}
	fputs("</g>\n", out);
}

/* The edges to p's children: each child's own piece of the vertical line (from the previous child),
 * drawn in its link's style. */
static void draw_edges(FILE *out, const struct layout *l, const struct node *nd)
{
	int from = nd->y + HEAD_H;
	int x = nd->x + 12;

	for (size_t i = 0; i < nd->p->nkids; i++) {
		const struct node *k = node_of(l, nd->p->kids[i]);
		int y;
		if (!k)
			continue;
		y = k->y + 13;
		fprintf(
		    out,
		    "<path class=\"edge %s\" d=\"M%d %dV%dH%d\" style=\"fill:none;stroke-width:1.6;%s\"/>\n",
		    link_name(k->p->link), x, from, y, k->x, link_style(k->p->link));
		from = y;
	}
}

/* ---- sockets ----------------------------------------------------------------------------------- */

struct sock {
	const char *host, *peer;
	unsigned long long ino;
	const struct node *owner;
	const struct node *users[16];
	size_t nusers;
};

static void sock_user(struct sock *s, const struct node *nd)
{
	for (size_t i = 0; i < s->nusers; i++)
		if (s->users[i] == nd)
			return;
	if (s->nusers < sizeof s->users / sizeof s->users[0] && nd != s->owner)
		s->users[s->nusers++] = nd;
}

/* Sockets that more than one process used: the owner's connect joined by inode to the others' uses. */
static size_t collect_socks(const struct layout *l, struct sock **out)
{
	struct sock *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct node *nd = &l->v[i];
		if (nd->depth < 0)
			continue;
		for (size_t k = 0; k < nd->p->nuses; k++) {
			const struct use *u = &nd->p->uses[k];
			struct sock *s = NULL;
			for (size_t j = 0; j < n && !s; j++)
				if (v[j].ino == u->ino && !strcmp(v[j].host, nd->p->host))
					s = &v[j];
			if (!s) {
				v = erealloc(v, (n + 1) * sizeof *v);
				s = &v[n++];
				*s = (struct sock){nd->p->host, u->peer, u->ino, NULL, {NULL}, 0};
				for (size_t j = 0; j < l->n && !s->owner; j++)
					for (size_t c = 0; l->v[j].depth >= 0 && c < l->v[j].p->nconns; c++)
						if (l->v[j].p->pid == u->owner &&
						    l->v[j].p->conns[c].ino == u->ino &&
						    !strcmp(l->v[j].p->host, s->host)) {
							s->owner = &l->v[j];
							s->peer = l->v[j].p->conns[c].peer;
						}
			}
			sock_user(s, nd);
		}
	}
	*out = v;
	return n;
}

static void draw_socks(FILE *out, const struct layout *l, const struct sock *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sock *s = &v[i];
		int lx = l->lanes_x + (int)i * LANE_W, top = 1 << 30, bot = 0;
		fprintf(out, "<g class=\"socket\"><title>socket S%zu: ", i + 1);
		put_markup(out, s->peer ? s->peer : "?");
		fprintf(out, " (inode %llu)", s->ino);
		if (s->owner)
			fprintf(out, ", connected by pid %ld", s->owner->p->pid);
		fputs(", used after the fork by pid", out);
		for (size_t k = 0; k < s->nusers; k++)
			fprintf(out, "%s %ld", k ? "," : "", s->users[k]->p->pid);
		fputs("</title>", out);
		for (size_t k = 0; k <= s->nusers; k++) {
			const struct node *nd = k < s->nusers ? s->users[k] : s->owner;
			int y;
			if (!nd)
				continue;
			y = nd->y + 13;
			top = y < top ? y : top;
			bot = y > bot ? y : bot;
			fprintf(out,
			        "<path d=\"M%d %dH%d\" style=\"stroke:#8250df;stroke-width:1.5\"/>"
			        "<circle cx=\"%d\" cy=\"%d\" r=\"4\" "
			        "style=\"fill:%s;stroke:#8250df;stroke-width:1.5\"/>",
			        nd->x + NODE_W, y, lx, nd->x + NODE_W, y,
			        nd == s->owner ? "#8250df" : "#fff");
		}
		if (bot > top)
			fprintf(out, "<path d=\"M%d %dV%d\" style=\"stroke:#8250df;stroke-width:2.5\"/>", lx,
			        top, bot);
		fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"lane\">S%zu ", lx - 6, top - 8, i + 1);
		put_cut(out, s->peer ? s->peer : "?", 22);
		fputs("</text></g>\n", out);
	}
}

/* ---- the picture ------------------------------------------------------------------------------- */

static void draw_host(FILE *out, const struct model *m, const struct node *nd, int width)
{
	const char *ctr = NULL;

	/* The host's containers: the first one named, the number of others said. */
	for (size_t i = nd->idx; i < m->n && !strcmp(m->procs[i]->host, nd->p->host) && !ctr; i++)
		ctr = m->procs[i]->container;
	fprintf(out,
	        "<g class=\"host\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" "
	        "style=\"fill:#ddf4ff;stroke:#54aeff\"/><text x=\"%d\" y=\"%d\" class=\"hosttext\">host ",
	        nd->x, nd->y, width, BAND_H - 6, nd->x + 8, nd->y + 17);
	put_markup(out, nd->p->host);
	if (ctr) {
		fputs(" \xc2\xb7 container ", out);
		put_markup(out, ctr);
	}
	fputs("</text></g>\n", out);
}

void html_tree(FILE *out, const struct model *m, const struct findings *fs)
{
	struct layout l;
	struct sock *socks;
	size_t ns;
	int w;

	layout(&l, m);
	ns = collect_socks(&l, &socks);
	w = l.lanes_x + (int)ns * LANE_W + (ns ? LABEL_W : 16);
	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tree\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"process tree\">\n",
	        w, l.height, w, l.height);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].depth < 0)
			draw_host(out, m, &l.v[i], w - 2 * (X0 - 8));
		else
			draw_edges(out, &l, &l.v[i]);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].depth >= 0)
			draw_node(out, m, fs, &l.v[i]);
	draw_socks(out, &l, socks, ns);
	fputs("</svg>\n", out);
	free(socks);
	free(l.v);
}
