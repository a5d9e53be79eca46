/* SPDX-License-Identifier: MIT */
/* reader_region.c: splits a fork region (shim/fork_region.c) into one trace per process, as if each
 * fork child had written its own file. A region is read after SIGKILL as well as after a clean
 * exit: its zero tail and a torn last line are what a region looks like then, not corruption. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "input.h"
#include "region.h"

#define REGION_FILE_MAX (64L << 20) /* the shim makes 256 KiB ones; anything far larger is junk */
#define TAG             "{\"of\":\""

struct stream {
	char key[48]; /* <pid>.<nonce> */
	char *hdr;    /* its first hdr line, moved to the front (two threads may race to the first) */
	size_t hdr_len;
	char *text; /* its other lines, tag removed, in region order */
	size_t len, cap;
};

static char **consumed;
static size_t n_consumed;

void region_reset(void)
{
	for (size_t i = 0; i < n_consumed; i++)
		free(consumed[i]);
	free(consumed);
	consumed = NULL;
	n_consumed = 0;
}

int region_consumed(const char *path)
{
	for (size_t i = 0; i < n_consumed; i++)
		if (!strcmp(consumed[i], path))
			return 1;
	return 0;
}

int region_named(const char *path)
{
	size_t n = strlen(path), m = strlen(".fork.jsonl");
	return n >= m && !strcmp(path + n - m, ".fork.jsonl");
}

int region_is(const char *path)
{
	static const char head[] = "{\"t\":\"region\",";
	char b[sizeof head - 1];
	FILE *f;
	size_t got;
	if (!region_named(path) || !(f = fopen(path, "r")))
		return 0;
	got = fread(b, 1, sizeof b, f);
	fclose(f);
	return got == sizeof b && !memcmp(b, head, sizeof b);
}

static void add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (!*buf || *len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = erealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
}

static char *read_all(const char *path, size_t *len, long max)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *b = NULL;
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= max &&
	    (b = malloc((size_t)st.st_size + 1)))
		*len = fread(b, 1, (size_t)st.st_size, f);
	if (b && ferror(f)) {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

/* The key of a tagged line: digits '.' 16 hex digits; it names a file, so nothing else passes. */
static size_t key_of(const char *l, size_t n)
{
	size_t i = strlen(TAG), d = 0, h = 0;
	if (n < i || memcmp(l, TAG, i) != 0)
		return 0;
	while (i < n && l[i] >= '0' && l[i] <= '9' && ++d)
		i++;
	if (!d || d > 10 || i >= n || l[i++] != '.')
		return 0;
	while (i < n && ((l[i] >= '0' && l[i] <= '9') || (l[i] >= 'a' && l[i] <= 'f')) && ++h)
		i++;
	if (h != 16 || i + 2 > n || l[i] != '"' || l[i + 1] != ',')
		return 0;
	return i - strlen(TAG);
}

static struct stream *stream_for(struct stream **v, size_t *n, const char *key, size_t klen)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i].key) == klen && !memcmp((*v)[i].key, key, klen))
			return &(*v)[i];
	*v = erealloc(*v, (*n + 1) * sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	memcpy((*v)[*n].key, key, klen);
	return &(*v)[(*n)++];
}

/* The host the region's creator wrote (the children's file names start with it). */
static int region_host(const char *line, size_t n, char *host, size_t cap)
{
	cJSON *j = cJSON_ParseWithLength(line, n);
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "host");
	int ok = cJSON_IsString(h) && strlen(h->valuestring) < cap && strcmp(h->valuestring, ".") != 0 &&
	         strcmp(h->valuestring, "..") != 0 && h->valuestring[0];
	for (const char *c = ok ? h->valuestring : ""; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '_' || *c == '-'))
			ok = 0;
	if (ok)
		strcpy(host, h->valuestring);
	cJSON_Delete(j);
	return ok;
}

/* A child whose records stopped fitting went on in <host>.<pid>.<nonce>.jsonl beside the region:
 * its lines follow the region's (its hdr dropped when the region had one). */
static void join_own_file(const char *path, const char *host, struct stream *s)
{
	const char *slash = strrchr(path, '/');
	char *own, *b;
	size_t n = 0, at = 0;
	if (asprintf(&own, "%.*s%s.%s.jsonl", slash ? (int)(slash - path + 1) : 0, path, host, s->key) < 0)
		eprintf("out of memory:");
	if (region_consumed(own) || !(b = read_all(own, &n, REGION_FILE_MAX))) {
		free(own);
		return;
	}
	if (s->hdr && n > 12 && !memcmp(b, "{\"t\":\"hdr\",", 11)) {
		const char *nl = memchr(b, '\n', n);
		at = nl ? (size_t)(nl - b) + 1 : n;
	}
	add(&s->text, &s->len, &s->cap, b + at, n - at);
	free(b);
	consumed = erealloc(consumed, (n_consumed + 1) * sizeof *consumed);
	consumed[n_consumed++] = own;
}

static int only_zeros(const char *p, const char *end)
{
	while (p < end && !*p)
		p++;
	return p == end;
}

/* Splits b[0..n) (the region line already checked) into streams; reports torn lines mid-file. */
static void split(const char *path, const char *b, size_t n, size_t at, struct stream **v, size_t *nv)
{
	size_t lineno = 1;
	while (at < n) {
		const char *p = b + at, *e = p, *end = b + n;
		size_t klen;
		if (!*p) {
			at++;
			continue;
		}
		while (e < end && *e && *e != '\n')
			e++;
		if (e == end || !*e) { /* no newline: the writer was killed while copying it */
			if (!only_zeros(e, end))
				input_skip(
				    path, lineno + 1,
				    "truncated record (its process was killed while writing it): skipped");
			at = (size_t)(e - b);
			continue;
		}
		lineno++;
		at = (size_t)(e - b) + 1;
		if (!(klen = key_of(p, (size_t)(e - p)))) {
			input_skip(path, lineno, "region line without its process (\"of\" tag): skipped");
			continue;
		}
		struct stream *s = stream_for(v, nv, p + strlen(TAG), klen);
		const char *rest = p + strlen(TAG) + klen + 2; /* after `",` */
		size_t rlen = (size_t)(e - rest) + 1;
		if (rlen > 10 && !memcmp(rest, "\"t\":\"hdr\",", 10)) {
			if (s->hdr)
				continue; /* a second thread's copy of the same header */
			s->hdr = erealloc(NULL, rlen + 1);
			s->hdr[0] = '{';
			memcpy(s->hdr + 1, rest, rlen);
			s->hdr_len = rlen + 1;
			continue;
		}
		add(&s->text, &s->len, &s->cap, "{", 1);
		add(&s->text, &s->len, &s->cap, rest, rlen);
	}
}

int region_load(const char *path, int input, struct traceset *ts)
{
	size_t n = 0, nv = 0;
	char *b = read_all(path, &n, REGION_FILE_MAX), host[80];
	const char *nl = b ? memchr(b, '\n', n) : NULL;
	struct stream *v = NULL;
	int kept = 0;
	if (!b || !nl || !region_host(b, (size_t)(nl - b), host, sizeof host)) {
		input_refuse(path, b ? 1 : 0,
		             b ? "fork region without a valid region line: file skipped"
		               : strerror(errno ? errno : EIO));
		ts->refused++;
		free(b);
		return 0;
	}
	split(path, b, n, (size_t)(nl - b) + 1, &v, &nv);
	progress_file((long long)n);
	input_file_done(path);
	free(b);
	for (size_t i = 0; i < nv; i++) {
		struct stream *s = &v[i];
		char *name, *text = NULL;
		size_t len = 0, cap = 0;
		FILE *f;
		join_own_file(path, host, s);
		if (s->hdr)
			add(&text, &len, &cap, s->hdr, s->hdr_len);
		if (s->len)
			add(&text, &len, &cap, s->text, s->len);
		if (len && asprintf(&name, "%s#%s", path, s->key) >= 0) {
			if ((f = fmemopen(text, len, "r")))
				kept += reader_load_stream(f, name, input, ts);
			free(name);
		}
		free(text);
		free(s->hdr);
		free(s->text);
	}
	free(v);
	return kept;
}
