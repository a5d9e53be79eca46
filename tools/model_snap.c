/* SPDX-License-Identifier: MIT */
/* model_snap.c: what a snapshot's records (docs/trace-format.md, origin "snap") add to a process:
 * when and how it was read, and the TCP sockets it held. */
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "snap.h"

#define SNAP_BLIND                                                                                           \
	"a snapshot of /proc (credtrace snap): reads, run-time changes to the environment (setenv, "         \
	"os.environ, dotenv) and who connected when are not visible"

const char *hold_role_name(enum hold_role r)
{
	return r == HOLD_LISTEN ? "listen" : r == HOLD_ACCEPTED ? "accepted" : "client";
}

void snap_header(struct proc *p, const cJSON *hdr)
{
	const cJSON *o = get(hdr, "snap");
	struct snapinfo *s = erealloc(NULL, sizeof *s);

	memset(s, 0, sizeof *s);
	s->ts = json_num(o, "ts", p->start);
	s->uid = (long)json_num(o, "uid", -1);
	s->environ_read = flag(o, "environ", 0);
	s->forked = flag(o, "forked", 0);
	s->netns = estrdup(str(o, "netns"));
	s->unreadable = estrdup(str(o, "unreadable"));
	s->other_sockets = (long)json_num(o, "other_sockets", 0);
	p->snap = s;
	if (s->forked) /* the parent's image and memory, environment area included */
		p->origin = OR_FORK;
	/* /proc shows the environment a program started with, nothing of what it did since. */
	p->blind = p->blind_known = 1;
	p->blind_why = estrdup(SNAP_BLIND);
}

void snap_sock(struct proc *p, const cJSON *rec)
{
	const char *role = str(rec, "role");
	struct hold *h;

	if (!p->snap)
		return; /* a traced process's file has no sock records; a damaged one is ignored */
	h = PUSH(p->snap->holds, p->snap->nholds);
	h->fd = (int)json_num(rec, "fd", -1);
	h->ino = (unsigned long long)json_num(rec, "ino", 0);
	h->role = role && !strcmp(role, "listen")     ? HOLD_LISTEN
	          : role && !strcmp(role, "accepted") ? HOLD_ACCEPTED
	                                              : HOLD_CLIENT;
	h->state = estrdup(str(rec, "state") ? str(rec, "state") : "?");
	h->local = estrdup(str(rec, "local") ? str(rec, "local") : "?");
	h->peer = estrdup(str(rec, "peer") ? str(rec, "peer") : "?");
}

void snap_free(struct snapinfo *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nholds; i++) {
		free(s->holds[i].state);
		free(s->holds[i].local);
		free(s->holds[i].peer);
	}
	free(s->holds);
	free(s->netns);
	free(s->unreadable);
	free(s);
}
