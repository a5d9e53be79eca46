/* SPDX-License-Identifier: MIT */
/* stdin_traces.c: standard input split into trace files at header records, in a 0700 temporary
 * directory that the report reads like any other and then removes. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "stdin_traces.h"

/* A header record: the shim writes "t" first; allow blanks a log pipeline may add. */
static int is_header(const char *line)
{
	const char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '{')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "\"t\"", 3) != 0)
		return 0;
	for (p += 3; *p == ' ' || *p == '\t' || *p == ':'; p++)
		;
	return !strncmp(p, "\"hdr\"", 5);
}

char *stdin_traces(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir, *line = NULL, path[4200];
	size_t cap = 0, part = 0;
	ssize_t len;
	FILE *out = NULL;

	if (asprintf(&dir, "%s/credtrace-stdin.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		eprintf("out of memory:");
	if (!mkdtemp(dir)) {
		weprintf("report: -: cannot make a directory for standard input (%s):", dir);
		free(dir);
		return NULL;
	}
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		if (!out || is_header(line)) {
			if (out && fclose(out) == EOF)
				goto fail;
			/* Names sort in input order: the reader sorts files by path. */
			snprintf(path, sizeof path, "%s/stdin-%06zu.jsonl", dir, ++part);
			if (!(out = fopen(path, "wx")))
				goto fail;
		}
		if (fwrite(line, 1, (size_t)len, out) != (size_t)len)
			goto fail;
	}
	free(line);
	line = NULL;
	if (ferror(stdin) || (out && fclose(out) == EOF)) {
		out = NULL;
		goto fail;
	}
	return dir;
fail:
	weprintf("report: -: cannot keep standard input in %s:", dir);
	free(line);
	if (out)
		fclose(out);
	stdin_traces_remove(dir);
	return NULL;
}

void stdin_traces_remove(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4200];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}
