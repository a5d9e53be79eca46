/* SPDX-License-Identifier: MIT */
/* watch.c: `credtrace report --watch PATH...`: during a soak, re-reads the trace files that changed
 * since the last look (a file that did not change is not read again), prints each new finding once
 * with the time it appeared, and on SIGINT or SIGTERM prints the final report. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "model.h"
#include "reader.h"
#include "render.h"
#include "rules.h"
#include "symbolize.h"
#include "watch.h"

/* One trace file as last read: a change of size or mtime (the tail ring of a capped file is
 * rewritten in place at a constant size) reads it again, whole. */
struct wfile {
	char *path;
	int input, loaded;
	off_t size;
	struct timespec mtime;
	struct trace t;
};

struct wstate {
	struct wfile *v;
	size_t n;
	char **keys; /* findings printed so far */
	size_t nkeys;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct wfile *file_for(struct wstate *w, const char *path, int input)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].path, path))
			return &w->v[i];
	w->v = erealloc(w->v, (w->n + 1) * sizeof *w->v);
	memset(&w->v[w->n], 0, sizeof *w->v);
	w->v[w->n].path = estrdup(path);
	w->v[w->n].input = input;
	return &w->v[w->n++];
}

static void trace_drop(struct trace *t)
{
	for (size_t i = 0; i < t->n; i++)
		cJSON_Delete(t->recs[i]);
	free(t->recs);
	free(t->path);
	memset(t, 0, sizeof *t);
}

/* Reads path again when it changed; 1 when it did. */
static int refresh(struct wstate *w, const char *path, int input, const struct stat *st)
{
	struct wfile *f = file_for(w, path, input);
	struct traceset one;
	char *p = (char *)path;

	if (f->loaded && f->size == st->st_size && f->mtime.tv_sec == st->st_mtim.tv_sec &&
	    f->mtime.tv_nsec == st->st_mtim.tv_nsec)
		return 0;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	/* Errors of a file still being written (a last line without its newline) are said once at the
	 * end, by the final report, not at every look. */
	fflush(stderr);
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, 2);
	reader_load(&p, 1, &one);
	if (saved >= 0 && null >= 0)
		dup2(saved, 2);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	if (f->loaded) {
		trace_drop(&f->t);
		f->loaded = 0;
	}
	if (one.n == 1) {
		f->t = one.v[0];
		f->t.input = input;
		f->loaded = 1;
		free(one.v);
	} else {
		reader_free(&one);
	}
	return 1;
}

static int scan(struct wstate *w, const char *dir, int input)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int changed = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *p;
		struct stat st;
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			continue;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			changed |= scan(w, p, input);
		else if (n > 6 && !strcmp(e->d_name + n - 6, ".jsonl") && stat(p, &st) == 0 &&
		         S_ISREG(st.st_mode))
			changed |= refresh(w, p, input, &st);
		free(p);
	}
	closedir(d);
	return changed;
}

/* The identity of a finding across looks: its code, variable and first process. Its evidence and
 * its other pids grow as the soak goes on; it is still the same finding. */
static char *finding_key(const struct finding *f)
{
	char *k;
	if (asprintf(&k, "%s|%s|%ld", code_name(f->code), f->var ? f->var : "", f->npids ? f->pids[0] : 0L) <
	    0)
		eprintf("out of memory:");
	return k;
}

static int printed(struct wstate *w, const char *key)
{
	for (size_t i = 0; i < w->nkeys; i++)
		if (!strcmp(w->keys[i], key))
			return 1;
	return 0;
}

/* Model and findings of everything read so far; prints the findings not printed before. */
static void look(struct wstate *w, const struct watch_opts *o, struct model *m, struct findings *fs)
{
	struct traceset ts = {0};
	time_t now = time(NULL);
	struct tm tm;
	char when[32];

	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].loaded) {
			ts.v = erealloc(ts.v, (ts.n + 1) * sizeof *ts.v);
			ts.v[ts.n++] = w->v[i].t;
		}
	model_build(&ts, m);
	free(ts.v); /* the traces stay ours */
	rules_run(m, fs);
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		char *key = finding_key(f);
		if (printed(w, key)) {
			free(key);
			continue;
		}
		w->keys = erealloc(w->keys, (w->nkeys + 1) * sizeof *w->keys);
		w->keys[w->nkeys++] = key;
		/* With --format json the document on stdout is the final report alone. */
		FILE *out = o->json ? stderr : stdout;
		fprintf(out, "%s new %s %s%s%s pids", when, sev_name(f->sev), code_name(f->code),
		        f->var ? " " : "", f->var ? f->var : "");
		for (size_t k = 0; k < f->npids; k++)
			fprintf(out, "%s%ld", k ? "," : " ", f->pids[k]);
		fprintf(out, ": %s\n", f->message);
	}
	fflush(stdout);
	fflush(stderr);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int watch_run(char **paths, int npaths, const struct watch_opts *o)
{
	struct wstate w = {NULL, 0, NULL, 0};
	struct sigaction sa;
	struct model m;
	struct findings fs;
	int built = 0, rc = 0;
	const char *iv = getenv("CREDTRACE_WATCH_INTERVAL_MS");
	long interval = iv && atol(iv) > 0 ? atol(iv) : 1000;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: the sleep ends at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		int changed = 0;
		for (int i = 0; i < npaths; i++) {
			struct stat st;
			if (stat(paths[i], &st) != 0)
				continue; /* not there yet: a soak may create it later */
			if (S_ISDIR(st.st_mode))
				changed |= scan(&w, paths[i], i);
			else
				changed |= refresh(&w, paths[i], i, &st);
		}
		if (changed) {
			if (built) {
				findings_free(&fs);
				model_free(&m);
			}
			look(&w, o, &m, &fs);
			built = 1;
		}
		if (stop)
			break;
		sleep_ms(interval);
	}
	if (built) {
		findings_free(&fs);
		model_free(&m);
		if (!o->json)
			printf("\n"); /* the final report (report.c) follows the new-finding lines */
	}
	for (size_t i = 0; i < w.n; i++) {
		if (w.v[i].loaded)
			trace_drop(&w.v[i].t);
		free(w.v[i].path);
	}
	free(w.v);
	for (size_t i = 0; i < w.nkeys; i++)
		free(w.keys[i]);
	free(w.keys);
	sym_cleanup();
	return rc;
}
