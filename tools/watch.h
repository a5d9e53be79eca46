/* SPDX-License-Identifier: MIT */
/* watch.h: `credtrace report --watch` (watch.c). */
#ifndef WATCH_H
#define WATCH_H

struct watch_opts {
	int json;       /* a format other than text: new findings on stderr, stdout for the report */
	int colour;     /* text report in colour */
	int fail_level; /* --fail-on, as sev_parse gives it */
};
/* Watches PATHs until SIGINT or SIGTERM, printing each new finding once; returns 0 then. The final
 * report is `report`'s own (report.c reads every PATH once more: all formats and options, the input
 * section and its exit statuses). */
int watch_run(char **paths, int npaths, const struct watch_opts *o);

#endif
