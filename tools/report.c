/* SPDX-License-Identifier: MIT */
/* report.c: `credtrace report`: options, then read -> model -> rules -> render, and the exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "cli.h"
#include "focus.h"
#include "help.h"
#include "input.h"
#include "model.h"
#include "reader.h"
#include "render.h"
#include "rules.h"
#include "stdin_traces.h"
#include "symbolize.h"
#include "watch.h"

static const char usage_text[] = "usage: credtrace report [--format text|json|sarif|junit|html] "
                                 "[--fail-on error|warning|info|never] [--baseline FILE]\n"
                                 "       [--pid PID] [--findings-only] [--watch] PATH...|-\n";

static const char *const formats[] = {"text", "json", "sarif", "junit", "html"};

static int format_known(const char *f)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (!strcmp(f, formats[i]))
			return 1;
	return 0;
}

/* The options a renderer may need besides the model and the findings. */
struct render_args {
	int fail_level;
	char **paths;
	int npaths;
	int text_flags; /* TEXT_* of render.h */
};

static int render(const char *format, const struct model *m, const struct findings *fs,
                  const struct render_args *a)
{
	if (!strcmp(format, "junit"))
		return render_junit(stdout, m, fs, a->fail_level, a->paths, a->npaths);
	if (!strcmp(format, "json"))
		return render_json(stdout, m, fs);
	if (!strcmp(format, "html"))
		return render_html(stdout, m, fs);
	if (!strcmp(format, "sarif"))
		return render_sarif(stdout, m, fs);
	return render_text(stdout, m, fs, (stdout_colour() ? TEXT_COLOUR : 0) | a->text_flags);
}

/* --baseline: the findings FILE already holds are removed before rendering and the exit status, and
 * counted on stderr (the report itself stays the same shape with or without a baseline). */
static int hide_known(const char *file, const struct model *m, struct findings *fs)
{
	struct baseline b;
	size_t n;

	if (baseline_load(file, &b) < 0)
		return -1;
	n = baseline_apply(&b, m, fs);
	fprintf(stderr, "credtrace: %zu finding%s hidden: already in the baseline %s (%zu known)\n", n,
	        n == 1 ? "" : "s", file, b.n);
	baseline_free(&b);
	return 0;
}

/* --pid: "PID", a positive number. */
static int parse_pid(const char *s, long *pid)
{
	char *end;

	*pid = strtol(s, &end, 10);
	return *s && !*end && *pid > 0 ? 0 : -1;
}

/* The paths to read: "-" (at most once) becomes the directory that holds standard input. */
static int stdin_path(char **load, int n, char **stdin_dir)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(load[i], "-")) {
			if (*stdin_dir) {
				weprintf("report: '-' given twice");
				return -1;
			}
			if (!(*stdin_dir = stdin_traces()))
				return -1;
			load[i] = *stdin_dir;
		}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	const char *format = "text", *failon = "never", *baseline = NULL, *pidarg = NULL;
	char **paths = calloc((size_t)argc + 1, sizeof *paths);
	char **load = calloc((size_t)argc + 1, sizeof *load), *stdin_dir = NULL;
	int npaths = 0, fail_level, rc = 0, opts = 1, r, text_flags = 0, watch = 0;
	long pid = 0;
	struct traceset ts;
	struct model m, view;
	struct findings fs;

	if (!paths || !load)
		eprintf("out of memory:");
	for (int i = 1; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--")) {
			opts = 0;
		} else if (opts && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
			help_report(stdout);
			free(paths);
			free(load);
			return 0;
		} else if (opts && !strcmp(argv[i], "--findings-only")) {
			text_flags |= TEXT_FINDINGS_ONLY;
		} else if (opts && ((r = opt_value(argc, argv, &i, "--format", &format)) != 0 ||
		                    (r = opt_value(argc, argv, &i, "--pid", &pidarg)) != 0 ||
		                    (r = opt_value(argc, argv, &i, "--fail-on", &failon)) != 0 ||
		                    (r = opt_value(argc, argv, &i, "--baseline", &baseline)) != 0)) {
			if (r < 0) {
				weprintf("report: %s needs a value", argv[i]);
				rc = 2;
			}
		} else if (opts && !strcmp(argv[i], "--watch")) {
			watch = 1;
		} else if (opts && argv[i][0] == '-' && argv[i][1]) {
			weprintf("report: unknown option '%s'", argv[i]);
			rc = 2;
		} else {
			paths[npaths++] = argv[i];
		}
		if (rc)
			break;
	}
	if (!rc && !format_known(format)) {
		weprintf("report: unknown format '%s' (expected text, json, sarif, junit or html)", format);
		rc = 2;
	}
	if (!rc && ((fail_level = sev_parse(failon)) < 0)) {
		weprintf("report: unknown --fail-on level '%s' (expected error, warning, info or never)",
		         failon);
		rc = 2;
	}
	if (!rc && pidarg && parse_pid(pidarg, &pid) < 0) {
		weprintf("report: --pid '%s' is not a process id", pidarg);
		rc = 2;
	}
	if (!rc && !npaths) {
		weprintf("report: no trace directory or file given");
		rc = 2;
	}
	for (int i = 0; !rc && watch && i < npaths; i++)
		if (!strcmp(paths[i], "-")) {
			weprintf("report: --watch reads PATHs that grow, not standard input ('-')");
			rc = 2;
		}
	if (rc) {
		fputs(usage_text, stderr);
		free(paths);
		free(load);
		return rc;
	}
	if (watch) {
		/* Other than text, stdout holds only the final report: new findings go to stderr. */
		struct watch_opts wo = {strcmp(format, "text") != 0, stdout_colour(), fail_level};
		watch_run(paths, npaths, &wo); /* until SIGINT or SIGTERM; the final report follows */
	}
	/* Each file goes into the model as it is read, and its records are freed. A PATH that cannot
	 * be read does not hide the report of the others: it is listed in the report and the exit
	 * status says input was refused. */
	memset(&ts, 0, sizeof ts); /* when '-' cannot be kept, nothing is read */
	memcpy(load, paths, (size_t)npaths * sizeof *load);
	model_begin(&m);
	if (stdin_path(load, npaths, &stdin_dir) == 0) {
		input_alias_stdin(stdin_dir);
		reader_load_into(load, npaths, &ts, model_add, &m);
	}
	if (stdin_dir)
		stdin_traces_remove(stdin_dir); /* read: the records are in the model */
	free(load);
	if (ts.sunk == 0) {
		weprintf("report: no readable trace files in the given path%s", npaths == 1 ? "" : "s");
		reader_free(&ts);
		model_end(&m);
		model_free(&m);
		input_reset();
		input_alias_stdin(NULL);
		free(paths);
		return 2;
	}
	model_end(&m);
	reader_free(&ts);
	rules_run(&m, &fs);
	if (baseline && hide_known(baseline, &m, &fs) < 0)
		rc = 2;
	view = m;
	if (!rc && pid && focus_pid(&m, pid, &view, &fs) == 0) {
		weprintf("report: --pid %ld: no process with that pid in the traces", pid);
		rc = 2;
	}
	if (!rc && render(format, &view, &fs, &(struct render_args){fail_level, paths, npaths, text_flags}))
		rc = 2;
	if (view.procs != m.procs)
		free(view.procs);
	free(paths);
	rc = written_status("report", &fs, fail_level, rc);
	if (!rc && input_refused())
		rc = REPORT_INPUT_REFUSED;
	input_reset();
	input_alias_stdin(NULL);
	findings_free(&fs);
	model_free(&m);
	sym_cleanup();
	return rc;
}
