/* SPDX-License-Identifier: MIT */
/* progress.c: one self-erasing line on a terminal while reading takes more than a second, so that a
 * report over a fleet's traces does not look hung (issue 14). Nothing when stderr is not a tty. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "reader.h"

static double t0, last, after = 1.0;
static int shown, tty = -1;
static size_t files;
static long long bytes;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_file(long long size)
{
	double t;
	if (tty < 0) {
		/* CREDTRACE_PROGRESS_AFTER_MS: the delay before the line shows (tests use 0). */
		const char *a = getenv("CREDTRACE_PROGRESS_AFTER_MS");
		tty = isatty(2);
		t0 = now();
		if (a && *a)
			after = atof(a) / 1000.0;
	}
	files++;
	bytes += size;
	if (!tty)
		return;
	t = now();
	if (t - t0 < after || (last && t - last < 0.2))
		return;
	last = t;
	shown = 1;
	fprintf(stderr, "\rcredtrace: read %zu file%s, %.1f MB, %.0f s", files, files == 1 ? "" : "s",
	        (double)bytes / 1e6, t - t0);
	fflush(stderr);
}

/* Before a message on stderr: the line goes, and comes back at the next file. */
void progress_clear(void)
{
	if (shown)
		fputs("\r\033[K", stderr);
	shown = 0;
}

void progress_done(void)
{
	progress_clear();
	tty = -1;
	files = 0;
	bytes = 0;
	last = 0;
}
