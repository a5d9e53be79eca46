/* SPDX-License-Identifier: MIT */
/* rules.h: findings, made from the model by the rules docs/findings.md describes. */
#ifndef RULES_H
#define RULES_H
#include <stddef.h>

#include "model.h"

enum sev { SEV_INFO = 1, SEV_WARNING = 2, SEV_ERROR = 3 };
/* In the order of the table; findings of equal severity are listed in this order. */
enum code {
	C_MISSING,
	C_EMPTY,
	C_NAME_MISMATCH,
	C_LOST_ON_EXEC,
	C_SOCKET_REUSED,
	C_SOCKET_SHARED,
	C_DIVERGENT,
	C_MALFORMED,
	C_READ_BEFORE_FORK,
	C_UNTRACED,
	C_SET_AT_RUNTIME,
	C_KEY_REJECTED,
	C_KEY_SENT_DIFFERS,
	C_COUNT
};

struct finding {
	enum code code;
	enum sev sev;
	char *var; /* NULL for findings about sockets and processes */
	long *pids;
	size_t npids;
	char *message;   /* what happened, one sentence */
	char *hint;      /* the fix */
	char **evidence; /* where and when: one line each */
	size_t nev;
	size_t seq; /* creation order: the last tie-breaker of the sort */
};

struct findings {
	struct finding *v;
	size_t n;
};

/* Runs every rule; findings come out sorted: most severe first, then code, variable, first pid. */
void rules_run(const struct model *m, struct findings *out);
void findings_free(struct findings *fs);
const char *code_name(enum code c);
const char *sev_name(enum sev s);
int sev_parse(const char *s); /* "error"... -> enum sev, "never" -> 4, -1 when unknown */

/* ---- for the rule files (rules*.c) ---- */
struct finding *finding_new(struct findings *fs, enum code c, enum sev s, const char *var);
void finding_pid(struct finding *f, long pid); /* appends unless already there */
void finding_msg(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_hint(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_ev(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* " at app.py:12 (<module>) at import time", or "" when the site is unknown. */
void site_phrase(const struct site *s, char *buf, size_t n);
/* The site and, unless it is Node's process.env, the function: " at app.py:12 (<module>) (os.environ)". */
void read_phrase(const struct cread *r, char *buf, size_t n);
void rules_proc(const struct model *m, struct findings *out);   /* rules_proc.c */
void rules_snap(const struct model *m, struct findings *out);   /* rules_snap.c: live state */
void rules_wire(const struct model *m, struct findings *out);   /* rules_wire.c */
void rules_attach(const struct model *m, struct findings *out); /* rules_attach.c */
/* Rules about one variable (rules_value.c, rules_divergent.c). */
void rules_missing(const struct model *m, const char *var, struct findings *out);
void rules_empty(const struct model *m, const char *var, struct findings *out);
void rules_divergent(const struct model *m, const char *var, struct findings *out);
void rules_malformed(const struct model *m, const char *var, struct findings *out);
void rules_set(const struct model *m, const char *var, struct findings *out);
/* Evidence: f's processes' connections to the API hosts of var's provider (rules_hosts.c). */
void finding_cite_hosts(const struct model *m, struct finding *f, const char *var);

#endif
