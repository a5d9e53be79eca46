/* SPDX-License-Identifier: MIT */
/* render_snap.c: what the renderers show of a snapshot: the "snapshot" member of a JSON process,
 * the client sockets in the text tree, and the snapshot's part of "Not seen". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "snap.h"

static cJSON *strornull(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *num(long long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	return cJSON_CreateRaw(buf);
}

cJSON *render_snap_json(const struct proc *p)
{
	const struct snapinfo *s = p->snap;
	cJSON *o, *a;

	if (!s)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	a = cJSON_CreateArray();
	cJSON_AddItemToObject(o, "ts", num(s->ts));
	cJSON_AddItemToObject(o, "uid", num(s->uid));
	cJSON_AddBoolToObject(o, "environ", s->environ_read);
	cJSON_AddBoolToObject(o, "forked", s->forked);
	cJSON_AddItemToObject(o, "netns", strornull(s->netns));
	cJSON_AddItemToObject(o, "unreadable", strornull(s->unreadable));
	cJSON_AddItemToObject(o, "other_sockets", num(s->other_sockets));
	for (size_t i = 0; i < s->nholds; i++) {
		const struct hold *h = &s->holds[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "fd", num(h->fd));
		cJSON_AddItemToObject(j, "ino", num((long long)h->ino));
		cJSON_AddStringToObject(j, "role", hold_role_name(h->role));
		cJSON_AddStringToObject(j, "state", h->state);
		cJSON_AddStringToObject(j, "local", h->local);
		cJSON_AddStringToObject(j, "peer", h->peer);
		cJSON_AddItemToArray(a, j);
	}
	cJSON_AddItemToObject(o, "sockets", a);
	return o;
}

static void put(FILE *out, const char *s)
{
	char *e = text_escape(s ? s : "");
	fputs(e, out);
	free(e);
}

void render_snap_holds(FILE *out, const struct proc *p, int indent)
{
	if (!p->snap)
		return;
	if (p->snap->unreadable) {
		fprintf(out, "%*snot readable: ", indent, "");
		put(out, p->snap->unreadable);
		fputc('\n', out);
	}
	for (size_t i = 0; i < p->snap->nholds; i++) {
		const struct hold *h = &p->snap->holds[i];
		if (h->role != HOLD_CLIENT)
			continue; /* listeners and accepted connections are how servers work */
		fprintf(out, "%*ssocket: client fd %d ", indent, "", h->fd);
		put(out, h->local);
		fputs(" -> ", out);
		put(out, h->peer);
		fprintf(out, " (inode %llu, ", h->ino);
		put(out, h->state);
		fputs(")\n", out);
	}
}

int render_snap_notes(FILE *out, const struct model *m)
{
	size_t nsnap = 0, nun = 0;
	long other = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct snapinfo *s = m->procs[i]->snap;
		if (!s)
			continue;
		nsnap++;
		other += s->other_sockets;
		if (!s->unreadable)
			continue;
		if (nun++ == 0)
			fprintf(out,
			        "  - processes the snapshot could not read (their credentials and sockets "
			        "are unknown, not absent):\n");
		fprintf(out, "    pid %ld: ", m->procs[i]->pid);
		put(out, s->unreadable);
		fputc('\n', out);
	}
	if (!nsnap)
		return 0;
	if (other)
		fprintf(out,
		        "  - %ld socket descriptor%s that %s not TCP (unix, UDP, netlink): not joined "
		        "across processes\n",
		        other, other == 1 ? "" : "s", other == 1 ? "is" : "are");
	fprintf(out, "  - a snapshot shows each program's environment at start (/proc/PID/environ) and the "
	             "sockets held now; to see who reads which credential, where, and who uses a shared "
	             "connection, trace a restart with `credtrace run -o DIR -- CMD` (or preload the shim "
	             "in the service) and merge: `credtrace report DIR SNAPDIR`\n");
	return 1;
}
