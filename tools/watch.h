/* SPDX-License-Identifier: MIT */
/* watch.h: `credtrace report --watch` (watch.c). */
#ifndef WATCH_H
#define WATCH_H

struct watch_opts {
	int json;       /* --format json: the final report in JSON, new findings on stderr */
	int colour;     /* text report in colour */
	int fail_level; /* --fail-on, as sev_parse gives it */
};
/* Watches PATHs until SIGINT or SIGTERM, then prints the final report; returns the exit status
 * `report` would (0, 1 at --fail-on, 2 when nothing could be read or written, 3 input refused). */
int watch_run(char **paths, int npaths, const struct watch_opts *o);

#endif
