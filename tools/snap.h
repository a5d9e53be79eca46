/* SPDX-License-Identifier: MIT */
/* snap.h: `credtrace snap`: a live process tree read from /proc, as trace records (origin "snap")
 * that the ordinary reader -> model -> rules -> render path turns into a report. */
#ifndef SNAP_H
#define SNAP_H
#include <stdio.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "reader.h"
#include "rules.h"

/* ---- in the model: what a snapshot adds to a process (model_snap.c) ---- */

enum hold_role { HOLD_CLIENT, HOLD_ACCEPTED, HOLD_LISTEN };

/* A TCP socket descriptor the process held when the snapshot read it ("sock" records). */
struct hold {
	int fd;
	unsigned long long ino;
	enum hold_role role;
	char *state, *local, *peer;
};

struct snapinfo {
	long long ts;       /* when the snapshot read this process */
	long uid;           /* real uid, -1 when unknown */
	int environ_read;   /* its /proc/PID/environ was read: an absent variable is really absent */
	int forked;         /* same program image as its parent: a fork child that did not exec */
	char *netns;        /* "net:[4026531840]", NULL when unreadable */
	char *unreadable;   /* why (part of) /proc/PID could not be read, NULL when all of it was */
	long other_sockets; /* socket descriptors that are not TCP (unix, UDP...): not joined */
	struct hold *holds;
	size_t nholds;
};

/* Called by model.c for a header with origin "snap", and for each "sock" record. */
void snap_header(struct proc *p, const cJSON *hdr);
void snap_sock(struct proc *p, const cJSON *rec);
void snap_free(struct snapinfo *s);
const char *hold_role_name(enum hold_role r);

/* ---- rules and renderers (rules_snap.c, render_snap.c) ---- */

/* rules_snap (rules.h): SOCKET_SHARED, a credential absent in some processes of one program
 * (CRED_MISSING), and the snapshot's caveat on value findings that rest on snapshot processes. */
/* The "snapshot" member of a process in the JSON report: null for a traced process. */
cJSON *render_snap_json(const struct proc *p);
/* Text: the client sockets a process holds (under its credentials in the tree). */
void render_snap_holds(FILE *out, const struct proc *p, int indent);
/* Text, "Not seen": unreadable processes with the reason, what a snapshot cannot show. Returns 1
 * when it printed something. */
int render_snap_notes(FILE *out, const struct model *m);

/* ---- taking a snapshot (snap_proc.c, snap_sock.c, snap_env.c) ---- */

struct snap_opts {
	const char *dir; /* -o DIR: its fingerprint key is used (created when missing) */
	int all;
	long *pids;
	size_t npids;
};

/* Reads the selected processes into ts (one trace per process, records as a trace file holds
 * them; a given pid that does not exist is listed as unreadable). Returns the number of processes
 * found in /proc, readable or not: 0 when none was. */
size_t snap_collect(const struct snap_opts *o, struct traceset *ts);

/* The sockets of the snapshot: fd lists are handed in (inode per process), tables read per
 * network namespace, then each process gets its "sock" records. */
struct sock_join;
struct sock_join *sock_join_new(void);
void sock_join_want(struct sock_join *j, unsigned long long ino, const char *netns, long pid);
void sock_join_read(struct sock_join *j);
/* Adds one "sock" record per TCP socket fd to recs; returns how many socket fds were not TCP. */
long sock_join_records(struct sock_join *j, const char *netns, const int *fds, const unsigned long long *inos,
                       size_t n, long long ts, cJSON ***recs, size_t *nrecs);
void sock_join_free(struct sock_join *j);

/* Fingerprint key: CREDTRACE_KEY_FILE, else DIR/.credtrace.key (created when missing) when dir,
 * else a key of this snapshot only. *kid gets the key id, "" when fingerprints are off; *fp_state
 * the hdr "fp" value. Returns 0, or -1 with a message when CREDTRACE_KEY_FILE cannot be used. */
int snap_key_setup(const char *dir, char kid[9], const char **fp_state);
/* Adds "env" records for the credential variables of a NUL-separated environment block, and
 * returns the environment as an array (for argv redaction; free it with free()). */
char **snap_env_records(char *block, size_t n, long long ts, cJSON ***recs, size_t *nrecs);
/* argv as the shim writes it: at most 16 arguments of 128 bytes, credentials "<redacted>". */
cJSON *snap_argv(char *block, size_t n, char *const *envp, int *trunc);

#endif
