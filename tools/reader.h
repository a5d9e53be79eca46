/* SPDX-License-Identifier: MIT */
/* reader.h: reads trace files (JSON Lines, docs/trace-format.md) into parsed records. */
#ifndef READER_H
#define READER_H
#include <stddef.h>

#include <cjson/cJSON.h>

#include "../shim/cred_table.h"

#define READER_SCHEMA   CT_TRACE_SCHEMA /* shared with the shim */
#define READER_MAJOR    1
#define READER_LINE_MAX (1 << 20) /* records are at most 4096 bytes; anything far longer is junk */

/* One trace file: its records in file order, the first one being the header. */
struct trace {
	char *path;
	int input; /* index of the PATH argument it came from (fingerprint keys are per directory) */
	cJSON **recs;
	size_t n;
	int bad_lines; /* lines reported and skipped */
};

struct traceset {
	struct trace *v;
	size_t n;
	int refused; /* files refused whole (newer schema, no header) */
	/* When set, each file read is handed to sink and freed, not kept in v: memory then grows
	 * with what the sink keeps (the model's processes), not with the records (issue 14). */
	void (*sink)(void *ctx, const struct trace *t);
	void *sink_ctx;
	size_t sunk; /* files handed to sink */
};

/* Reads every PATH (a trace file, or a directory searched recursively for *.jsonl). Bad lines and
 * refused files are reported on stderr as FILE:LINE: reason (a few per file) and kept for the
 * report by input.c. Returns -1 when a PATH cannot be read at all (reported), else 0; ts->n may
 * still be 0. Files are sorted by path for stable output. */
/* Replaces bytes that are not valid UTF-8 by '?', in place (reader.c; snap uses it too). */
void utf8_clean(char *s);
int reader_load(char **paths, int n, struct traceset *ts);
int reader_load_into(char **paths, int n, struct traceset *ts, void (*sink)(void *, const struct trace *),
                     void *ctx);
/* progress.c: a file read (its size); the line is erased when reading is done. */
void progress_file(long long size);
void progress_done(void);
void progress_clear(void);
/* ring.c: the tail ring of a capped file (lines after a cap record with "head"). */
int ring_line(const char *line, size_t len);
void ring_order(struct trace *t, size_t cap_at);
void reader_free(struct traceset *ts);
/* watch.c: the complete lines of buf (appended to path since the last look) into t; -1 when the
 * file's first record is not a readable header (reader.c). */
int reader_feed(const char *path, char *buf, size_t len, size_t *lineno, struct trace *t, size_t *ring_at);

#endif
