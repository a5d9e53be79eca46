/* SPDX-License-Identifier: MIT */
/* render_junit.c: JUnit XML for CI dashboards: one testsuite per PATH given to report, one testcase
 * per finding (classname the code, name the variable and pids), failed at or above --fail-on. */
#include <stdio.h>
#include <string.h>

#include "markup.h"
#include "render.h"
#include "where.h"

/* The PATH argument a finding comes from: that of its first process. */
static int finding_input(const struct model *m, const struct finding *f)
{
	for (size_t i = 0; f->npids && i < m->n; i++)
		if (m->procs[i]->pid == f->pids[0])
			return m->procs[i]->input;
	return 0;
}

static void case_name(FILE *out, const struct finding *f)
{
	/* Findings about sockets and processes have no variable: say what they are about instead. */
	put_markup(out, f->var ? f->var : !strncmp(code_name(f->code), "SOCKET", 6) ? "socket" : "process");
	fputs(" pids", out);
	for (size_t k = 0; k < f->npids; k++)
		fprintf(out, "%s%ld", k ? "," : " ", f->pids[k]);
}

/* The evidence and the fix, one per line: the body of a failure or the output of a pass. */
static void details(FILE *out, const struct finding *f)
{
	put_markup_items(out, f->evidence, f->nev, "- ", "\n");
	fputs("fix: ", out);
	put_markup(out, f->hint);
	fputc('\n', out);
}

static void testcase(FILE *out, const struct model *m, const struct finding *f, int fail_level)
{
	struct where w;

	finding_where(m, f, &w);
	fprintf(out, "    <testcase classname=\"%s\" name=\"", code_name(f->code));
	case_name(out, f);
	fputs("\" time=\"0\"", out);
	if (w.line > 0) {
		fputs(" file=\"", out);
		put_markup(out, w.file);
		fprintf(out, "\" line=\"%ld\"", w.line);
	}
	fputs(">\n", out);
	if ((int)f->sev >= fail_level) {
		fprintf(out, "      <failure type=\"%s\" message=\"", sev_name(f->sev));
		put_markup(out, f->message);
		fputs("\">", out);
		put_markup(out, f->message);
		fputc('\n', out);
		details(out, f);
		fputs("</failure>\n", out);
	} else {
		fprintf(out, "      <system-out>%s (below --fail-on): ", sev_name(f->sev));
		put_markup(out, f->message);
		fputc('\n', out);
		details(out, f);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

int render_junit(FILE *out, const struct model *m, const struct findings *fs, int fail_level,
                 char *const *paths, int npaths)
{
	size_t total = 0, failed = 0;

	for (size_t i = 0; i < fs->n; i++)
		failed += (int)fs->v[i].sev >= fail_level;
	total = fs->n + (size_t)npaths;
	fprintf(out,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<testsuites name=\"credtrace\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
	        "time=\"0\">\n",
	        total, failed);
	for (int in = 0; in < npaths; in++) {
		size_t n = 0, nf = 0, np = 0;
		for (size_t i = 0; i < fs->n; i++)
			if (finding_input(m, &fs->v[i]) == in) {
				n++;
				nf += (int)fs->v[i].sev >= fail_level;
			}
		for (size_t i = 0; i < m->n; i++)
			np += m->procs[i]->input == in;
		fputs("  <testsuite name=\"", out);
		put_markup(out, paths[in]);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
		        n + 1, nf);
		/* One case that always passes says the trace was read and how much it held: a suite
		 * without findings is then not mistaken for one that was never run. */
		fprintf(out,
		        "    <testcase classname=\"credtrace\" name=\"trace read: %zu process%s\" "
		        "time=\"0\"/>\n",
		        np, np == 1 ? "" : "es");
		for (size_t i = 0; i < fs->n; i++)
			if (finding_input(m, &fs->v[i]) == in)
				testcase(out, m, &fs->v[i], fail_level);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	return ferror(out) ? -1 : 0;
}
