/* SPDX-License-Identifier: MIT */
/* snap_proc.c: the processes of a snapshot: the tree from /proc/PID/stat, then for each selected
 * process its command line, program, container, network namespace, credential facts from environ
 * and socket descriptors, as trace records. Each process is read through one /proc/PID directory
 * descriptor, so a pid reused mid-snapshot reads as "exited" instead of as another process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "snap.h"

#define PF_KTHREAD 0x00200000u

/* One process of /proc, as listed at the start. */
struct sp {
	long pid, ppid;
	unsigned long long start; /* clock ticks since boot */
	unsigned long long arg_start, env_start;
	int sel, kthread;
	char state;
};

/* What was read of one selected process. */
struct rd {
	struct sp *sp;
	cJSON **recs;
	size_t nrecs;
	char nonce[17];
	char *netns;
	int *fds;
	unsigned long long *inos;
	size_t nfd;
	struct stat exe_st;
	int exe_ok;
};

static long long now_us(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Reads a whole small or large /proc file relative to dirfd; returns 0 or an errno. *buf has one
 * spare byte past *n (split_block in snap_env.c relies on it). */
static int slurp(int dirfd, const char *name, char **buf, size_t *n)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC), e = 0;
	size_t cap = 4096;
	ssize_t got;

	*n = 0;
	*buf = NULL;
	if (fd < 0)
		return errno;
	*buf = erealloc(NULL, cap + 1);
	while ((got = read(fd, *buf + *n, cap - *n)) > 0) {
		*n += (size_t)got;
		if (*n == cap)
			*buf = erealloc(*buf, (cap *= 2) + 1);
	}
	if (got < 0)
		e = errno;
	close(fd);
	(*buf)[*n] = 0;
	return e;
}

/* Fields of /proc/PID/stat after the command name, which may hold spaces and ')'. */
static int parse_stat(int dirfd, struct sp *s)
{
	char *b, *p;
	size_t n;
	unsigned long long f[52] = {0};
	int k;

	if (slurp(dirfd, "stat", &b, &n) != 0 || !b || !(p = strrchr(b, ')'))) {
		free(b);
		return -1;
	}
	p++;
	while (*p == ' ')
		p++;
	s->state = *p++;
	for (k = 4; k < 52 && *p; k++) /* f[k]: field k of proc(5), numbered from 1 */
		f[k] = strtoull(p, &p, 10);
	free(b);
	s->ppid = (long)f[4];
	s->kthread = (f[9] & PF_KTHREAD) != 0;
	s->start = f[22];
	s->arg_start = f[48];
	s->env_start = f[50];
	return 0;
}

static int is_pid(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static struct sp *list_procs(size_t *n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct sp *v = NULL;

	*n = 0;
	if (!d)
		eprintf("snap: /proc:");
	while ((e = readdir(d))) {
		struct sp s = {0};
		int fd;
		if (!is_pid(e->d_name))
			continue;
		s.pid = atol(e->d_name);
		if ((fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			continue;
		if (parse_stat(fd, &s) == 0) {
			v = erealloc(v, (*n + 1) * sizeof *v);
			v[(*n)++] = s;
		}
		close(fd);
	}
	closedir(d);
	return v;
}

static struct sp *find(struct sp *v, size_t n, long pid)
{
	size_t lo = 0, hi = n; /* /proc lists pids in increasing order; list_procs keeps it */

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid].pid == pid)
			return &v[mid];
		if (v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < n; i++) /* in case the order was not increasing */
		if (v[i].pid == pid)
			return &v[i];
	return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct sp *x = a, *y = b;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* PIDs and their descendants, or everything (--all); never ourselves or kernel threads. */
static void select_procs(const struct snap_opts *o, struct sp *v, size_t n)
{
	long self = (long)getpid();
	int more = 1;

	for (size_t i = 0; i < o->npids; i++) {
		struct sp *s = find(v, n, o->pids[i]);
		if (s)
			s->sel = 1;
	}
	while (more) {
		more = 0;
		for (size_t i = 0; i < n; i++) {
			struct sp *par;
			if (v[i].sel || (!o->all && !((par = find(v, n, v[i].ppid)) && par->sel)))
				continue;
			v[i].sel = more = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == self || (v[i].kthread && o->all))
			v[i].sel = 0;
}

static void add_rec(struct rd *r, cJSON *rec)
{
	r->recs = erealloc(r->recs, (r->nrecs + 1) * sizeof(cJSON *));
	r->recs[r->nrecs++] = rec;
}

/* Why part of /proc/PID could not be read, for the report. */
static char *why(int e, long uid, const char *what)
{
	char *s;
	int rc;

	if (e == ESRCH || e == ENOENT)
		rc = asprintf(&s, "exited during the snapshot (%s)", what);
	else if ((e == EACCES || e == EPERM) && uid >= 0 && uid != (long)geteuid() && geteuid() != 0)
		rc = asprintf(&s,
		              "%s: permission denied: another user's process (uid %ld); run as that user, "
		              "as root, or with CAP_SYS_PTRACE",
		              what, uid);
	else if (e == EACCES || e == EPERM)
		rc = asprintf(&s,
		              "%s: permission denied (not dumpable: setuid, setgid or prctl; or refused by "
		              "an LSM); root or CAP_SYS_PTRACE reads it",
		              what);
	else
		rc = asprintf(&s, "%s: %s", what, strerror(e));
	if (rc < 0)
		eprintf("out of memory:");
	return s;
}

static void container_of(int dirfd, cJSON *hdr)
{
	char *b;
	size_t n, run = 0;

	if (slurp(dirfd, "cgroup", &b, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			char c = b[i];
			run = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ? run + 1 : 0;
			if (run == 64 && !(i + 1 < n && ((b[i + 1] >= '0' && b[i + 1] <= '9') ||
			                                 (b[i + 1] >= 'a' && b[i + 1] <= 'f')))) {
				b[i + 1] = 0;
				cJSON_AddStringToObject(hdr, "container", b + i - 63);
				free(b);
				return;
			}
		}
	free(b);
	cJSON_AddNullToObject(hdr, "container");
}

/* The descriptors that are sockets: their numbers and inodes. Returns 0 or an errno. */
static int read_fds(int dirfd, struct rd *r)
{
	int fd = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return errno;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return errno;
	}
	errno = 0;
	while ((e = readdir(d))) {
		char l[64];
		ssize_t k;
		unsigned long long ino;
		if (!is_pid(e->d_name))
			continue;
		k = readlinkat(fd, e->d_name, l, sizeof l - 1);
		if (k <= 0)
			continue;
		l[k] = 0;
		if (strncmp(l, "socket:[", 8) != 0 || !(ino = strtoull(l + 8, NULL, 10)))
			continue; /* not a socket (sscanf here cost more than the readlink) */
		if ((r->nfd & (r->nfd - 1)) == 0) { /* 0, 1, 2, 4...: grow by doubling */
			r->fds = erealloc(r->fds, (r->nfd ? 2 * r->nfd : 1) * sizeof *r->fds);
			r->inos = erealloc(r->inos, (r->nfd ? 2 * r->nfd : 1) * sizeof *r->inos);
		}
		r->fds[r->nfd] = atoi(e->d_name);
		r->inos[r->nfd++] = ino;
	}
	closedir(d);
	return 0;
}

struct ctx {
	long long ts, boot_us;
	long hz;
	const char *host, *kid, *fp_state;
	struct sock_join *join;
};

static cJSON *header(const struct ctx *c, const struct sp *s, const char *nonce)
{
	cJSON *h = cJSON_CreateObject();

	cJSON_AddStringToObject(h, "t", "hdr");
	cJSON_AddNumberToObject(
	    h, "ts", (double)(c->boot_us + (long long)(s->start * 1000000ull / (unsigned long long)c->hz)));
	cJSON_AddStringToObject(h, "schema", READER_SCHEMA);
	cJSON_AddNumberToObject(h, "pid", (double)s->pid);
	cJSON_AddNumberToObject(h, "ppid", (double)s->ppid);
	cJSON_AddStringToObject(h, "host", c->host);
	cJSON_AddStringToObject(h, "nonce", nonce);
	cJSON_AddStringToObject(h, "origin", "snap");
	cJSON_AddStringToObject(h, "fp", c->fp_state);
	if (c->kid[0])
		cJSON_AddStringToObject(h, "kid", c->kid);
	return h;
}

/* Reads one selected process into r: its header (without "snap", added once the sockets are
 * known) and env records. */
static void read_one(const struct ctx *c, struct rd *r, cJSON **snapobj)
{
	char path[32], *blk = NULL, *cmd = NULL, exe[4096];
	size_t n = 0, cn = 0;
	int dfd, e, trunc = 0;
	long uid = -1;
	char **env = NULL;
	struct stat st;
	cJSON *h = header(c, r->sp, r->nonce), *so = cJSON_CreateObject(), *av;
	char *unread = NULL;
	ssize_t k;

	add_rec(r, h);
	*snapobj = so;
	snprintf(path, sizeof path, "/proc/%ld", r->sp->pid);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		unread = why(errno, -1, "/proc entry");
		cJSON_AddNullToObject(h, "exe");
		cJSON_AddItemToObject(h, "argv", cJSON_CreateArray());
		cJSON_AddNullToObject(h, "container");
		goto out;
	}
	if (fstat(dfd, &st) == 0)
		uid = (long)st.st_uid;
	cJSON_AddNumberToObject(so, "uid", (double)uid);
	if (r->sp->state == 'Z')
		unread = estrdup("zombie: exited, not yet reaped by its parent");
	else if ((e = slurp(dfd, "environ", &blk, &n)) != 0)
		unread = why(e, uid, "environ");
	else
		env = snap_env_records(blk, n, c->ts, &r->recs, &r->nrecs);
	cJSON_AddBoolToObject(so, "environ", env != NULL);
	if ((k = readlinkat(dfd, "exe", exe, sizeof exe - 1)) > 0) {
		exe[k] = 0;
		utf8_clean(exe);
		cJSON_AddStringToObject(h, "exe", exe);
		r->exe_ok = fstatat(dfd, "exe", &r->exe_st, 0) == 0;
	} else {
		cJSON_AddNullToObject(h, "exe");
	}
	if (slurp(dfd, "cmdline", &cmd, &cn) == 0 && cn) {
		av = snap_argv(cmd, cn, env, &trunc);
	} else { /* a zombie or a kernel thread: its name in brackets, as ps shows it */
		char *b = NULL, *p, *q;
		size_t bn;
		av = cJSON_CreateArray();
		if (slurp(dfd, "stat", &b, &bn) == 0 && (p = strchr(b, '(')) && (q = strrchr(b, ')'))) {
			*p = '[';
			q[0] = ']';
			q[1] = 0;
			utf8_clean(p);
			cJSON_AddItemToArray(av, cJSON_CreateString(p));
		}
		free(b);
	}
	cJSON_AddItemToObject(h, "argv", av);
	if (trunc)
		cJSON_AddBoolToObject(h, "argv_trunc", 1);
	container_of(dfd, h);
	if ((k = readlinkat(dfd, "ns/net", exe, sizeof exe - 1)) > 0) {
		exe[k] = 0;
		r->netns = estrdup(exe);
	} else if (!unread) {
		unread = why(errno, uid, "ns/net");
	}
	if (!unread && (e = read_fds(dfd, r)) != 0)
		unread = why(e, uid, "fd");
	for (size_t i = 0; i < r->nfd; i++)
		sock_join_want(c->join, r->inos[i], r->netns, r->sp->pid);
	close(dfd);
out:
	cJSON_AddNumberToObject(h, "vars", 0);
	if (env) {
		size_t nv = 0;
		while (env[nv])
			nv++;
		cJSON_ReplaceItemInObject(h, "vars", cJSON_CreateNumber((double)nv));
	}
	if (unread)
		cJSON_AddStringToObject(so, "unreadable", unread);
	else
		cJSON_AddNullToObject(so, "unreadable");
	free(unread);
	free(env);
	free(blk);
	free(cmd);
}

/* A fork child that did not exec has its parent's image: the same program file and the same
 * argument and environment addresses (a new exec gets a new, randomised stack). */
static int same_image(const struct rd *a, const struct rd *b)
{
	return a->exe_ok && b->exe_ok && a->exe_st.st_dev == b->exe_st.st_dev &&
	       a->exe_st.st_ino == b->exe_st.st_ino && a->sp->env_start &&
	       a->sp->env_start == b->sp->env_start && a->sp->arg_start == b->sp->arg_start;
}

static void host_name(char *out, size_t n)
{
	struct utsname u;

	snprintf(out, n, "%s", uname(&u) == 0 ? u.nodename : "?");
	for (char *p = out; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
}

static void to_trace(struct traceset *ts, struct rd *r, const char *host)
{
	struct trace t = {0};
	char name[256];

	snprintf(name, sizeof name, "%s.%ld.%s.jsonl", host, r->sp->pid, r->nonce);
	t.path = estrdup(name);
	t.recs = r->recs;
	t.n = r->nrecs;
	ts->v = erealloc(ts->v, (ts->n + 1) * sizeof *ts->v);
	ts->v[ts->n++] = t;
}

size_t snap_collect(const struct snap_opts *o, struct traceset *ts)
{
	struct ctx c;
	char host[65], kid[9];
	size_t n, nsel = 0, k = 0;
	struct sp *v = list_procs(&n), *gone = NULL;
	struct rd *rs;
	cJSON **so;
	unsigned char *rnd;
	size_t ngone = 0;

	memset(ts, 0, sizeof *ts);
	qsort(v, n, sizeof *v, cmp_pid);
	select_procs(o, v, n);
	/* Asked-for pids that are not (or no longer) in /proc: listed, never dropped in silence. */
	for (size_t i = 0; i < o->npids; i++)
		if (!find(v, n, o->pids[i])) {
			gone = erealloc(gone, (ngone + 1) * sizeof *gone);
			gone[ngone++] = (struct sp){.pid = o->pids[i], .sel = 1, .state = 'X'};
		}
	for (size_t i = 0; i < n; i++)
		nsel += v[i].sel;
	/* nonces: 8 random bytes per process, drawn at once */
	rnd = erealloc(NULL, (nsel + ngone + 1) * 8);
	for (size_t got = 0, want = (nsel + ngone + 1) * 8; got < want;) {
		ssize_t r = getrandom(rnd + got, want - got, 0);
		if (r <= 0)
			eprintf("snap: getrandom:");
		got += (size_t)r;
	}
	rs = erealloc(NULL, (nsel + ngone + 1) * sizeof *rs);
	so = erealloc(NULL, (nsel + ngone + 1) * sizeof(cJSON *));
	memset(rs, 0, (nsel + ngone + 1) * sizeof *rs);
	host_name(host, sizeof host);
	c.ts = now_us(CLOCK_REALTIME);
	c.boot_us = c.ts - now_us(CLOCK_BOOTTIME);
	c.hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	c.host = host;
	c.kid = kid;
	c.join = sock_join_new();
	if (snap_key_setup(o->dir, kid, &c.fp_state) != 0)
		exit(2);
	for (size_t i = 0; i < n + ngone; i++) {
		struct sp *s = i < n ? &v[i] : &gone[i - n];
		if (!s->sel)
			continue;
		rs[k].sp = s;
		for (size_t b = 0; b < 8; b++)
			snprintf(rs[k].nonce + 2 * b, 3, "%02x", rnd[8 * k + b]);
		if (i < n)
			read_one(&c, &rs[k], &so[k]);
		else {
			cJSON *h = header(&c, s, rs[k].nonce);
			add_rec(&rs[k], h);
			cJSON_AddNullToObject(h, "exe");
			cJSON_AddItemToObject(h, "argv", cJSON_CreateArray());
			cJSON_AddNullToObject(h, "container");
			so[k] = cJSON_CreateObject();
			cJSON_AddBoolToObject(so[k], "environ", 0);
			cJSON_AddStringToObject(so[k], "unreadable",
			                        "no such process (exited, or hidden from us: hidepid)");
		}
		k++;
	}
	sock_join_read(c.join);
	for (size_t i = 0; i < k; i++) {
		struct rd *r = &rs[i];
		long other =
		    sock_join_records(c.join, r->netns, r->fds, r->inos, r->nfd, c.ts, &r->recs, &r->nrecs);
		const struct rd *par = NULL;
		for (size_t p = 0; p < k && !par; p++)
			if (rs[p].sp->pid == r->sp->ppid && same_image(r, &rs[p]))
				par = &rs[p];
		/* A fork child names its parent as a traced one does: the model links it by fork. */
		if (par) {
			cJSON *po = cJSON_AddObjectToObject(r->recs[0], "parent");
			cJSON_AddNumberToObject(po, "pid", (double)par->sp->pid);
			cJSON_AddStringToObject(po, "nonce", par->nonce);
		}
		cJSON_AddNumberToObject(so[i], "ts", (double)c.ts);
		cJSON_AddBoolToObject(so[i], "forked", par != NULL);
		if (r->netns)
			cJSON_AddStringToObject(so[i], "netns", r->netns);
		else
			cJSON_AddNullToObject(so[i], "netns");
		cJSON_AddNumberToObject(so[i], "other_sockets", (double)other);
		cJSON_AddItemToObject(r->recs[0], "snap", so[i]);
		to_trace(ts, r, host);
		free(r->netns);
		free(r->fds);
		free(r->inos);
	}
	sock_join_free(c.join);
	free(rs);
	free(so);
	free(v);
	free(gone);
	free(rnd);
	return k - ngone;
}
