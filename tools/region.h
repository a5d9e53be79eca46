/* SPDX-License-Identifier: MIT */
/* region.h: fork regions (shim/fork_region.c, docs/trace-format.md "Fork region"): one file that
 * the fork children of a process wrote into, read as one trace per child. */
#ifndef REGION_H
#define REGION_H
#include <stdio.h>

#include "reader.h"

/* reader.c: reads one trace from f (closed here); path names it in messages. 1 when kept. */
int reader_load_stream(FILE *f, const char *path, int input, struct traceset *ts);

/* Is path named like a region (*.fork.jsonl)? Directories read these first, so that the files of
 * children that went on in their own file are joined to their region stream, not read twice. */
int region_named(const char *path);
/* Is path a region (named so and starting with a "region" line)? */
int region_is(const char *path);
/* Reads a region: each process's lines become one trace named <path>#<pid>.<nonce>; a child's own
 * file that goes on from its region stream is appended to it and remembered as consumed. Returns
 * the number of traces kept. */
int region_load(const char *path, int input, struct traceset *ts);
int region_consumed(const char *path); /* read already as part of a region stream */
void region_reset(void);               /* forgets the consumed files (a new reader_load) */

#endif
