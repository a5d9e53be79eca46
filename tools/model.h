/* SPDX-License-Identifier: MIT */
/* model.h: processes, their credential and socket state over time, and how they are related. */
#ifndef MODEL_H
#define MODEL_H
#include <stddef.h>

#include "reader.h"

enum cstate { ST_ABSENT, ST_EMPTY, ST_PRESENT };
enum origin { OR_EXEC, OR_FORK, OR_CLONE, OR_VFORK };
/* How a process image came to be, relative to its parent in the tree. */
enum link { LK_NONE, LK_FORK, LK_EXEC, LK_SPAWN, LK_VFORK, LK_PPID };

#define F_WHITESPACE   0x01u
#define F_NEWLINE      0x02u
#define F_QUOTED       0x04u
#define F_UNEXPANDED   0x08u
#define F_PLACEHOLDER  0x10u
#define F_FOREIGN      0x20u
#define F_NONPRINTABLE 0x40u
#define F_SHORT        0x80u
#define F_COUNT        8
extern const char *const flag_names[F_COUNT]; /* trace-format names, by bit index */

struct facts {
	enum cstate state;
	long len;
	unsigned flags;
	char *provider; /* NULL when unknown */
	char *entropy;  /* NULL when empty/absent */
	char fp[16];    /* "" when off or not present */
};

/* Where something happened: rendered once, at model time. */
struct site {
	char *text;       /* "app.py:12 (<module>)", "main (app.c:7)", "libfoo.so+0x1139"; NULL if unknown */
	int module_level; /* a Python module body: import time */
	int js;           /* Node's process.env: a JavaScript read whose file:line is not recorded */
};

struct cread {
	long long ts;
	char *fn;
	struct facts f;
	long rid, count;
	int forks, gen;
	struct site site;
};

struct cset {
	long long ts;
	char *fn;
	struct facts f, prev;
	int has_prev, ok, forks;
	int exec_env; /* an `environ` swap folded into the exec that followed it (model.c) */
	struct site site;
};

struct cred {
	char *name;
	int has_start; /* present or empty at start: an env record, or the parent's at the fork */
	int inherited; /* a fork or clone child's: the start is its parent's state at the fork */
	struct facts start;
	struct cread *reads;
	size_t nreads;
	struct cset *sets;
	size_t nsets;
};

struct proc;
struct snapinfo; /* snap.h: a process read from /proc by `credtrace snap` */

struct fork_ev {
	long long ts;
	long child;
	int forks;
	struct site site;
};

struct exec_ev {
	long long ts;
	char *fn, *path;
	char **argv;
	size_t argc;
	long child; /* -1 when unknown (exec in this process: the pid stays) */
	int in_vfork, custom_env, preload, ok;
	int swapped; /* the caller assigned a new environ just before the call (libuv's fork child) */
	char **lost, **emptied, **changed;
	size_t nlost, nemptied, nchanged;
	struct site site;
	struct proc *image; /* the traced image it started, NULL when none was found */
};

struct conn {
	long long ts;
	int fd, stream, ok, forks;
	int agg, late;       /* aggregate id ("agg"), written late at a fork (site: its aggregate's) */
	long count;          /* connects this record stands for (same site, peer, result): 1 or more */
	long long last_ts;   /* the last of them */
	int held, inherited; /* a `held` record: open when the shim was attached, the parent's too */
	long owner;          /* held: the process that made it (the parent when inherited) */
	unsigned long long ino;
	char *peer;
	char *peer_host; /* the host name that resolved to peer (getaddrinfo), NULL when unknown */
	struct site site;
};

struct use {
	long long ts;
	int fd, role_child, shutdown;
	unsigned long long ino;
	long owner;
	char *op, *peer;
	char *peer_host; /* as conn's */
	struct site site;
};

/* A request's credential (`wire`) or a 401/403 answered to it (`wire_status`, status set). */
struct wire {
	long long ts;
	int status, tls, has_cred, has_var_env;
	long conn, fd;
	unsigned long long ino;
	char *peer, *host, *api, *hdr, *match, *var; /* NULL when not recorded */
	struct facts cred, var_env;
	long n_req, n_2xx, n_401, n_403, n_other;
	int agg;           /* its aggregate's id ("agg"), 0 when none */
	long count;        /* connections this record stands for: 1, or its aggregate's latest count */
	long long last_ts; /* the latest of them */
};

struct proc {
	char *file, *id, *host, *container, *nonce, *exe, *kid;
	char **argv;
	size_t argc;
	int input, argv_trunc, gen, capped, has_end, bad_lines;
	long dropped; /* capped: records overwritten in its tail ring (-1: cut, the old cap) */
	long pid, ppid, parent_pid;
	char *parent_nonce;
	enum origin origin;
	long long start, fork_ts, last_ts;
	char *rt_name, *rt_why; /* runtime record, NULL when none */
	int rt_reads;           /* 1: reads visible (Python audit hook; Node adapter or getenv) */
	int blind;              /* credential reads are not visible in this process */
	unsigned features;      /* bit CT_FEAT_x: that feature's flag is on ("feature" records) */
	int blind_known;        /* blind and blind_why are computed */
	int inherit_done;       /* creds at start taken from the parent (fork and clone children) */
	char *blind_why;
	struct cred *creds;
	size_t ncreds;
	struct fork_ev *forks;
	size_t nforks;
	struct exec_ev *execs;
	size_t nexecs;
	struct conn *conns;
	size_t nconns;
	struct use *uses;
	size_t nuses;
	struct wire *wires;
	size_t nwires;
	struct proc *parent;
	enum link link;
	struct exec_ev *via; /* the exec record that started this image */
	struct proc **kids;
	size_t nkids;
	struct snapinfo *snap; /* NULL unless the process comes from a snapshot (origin "snap") */
};

struct model {
	struct proc **procs; /* sorted by host, start, pid, nonce */
	size_t n;
	size_t nhosts;
};

void model_build(const struct traceset *ts, struct model *m);
/* The same, one trace at a time (a reader sink: the trace's records can go right after). */
void model_begin(struct model *m);
void model_add(void *m, const struct trace *t);
void model_end(struct model *m);
void model_free(struct model *m);

struct cred *proc_cred(const struct proc *p, const char *name); /* NULL when never seen */
/* State of a variable in p's environment at start (ST_ABSENT when no env record). */
enum cstate proc_start_state(const struct proc *p, const char *name);
/* Short description: "4242 (python3 app.py)", with the host when the model has several. */
void proc_label(const struct model *m, const struct proc *p, char *buf, size_t n);
/* 1 when a is b or one of b's descendants in the tree. */
int proc_within(const struct proc *a, const struct proc *b);
const char *state_name(enum cstate s);
/* 1 when p's fork record f names a child that left no trace file: a fork child writes its file at
 * its first record, so it read no credential, connected nothing and exec'd nothing we saw (a celery
 * or multiprocessing pool worker that only uses what its parent built). */
int fork_untraced(const struct proc *p, const struct fork_ev *f);
/* "api.openai.com:443 (203.0.113.7:443)" when the host name is known, else the peer as recorded. */
void peer_phrase(const char *peer, const char *host, char *buf, size_t n);
const char *link_name(enum link l);
/* The words the reports put before a site: " at " a file or function, " via " Node's process.env, ""
 * when the site is unknown; and " before fork" after a read its process made before it forked. */
const char *site_joiner(const struct site *s);
const char *read_fork_note(const struct cread *r, const struct proc *p);
/* "12.0 ms", "3.20 s": a duration in microseconds. */
void fmt_dur(long long from, long long to, char *buf, size_t n); /* to - from; "?" if out of range */

#endif
