/* SPDX-License-Identifier: MIT */
/* reader.c: trace files to cJSON records; bad lines are reported and skipped, newer schemas refused. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "input.h"
#include "reader.h"
#include "region.h"
#include "../shim/utf8.h"

/* Replaces bytes that are not valid UTF-8 with '?', in place, so that reports stay valid JSON. The
 * shim escapes such bytes, but a trace may come through a log pipeline that did not. */
void utf8_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : ct_utf8_seq(p, 4, NULL); /* stops at the NUL */
		if (!n) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

static void clean_tree(cJSON *j)
{
	for (; j; j = j->next) {
		if (cJSON_IsString(j) && j->valuestring)
			utf8_clean(j->valuestring);
		if (j->string)
			utf8_clean(j->string);
		clean_tree(j->child);
	}
}

/* Major version of "credtrace.trace/N", or -1 when the string is not a trace schema. */
static int schema_major(const char *s)
{
	const char *pre = "credtrace.trace/";
	char *end;
	long v;

	if (!s || strncmp(s, pre, strlen(pre)) != 0)
		return -1;
	errno = 0;
	v = strtol(s + strlen(pre), &end, 10);
	if (end == s + strlen(pre) || errno || v < 0 || v > 1000000)
		return -1;
	return (int)v;
}

static cJSON *parse_line(const char *path, size_t lineno, char *line, ssize_t len, int *bad)
{
	int complete = len > 0 && line[len - 1] == '\n';
	const char *why = NULL;
	cJSON *rec = NULL;

	if (complete)
		line[--len] = 0;
	if (len == 0 && complete)
		return NULL; /* blank line: nothing to say */
	if (len > READER_LINE_MAX)
		why = "line longer than 1048576 bytes (records are at most 4096): skipped";
	else if (memchr(line, 0, (size_t)len))
		why = "NUL byte in line (binary garbage?): skipped";
	else if (!(rec = cJSON_ParseWithLength(line, (size_t)len)))
		why = complete ? "not valid JSON: skipped"
		               : "truncated record (no newline at end of file): skipped";
	else if (!cJSON_IsObject(rec) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rec, "t")))
		why = "not a record (no \"t\" field): skipped";
	if (why) {
		input_skip(path, lineno, why);
		(*bad)++;
		cJSON_Delete(rec);
		return NULL;
	}
	clean_tree(rec);
	return rec;
}

static void trace_free(struct trace *t)
{
	for (size_t i = 0; i < t->n; i++)
		cJSON_Delete(t->recs[i]);
	free(t->recs);
	free(t->path);
}

/* What a header says about the run as a whole: settings the shim ignored, the fingerprint key. */
static void header_notes(const char *path, const cJSON *hdr)
{
	const cJSON *c, *kid = cJSON_GetObjectItemCaseSensitive(hdr, "kid");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(hdr, "config"))
	{
		if (cJSON_IsString(c))
			input_setting(path, c->valuestring);
	}
	if (cJSON_IsString(kid))
		input_key_id(kid->valuestring);
}

/* Reads one file; returns 1 when kept, 0 when refused or empty (a fork region: how many kept). */
static int load_file(const char *path, int input, struct traceset *ts)
{
	FILE *f;
	if (region_is(path))
		return region_load(path, input, ts);
	f = fopen(path, "r");
	if (!f) {
		input_refuse(path, 0, strerror(errno));
		ts->refused++;
		return 0;
	}
	return reader_load_stream(f, path, input, ts);
}

int reader_load_stream(FILE *f, const char *path, int input, struct traceset *ts)
{
	struct trace t = {0};
	char *line = NULL;
	size_t cap = 0, lineno = 0, ring_at = 0; /* index + 1 of the cap record that starts a ring */
	ssize_t len;
	int ok = 1;

	while (ok && (len = getline(&line, &cap, f)) >= 0) {
		cJSON *rec;
		const char *type;
		if (ring_at && !ring_line(line, (size_t)len) && ++lineno)
			continue; /* a remnant of an overwritten ring record */
		rec = parse_line(path, ++lineno, line, len, &t.bad_lines);
		if (!rec)
			continue;
		type = cJSON_GetObjectItemCaseSensitive(rec, "t")->valuestring;
		if (!ring_at && !strcmp(type, "cap") && cJSON_GetObjectItemCaseSensitive(rec, "head"))
			ring_at = t.n + 1;
		if (t.n == 0 && strcmp(type, "hdr") != 0) {
			char *why;
			if (asprintf(&why, "first record is \"%.40s\", not a header: file skipped", type) < 0)
				eprintf("out of memory:");
			input_refuse(path, lineno, why);
			free(why);
			ok = 0;
		} else if (t.n == 0) {
			cJSON *s = cJSON_GetObjectItemCaseSensitive(rec, "schema");
			const char *sv = cJSON_IsString(s) ? s->valuestring : NULL;
			int major = schema_major(sv);
			char *why = NULL;
			if (major > READER_MAJOR) {
				if (asprintf(&why,
				             "schema %.60s is newer than this reader (%s): file refused", sv,
				             READER_SCHEMA) < 0)
					eprintf("out of memory:");
				ok = 0;
			} else if (major < 0) {
				if (asprintf(&why, "header has no credtrace.trace schema: file skipped") < 0)
					eprintf("out of memory:");
				ok = 0;
			} else {
				header_notes(path, rec);
			}
			if (why)
				input_refuse(path, major < 0 ? lineno : 0, why);
			free(why);
		}
		if (!ok) {
			cJSON_Delete(rec);
			break;
		}
		if ((t.n & (t.n - 1)) == 0) /* capacity: the next power of two (a copy per record
		                               was quadratic on big files) */
			t.recs = realloc(t.recs, (t.n ? 2 * t.n : 1) * sizeof(cJSON *));
		if (!t.recs)
			eprintf("out of memory:");
		t.recs[t.n++] = rec;
	}
	progress_file((long long)ftello(f));
	if (ok && ferror(f)) {
		input_refuse(path, 0, "read error: file skipped");
		ok = 0;
	}
	free(line);
	fclose(f);
	if (ok && ring_at)
		ring_order(&t, ring_at - 1);
	input_file_done(path);
	if (ok && t.n == 0) {
		input_refuse(path, 0, "no header record: file skipped");
		ok = 0;
	}
	if (!ok) {
		trace_free(&t);
		ts->refused++;
		return 0;
	}
	input_read(path);
	t.path = strdup(path);
	t.input = input;
	if (ts->sink && t.path) {
		ts->sink(ts->sink_ctx, &t);
		ts->sunk++;
		trace_free(&t);
		return 1;
	}
	ts->v = realloc(ts->v, (ts->n + 1) * sizeof *ts->v);
	if (!ts->v || !t.path)
		eprintf("out of memory:");
	ts->v[ts->n++] = t;
	return 1;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects *.jsonl under dir (recursively; symlinks are not followed into directories). */
static int collect(const char *dir, char ***list, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		input_refuse(dir, 0, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char *p;
		struct stat st;
		if (e->d_name[0] == '.')
			continue; /* ".", "..", and the .credtrace.key file */
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			eprintf("out of memory:");
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			collect(p, list, n);
			free(p);
		} else if (has_suffix(e->d_name, ".jsonl") && stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			*list = realloc(*list, (*n + 1) * sizeof **list);
			if (!*list)
				eprintf("out of memory:");
			(*list)[(*n)++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
	return 0;
}

int reader_load(char **paths, int n, struct traceset *ts)
{
	return reader_load_into(paths, n, ts, NULL, NULL);
}

int reader_load_into(char **paths, int n, struct traceset *ts, void (*sink)(void *, const struct trace *),
                     void *ctx)
{
	int rc = 0;

	memset(ts, 0, sizeof *ts);
	ts->sink = sink;
	ts->sink_ctx = ctx;
	input_reset();
	region_reset();
	for (int i = 0; i < n; i++) {
		struct stat st;
		char **list = NULL;
		size_t nl = 0;
		if (stat(paths[i], &st) < 0) {
			input_refuse(paths[i], 0, strerror(errno));
			rc = -1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (!region_consumed(paths[i]))
				load_file(paths[i], i, ts);
			continue;
		}
		if (collect(paths[i], &list, &nl) < 0)
			rc = -1;
		if (nl) /* qsort(NULL, 0) is undefined */
			qsort(list, nl, sizeof *list, cmp_str);
		/* Fork regions first: a child's own file that goes on from one is read with it. */
		for (int regions = 1; regions >= 0; regions--)
			for (size_t k = 0; k < nl; k++)
				if (region_named(list[k]) == regions && !region_consumed(list[k]))
					load_file(list[k], i, ts);
		for (size_t k = 0; k < nl; k++)
			free(list[k]);
		free(list);
	}
	progress_done();
	return rc;
}

void reader_free(struct traceset *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		trace_free(&ts->v[i]);
	free(ts->v);
	memset(ts, 0, sizeof *ts);
}

/* For `report --watch` (watch.c), which reads only what was appended to a file since its last
 * look: parses the complete lines in buf (len bytes, the last one ending in '\n') as the lines
 * after *lineno of path, and appends their records to t. *ring_at is as in load_file (the index
 * + 1 of a cap record with "head", 0 before one); the caller orders the ring. Returns -1 when the
 * file's first record is not a header this reader can read (the final report says why). */
int reader_feed(const char *path, char *buf, size_t len, size_t *lineno, struct trace *t, size_t *ring_at)
{
	char *p = buf, *end = buf + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		ssize_t n = (nl ? nl + 1 : end) - p;
		char *line = p;
		cJSON *rec;
		const char *type;
		p += n;
		++*lineno;
		if (*ring_at && !ring_line(line, (size_t)n))
			continue; /* a remnant of an overwritten ring record */
		if (!(rec = parse_line(path, *lineno, line, n, &t->bad_lines)))
			continue;
		type = cJSON_GetObjectItemCaseSensitive(rec, "t")->valuestring;
		if (t->n == 0) {
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(rec, "schema");
			int major = schema_major(cJSON_IsString(s) ? s->valuestring : NULL);
			if (strcmp(type, "hdr") != 0 || major < 0 || major > READER_MAJOR) {
				cJSON_Delete(rec);
				return -1;
			}
		}
		if (!*ring_at && !strcmp(type, "cap") && cJSON_GetObjectItemCaseSensitive(rec, "head"))
			*ring_at = t->n + 1;
		if ((t->n & (t->n - 1)) == 0)
			t->recs = realloc(t->recs, (t->n ? 2 * t->n : 1) * sizeof(cJSON *));
		if (!t->recs)
			eprintf("out of memory:");
		t->recs[t->n++] = rec;
	}
	return 0;
}
