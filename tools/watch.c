/* SPDX-License-Identifier: MIT */
/* watch.c: `credtrace report --watch PATH...`: during a soak, re-reads the trace files that changed
 * since the last look, only what was appended to them (a file that did not change is not read
 * again), prints each new finding once with the time it appeared, and on SIGINT or SIGTERM prints
 * the final report. */
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

/* The first bytes of a file are checked at each look: a file replaced or truncated and written
 * again to a larger size is read again whole, not appended to what was read of the old one. */
#define HEAD_CHECK 4096

/* One trace file and what was read of it so far: its records up to the last complete line (off
 * bytes). A file that grew is read from off; one that shrank, whose first bytes changed or that
 * was replaced is read again whole; so is a capped file in its tail ring (shim/cap_ring.c: past
 * the cap record, records are rewritten in place and the file keeps a constant size). */
struct wfile {
	char *path;
	int input, loaded, refused;
	dev_t dev;
	ino_t ino;
	off_t off, size;
	struct timespec mtime;
	int racy;        /* written within a second of the last look: a same-size rewrite may hide */
	size_t lineno;   /* lines read so far */
	size_t ring_at;  /* index + 1 of the cap record that starts the tail ring, 0 before one */
	size_t head_len; /* bytes covered by head_sum: min(off, HEAD_CHECK) */
	unsigned long head_sum;
	struct trace t;
	/* A file with NUL bytes where its records end is not appended to but written in place (a
	 * region preallocated and mapped, a ring lap with a hole): it is read whole by the reader
	 * (which may split it into several processes' traces) whenever the bytes at zero_at, where
	 * its records stopped, are no longer zero (a write through a mapping need not touch mtime). */
	int in_place;
	off_t zero_at;
	struct traceset whole;
};

struct wstate {
	struct wfile *v;
	size_t n;
	char **keys;    /* findings printed so far */
	enum sev *sevs; /* the severity each was printed with */
	size_t nkeys;
	int debug; /* CREDTRACE_WATCH_DEBUG: each read said on stderr (tests) */
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

/* FNV-1a, continued from h: a check of the first bytes, not a defence against a forger. */
static unsigned long fnv(unsigned long h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211UL;
	return h;
}

/* Bytes [from, EOF) of fd in a new buffer; *n their count. */
static char *read_from(int fd, off_t from, size_t *n)
{
	size_t cap = 65536, len = 0;
	char *b = erealloc(NULL, cap);
	for (;;) {
		ssize_t r;
		if (len == cap)
			b = erealloc(b, cap *= 2);
		r = pread(fd, b + len, cap - len, from + (off_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	*n = len;
	return b;
}

/* 1 when the first head_len bytes of fd still have the sum they had. */
static int head_same(const struct wfile *f, int fd)
{
	char b[HEAD_CHECK];
	size_t got = 0;
	while (got < f->head_len) {
		ssize_t r = pread(fd, b + got, f->head_len - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return fnv(14695981039346656037UL, b, got) == f->head_sum;
}

static void forget(struct wfile *f)
{
	trace_drop(&f->t);
	reader_free(&f->whole);
	f->loaded = f->refused = f->in_place = 0;
	f->off = 0;
	f->lineno = f->ring_at = f->head_len = 0;
	f->head_sum = 14695981039346656037UL;
}

/* Bad lines are said once, at the end, by the final report (which reads every file again), not
 * at each look; the watch's own output stays its new findings. */
static void quiet(int on)
{
	static int saved = -1;
	fflush(stderr);
	if (on) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		saved = null >= 0 ? dup(2) : -1;
		if (saved >= 0)
			dup2(null, 2);
		if (null >= 0)
			close(null);
	} else if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
		saved = -1;
	}
}

/* 1 when the bytes at zero_at of an in-place file are still zero (or past its end). */
static int still_zero(const struct wfile *f, int fd)
{
	char b[512];
	ssize_t r = pread(fd, b, sizeof b, f->zero_at);
	for (ssize_t i = 0; i < r; i++)
		if (b[i])
			return 0;
	return r >= 0;
}

/* An in-place file, read whole by the reader: its traces replace the ones read before. */
static int refresh_in_place(struct wstate *w, struct wfile *f, const char *path, int input)
{
	char *p = (char *)path;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf, *z;

	forget(f);
	f->in_place = 1;
	quiet(1);
	reader_load(&p, 1, &f->whole);
	quiet(0);
	for (size_t i = 0; i < f->whole.n; i++)
		f->whole.v[i].input = input;
	f->loaded = f->whole.n > 0;
	/* Where its records stop: the first NUL (the reader read the same bytes or fewer). */
	buf = fd >= 0 ? read_from(fd, 0, &n) : NULL;
	z = buf ? memchr(buf, 0, n) : NULL;
	f->zero_at = z ? (off_t)(z - buf) : (off_t)n;
	f->head_len = (size_t)f->zero_at < HEAD_CHECK ? (size_t)f->zero_at : HEAD_CHECK;
	f->head_sum = fnv(f->head_sum, buf ? buf : "", f->head_len);
	if (w->debug)
		fprintf(stderr, "watch: %s: read %zu bytes from 0 (in place)\n", path, n);
	free(buf);
	if (fd >= 0)
		close(fd);
	return 1;
}

/* Reads what path gained since the last look; 1 when its records changed. */
static int refresh(struct wstate *w, const char *path, int input, const struct stat *st)
{
	struct wfile *f = file_for(w, path, input);
	int same_file = f->dev == st->st_dev && f->ino == st->st_ino, whole, fd = -1;
	size_t n, upto;
	char *buf;
	int unchanged = same_file && f->size == st->st_size && f->mtime.tv_sec == st->st_mtim.tv_sec &&
	                f->mtime.tv_nsec == st->st_mtim.tv_nsec && !(f->racy && (f->ring_at || f->in_place));

	if (same_file && f->in_place) {
		/* pwrite changes mtime; a store through a mapping need not, so the bytes are looked at. */
		int same = unchanged && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 && still_zero(f, fd) &&
		           head_same(f, fd);
		if (fd >= 0)
			close(fd);
		if (same)
			return 0;
		f->size = st->st_size;
		f->mtime = st->st_mtim;
		f->racy = st->st_mtim.tv_sec >= time(NULL) - 1;
		return refresh_in_place(w, f, path, input);
	}
	if (unchanged)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0; /* gone between the listing and now: the next look says */
	whole = !same_file || st->st_size < f->off || f->ring_at || !head_same(f, fd);
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	f->racy = st->st_mtim.tv_sec >= time(NULL) - 1;
again:
	if (whole)
		forget(f);
	buf = read_from(fd, f->off, &n);
	if (memchr(buf, 0, n)) {
		free(buf);
		close(fd);
		return refresh_in_place(w, f, path, input);
	}
	for (upto = n; upto && buf[upto - 1] != '\n'; upto--)
		; /* a last line still being written waits for the next look */
	if (w->debug)
		fprintf(stderr, "watch: %s: read %zu bytes from %lld%s\n", path, n, (long long)f->off,
		        whole ? " (whole)" : "");
	if (f->head_len < HEAD_CHECK) { /* the sum grows with the first complete lines */
		size_t add = upto < HEAD_CHECK - f->head_len ? upto : HEAD_CHECK - f->head_len;
		f->head_sum = fnv(f->head_len ? f->head_sum : 14695981039346656037UL, buf, add);
		f->head_len += add;
	}
	if (!f->refused && upto) {
		size_t was_ring = f->ring_at;
		int r;
		quiet(1);
		r = reader_feed(path, buf, upto, &f->lineno, &f->t, &f->ring_at);
		quiet(0);
		if (r < 0)
			f->refused = 1; /* not a trace this reader reads: the final report says why */
		else if (f->ring_at && !was_ring && !whole) {
			/* The ring began in what was appended: its records are ordered over the whole. */
			free(buf);
			whole = 1;
			goto again;
		}
	}
	f->off += (off_t)upto;
	free(buf);
	close(fd);
	if (f->refused || f->t.n == 0) {
		int had = f->loaded;
		f->loaded = 0;
		return had;
	}
	if (whole && f->ring_at)
		ring_order(&f->t, f->ring_at - 1);
	if (!f->t.path)
		f->t.path = estrdup(path);
	f->t.input = input;
	f->loaded = 1;
	return upto > 0 || whole;
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

/* The severity key was last printed with, 0 when never. */
static enum sev *printed(struct wstate *w, const char *key)
{
	for (size_t i = 0; i < w->nkeys; i++)
		if (!strcmp(w->keys[i], key))
			return &w->sevs[i];
	return NULL;
}

/* Model and findings of everything read so far; prints the findings not printed before. */
static void look(struct wstate *w, const struct watch_opts *o, struct model *m, struct findings *fs)
{
	struct traceset ts = {0};
	time_t now = time(NULL);
	struct tm tm;
	char when[32];

	for (size_t i = 0; i < w->n; i++) {
		const struct wfile *f = &w->v[i];
		size_t k = f->in_place ? f->whole.n : 1;
		if (!f->loaded)
			continue;
		ts.v = erealloc(ts.v, (ts.n + k) * sizeof *ts.v);
		if (f->in_place)
			memcpy(ts.v + ts.n, f->whole.v, k * sizeof *ts.v);
		else
			ts.v[ts.n] = f->t;
		ts.n += k;
	}
	model_build(&ts, m);
	free(ts.v); /* the traces stay ours */
	rules_run(m, fs);
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		char *key = finding_key(f);
		enum sev *was = printed(w, key);
		/* A finding seen half-written (a fork child's use read before its parent's) can rise in
		 * severity at a later look: that is news, printed again with what it was. */
		if (was && *was >= f->sev) {
			free(key);
			continue;
		}
		if (was) {
			free(key);
		} else {
			w->keys = erealloc(w->keys, (w->nkeys + 1) * sizeof *w->keys);
			w->sevs = erealloc(w->sevs, (w->nkeys + 1) * sizeof *w->sevs);
			w->keys[w->nkeys] = key;
			w->sevs[w->nkeys] = 0;
			was = &w->sevs[w->nkeys++];
		}
		/* With --format json the document on stdout is the final report alone. */
		FILE *out = o->json ? stderr : stdout;
		fprintf(out, "%s new %s %s%s%s pids", when, sev_name(f->sev), code_name(f->code),
		        f->var ? " " : "", f->var ? f->var : "");
		for (size_t k = 0; k < f->npids; k++)
			fprintf(out, "%s%ld", k ? "," : " ", f->pids[k]);
		fprintf(out, ": %s", f->message);
		if (*was)
			fprintf(out, " (was %s)", sev_name(*was));
		fprintf(out, "\n");
		*was = f->sev;
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
	struct wstate w = {NULL, 0, NULL, NULL, 0, getenv("CREDTRACE_WATCH_DEBUG") != NULL};
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
		forget(&w.v[i]);
		free(w.v[i].path);
	}
	free(w.v);
	for (size_t i = 0; i < w.nkeys; i++)
		free(w.keys[i]);
	free(w.keys);
	free(w.sevs);
	sym_cleanup();
	return rc;
}
