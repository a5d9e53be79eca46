/* SPDX-License-Identifier: MIT */
/* where.c: a source location for a finding, from the sites the model keeps (see where.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "where.h"

/* s[0..len) is "FILE:LINE": 1 with file and line set. */
static int split_file_line(const char *s, size_t len, char *file, size_t n, long *line)
{
	const char *colon = NULL;
	char *end;
	long v;

	for (size_t i = 0; i < len; i++)
		if (s[i] == ':')
			colon = s + i;
	if (!colon || colon == s || (size_t)(colon - s) >= n || colon + 1 >= s + len)
		return 0;
	v = strtol(colon + 1, &end, 10);
	if (end != s + len || v <= 0 || colon[1] < '0' || colon[1] > '9')
		return 0;
	memcpy(file, s, (size_t)(colon - s));
	file[colon - s] = '\0';
	*line = v;
	return 1;
}

int site_file_line(const char *text, char *file, size_t n, long *line)
{
	const char *par, *close;

	if (!text)
		return 0;
	par = strstr(text, " (");
	/* Python: "FILE:LINE (function)" */
	if (split_file_line(text, par ? (size_t)(par - text) : strlen(text), file, n, line))
		return 1;
	/* Native code with debug information: "function (FILE:LINE)" */
	if (par && (close = strrchr(par, ')')) && close > par + 2)
		return split_file_line(par + 2, (size_t)(close - par - 2), file, n, line);
	return 0;
}

static int is_script(const char *a)
{
	static const char *const ext[] = {".py", ".js", ".mjs", ".cjs", ".ts", ".rb", ".pl", ".sh"};
	size_t n = strlen(a);

	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t k = strlen(ext[i]);
		if (n > k && !strcmp(a + n - k, ext[i]))
			return 1;
	}
	return 0;
}

const char *program_of(char *const *argv, size_t argc, const char *exe)
{
	for (size_t i = 1; i < argc; i++)
		if (argv[i] && argv[i][0] != '-' && is_script(argv[i]))
			return argv[i];
	if (exe)
		return exe;
	return argc ? argv[0] : NULL;
}

const char *proc_program(const struct proc *p)
{
	return program_of(p->argv, p->argc, p->exe);
}

/* Kinds of site, searched in an order that depends on the code: the site a fix would change first. */
enum kind { K_READ, K_SET, K_EXEC, K_CONN, K_USE, K_FORK, K_END };

static int try_site(const struct site *s, struct where *w, const struct proc *p)
{
	if (!site_file_line(s->text, w->file, sizeof w->file, &w->line))
		return 0;
	w->proc = p;
	return 1;
}

/* The i-th site of kind k in p (c: the variable's record in p, or NULL); NULL past the last. */
static const struct site *site_at(const struct proc *p, const struct cred *c, enum kind k, size_t i)
{
	switch (k) {
	case K_READ:
		return c && i < c->nreads ? &c->reads[i].site : NULL;
	case K_SET:
		return c && i < c->nsets ? &c->sets[i].site : NULL;
	case K_EXEC:
		return i < p->nexecs ? &p->execs[i].site : NULL;
	case K_CONN:
		return i < p->nconns ? &p->conns[i].site : NULL;
	case K_USE:
		return i < p->nuses ? &p->uses[i].site : NULL;
	case K_FORK:
		return i < p->nforks ? &p->forks[i].site : NULL;
	case K_END:
		break;
	}
	return NULL;
}

static int try_proc(const struct proc *p, enum kind k, const char *var, struct where *w)
{
	const struct cred *c = var ? proc_cred(p, var) : NULL;
	const struct site *s;

	for (size_t i = 0; (s = site_at(p, c, k, i)); i++)
		if (try_site(s, w, p))
			return 1;
	return 0;
}

static const enum kind *order(enum code c)
{
	static const enum kind exec_first[] = {K_EXEC, K_READ, K_SET, K_END};
	static const enum kind sock_first[] = {K_CONN, K_USE, K_FORK, K_END};
	static const enum kind set_first[] = {K_SET, K_READ, K_END};
	static const enum kind read_first[] = {K_READ, K_SET, K_FORK, K_EXEC, K_CONN, K_USE, K_END};

	switch (c) {
	case C_LOST_ON_EXEC:
	case C_UNTRACED:
		return exec_first;
	case C_SOCKET_REUSED:
		return sock_first;
	case C_SET_AT_RUNTIME:
		return set_first;
	default:
		return read_first;
	}
}

void finding_where(const struct model *m, const struct finding *f, struct where *w)
{
	const char *prog;

	memset(w, 0, sizeof *w);
	for (const enum kind *k = order(f->code); *k != K_END; k++)
		for (size_t i = 0; i < f->npids; i++)
			for (size_t j = 0; j < m->n; j++)
				if (m->procs[j]->pid == f->pids[i] && try_proc(m->procs[j], *k, f->var, w))
					return;
	/* No file:line: the program of the first pid, its last image (an exec'd one over its vfork). */
	for (size_t j = 0; f->npids && j < m->n; j++)
		if (m->procs[j]->pid == f->pids[0])
			w->proc = m->procs[j];
	w->line = 0;
	if (w->proc && (prog = proc_program(w->proc)))
		snprintf(w->file, sizeof w->file, "%s", prog);
}
