/* SPDX-License-Identifier: MIT */
/* render.h: report renderers, one per output format; each reads the model and the findings only. */
#ifndef RENDER_H
#define RENDER_H
#include <stdio.h>

#include "model.h"
#include "rules.h"

#define REPORT_SCHEMA "credtrace.report/1"

/* JSON: {"schema","processes","findings"}, keys in the order docs/credtrace.1 documents. */
int render_json(FILE *out, const struct model *m, const struct findings *fs);
/* Text: findings (most severe first), the process tree, what could not be seen. flags: TEXT_*. */
#define TEXT_COLOUR        1 /* ANSI colours */
#define TEXT_FINDINGS_ONLY 2 /* the summary and the findings, no process tree nor blind spots */
int render_text(FILE *out, const struct model *m, const struct findings *fs, int flags);

/* SARIF 2.1.0 (render_sarif.c): one rule per code, one result per finding with a location. */
int render_sarif(FILE *out, const struct model *m, const struct findings *fs);

/* JUnit XML (render_junit.c): a testsuite per PATH, a testcase per finding, failed at fail_level. */
int render_junit(FILE *out, const struct model *m, const struct findings *fs, int fail_level,
                 char *const *paths, int npaths);

/* HTML (render_html.c, html_tree.c): one self-contained page, the process tree as SVG. */
int render_html(FILE *out, const struct model *m, const struct findings *fs);

/* A copy of s for a terminal (malloc'd): newline, tab and CR as \n \t \r; other control characters,
 * bytes that are not UTF-8, C1 controls and bidirectional overrides as \xNN per byte. */
char *text_escape(const char *s);
/* text_agg.c: lines alike but for their numbers, pids and fingerprints; the length of the run of
 * such lines starting at from. A longer run than TEXT_RUN_SHOWN shows its first and last lines. */
#define TEXT_RUN_SHOWN 5
int text_same_shape(const char *a, const char *b);
size_t text_run(char *const *lines, size_t n, size_t from);

#endif
