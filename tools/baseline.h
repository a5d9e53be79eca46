/* SPDX-License-Identifier: MIT */
/* baseline.h: `report --baseline FILE`: findings already accepted in an earlier JSON report. */
#ifndef BASELINE_H
#define BASELINE_H
#include <stddef.h>

#include "model.h"
#include "rules.h"

/* A finding is known by its code, its variable and the programs of its processes (script or
 * executable base names): pids, times and wording change from run to run, these do not. */
struct baseline {
	char **keys;
	size_t n;
};

/* Reads FILE, a report of `credtrace report --format json`. -1 (said on stderr) when it cannot be
 * read or is not such a report. */
int baseline_load(const char *path, struct baseline *b);
/* Removes from fs the findings whose key b holds; returns how many were removed. */
size_t baseline_apply(const struct baseline *b, const struct model *m, struct findings *fs);
void baseline_free(struct baseline *b);

#endif
