/* SPDX-License-Identifier: MIT */
/* snap.c: `credtrace snap`: options, then /proc -> trace records (saved with -o) -> model -> rules
 * -> render, with report's formats and exit codes. Nothing is written to or injected into the
 * processes read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "help.h"
#include "render.h"
#include "snap.h"

static const char usage_text[] = "usage: credtrace snap [-o DIR] [--format text|json] "
                                 "[--fail-on error|warning|info|never] (--all | PID...)\n";

static int parse_pid(const char *s, long *pid)
{
	char *end;

	errno = 0;
	*pid = strtol(s, &end, 10);
	return *s && !*end && !errno && *pid > 0 && *pid <= 4194304 ? 0 : -1; /* PID_MAX_LIMIT */
}

/* DIR for -o: created 0700 when missing; an existing one must be a directory. */
static int out_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		weprintf("snap: %s:", dir);
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		weprintf("snap: %s: not a directory", dir);
		return -1;
	}
	return 0;
}

/* One file per process, as the shim writes them (0600, O_EXCL, O_NOFOLLOW). */
static int save(const char *dir, const struct traceset *ts)
{
	int rc = 0;

	for (size_t i = 0; i < ts->n; i++) {
		const struct trace *t = &ts->v[i];
		char path[4096];
		FILE *f;
		int fd;
		snprintf(path, sizeof path, "%s/%s", dir, t->path);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			weprintf("snap: %s:", path);
			if (fd >= 0)
				close(fd);
			rc = -1;
			continue;
		}
		for (size_t k = 0; k < t->n; k++) {
			char *line = cJSON_PrintUnformatted(t->recs[k]);
			if (!line)
				eprintf("out of memory:");
			else
				fprintf(f, "%s\n", line);
			free(line);
		}
		if (fclose(f) != 0) {
			weprintf("snap: %s: write error:", path);
			rc = -1;
		}
	}
	return rc;
}

int cmd_snap(int argc, char **argv)
{
	const char *format = "text", *failon = "never", *dir = NULL;
	struct snap_opts o = {0};
	int fail_level = 4, rc = 0, r, opts = 1;
	struct traceset ts;
	struct model m;
	struct findings fs;

	o.pids = erealloc(NULL, ((size_t)argc + 1) * sizeof *o.pids);
	for (int i = 1; i < argc && !rc; i++) {
		long pid;
		if (opts && !strcmp(argv[i], "--")) {
			opts = 0;
		} else if (opts && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
			help_snap(stdout);
			free(o.pids);
			return 0;
		} else if (opts && !strcmp(argv[i], "--all")) {
			o.all = 1;
		} else if (opts && ((r = opt_value(argc, argv, &i, "--format", &format)) != 0 ||
		                    (r = opt_value(argc, argv, &i, "--fail-on", &failon)) != 0 ||
		                    (r = opt_value(argc, argv, &i, "-o", &dir)) != 0)) {
			if (r < 0) {
				weprintf("snap: %s needs a value", argv[i]);
				rc = 2;
			}
		} else if (opts && argv[i][0] == '-') {
			weprintf("snap: unknown option '%s'", argv[i]);
			rc = 2;
		} else if (parse_pid(argv[i], &pid) == 0) {
			o.pids[o.npids++] = pid;
		} else {
			weprintf("snap: '%s' is not a process id", argv[i]);
			rc = 2;
		}
	}
	if (!rc && strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		weprintf("snap: unknown format '%s' (expected text or json)", format);
		rc = 2;
	}
	if (!rc && (fail_level = sev_parse(failon)) < 0) {
		weprintf("snap: unknown --fail-on level '%s' (expected error, warning, info or never)",
		         failon);
		rc = 2;
	}
	if (!rc && !o.all == !o.npids) {
		weprintf("snap: give --all or process ids, not %s", o.all ? "both" : "neither");
		rc = 2;
	}
	if (!rc && dir && out_dir(dir) != 0)
		rc = 2;
	if (rc) {
		fputs(usage_text, stderr);
		free(o.pids);
		return rc;
	}
	o.dir = dir;
	if (snap_collect(&o, &ts) == 0) {
		weprintf("snap: %s", o.all ? "no process to read" : "none of the given processes exists");
		reader_free(&ts);
		free(o.pids);
		return 2;
	}
	free(o.pids);
	if (dir && save(dir, &ts) != 0)
		rc = 2;
	model_build(&ts, &m);
	reader_free(&ts);
	rules_run(&m, &fs);
	if (!strcmp(format, "json") ? render_json(stdout, &m, &fs)
	                            : render_text(stdout, &m, &fs, stdout_colour()))
		rc = 2;
	rc = written_status("snap", &fs, fail_level, rc);
	findings_free(&fs);
	model_free(&m);
	return rc;
}
