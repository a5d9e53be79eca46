/* SPDX-License-Identifier: MIT */
/* snap_sock.c: which TCP socket each descriptor of a snapshot is, by inode, from the tables of its
 * network namespace (/proc/PID/net/tcp and tcp6, read once per namespace), as `ss -tp` joins them.
 * A socket is a listener, accepted (its local port is a listening port of its namespace) or a
 * client; only clients can be the pooled connection that forked workers share. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "snap.h"

struct sent {
	unsigned long long ino; /* 0: free slot */
	int ns;                 /* index of the namespace whose table listed it, -1 until found */
	int st;                 /* TCP state number (0x0A: LISTEN) */
	unsigned port;          /* local port */
	char local[48], peer[48];
};

struct netns {
	char *name;
	long *pids; /* processes in it, tried in turn: one may exit before its table is read */
	size_t npids;
	unsigned *listen; /* local ports in LISTEN state */
	size_t nlisten;
};

struct sock_join {
	struct sent *v;
	size_t cap, n;
	struct netns *ns;
	size_t nns;
};

struct sock_join *sock_join_new(void)
{
	struct sock_join *j = erealloc(NULL, sizeof *j);

	memset(j, 0, sizeof *j);
	return j;
}

static size_t slot_of(const struct sock_join *j, unsigned long long ino)
{
	size_t h = (size_t)(ino * 0x9e3779b97f4a7c15ull) & (j->cap - 1);

	while (j->v[h].ino && j->v[h].ino != ino)
		h = (h + 1) & (j->cap - 1);
	return h;
}

static void grow(struct sock_join *j)
{
	struct sent *old = j->v;
	size_t oc = j->cap;

	j->cap = oc ? oc * 2 : 1024;
	j->v = erealloc(NULL, j->cap * sizeof *j->v);
	memset(j->v, 0, j->cap * sizeof *j->v);
	for (size_t i = 0; i < oc; i++)
		if (old[i].ino)
			j->v[slot_of(j, old[i].ino)] = old[i];
	free(old);
}

static struct sent *lookup(const struct sock_join *j, unsigned long long ino)
{
	size_t h;

	if (!j->cap)
		return NULL;
	h = slot_of(j, ino);
	return j->v[h].ino ? &j->v[h] : NULL;
}

void sock_join_want(struct sock_join *j, unsigned long long ino, const char *netns, long pid)
{
	struct netns *ns = NULL;
	size_t h;

	if (!ino)
		return;
	if (2 * (j->n + 1) > j->cap)
		grow(j);
	h = slot_of(j, ino);
	if (!j->v[h].ino) {
		j->v[h].ino = ino;
		j->v[h].ns = -1;
		j->n++;
	}
	if (!netns)
		return;
	for (size_t i = 0; i < j->nns && !ns; i++)
		if (!strcmp(j->ns[i].name, netns))
			ns = &j->ns[i];
	if (!ns) {
		j->ns = erealloc(j->ns, (j->nns + 1) * sizeof *j->ns);
		ns = &j->ns[j->nns++];
		memset(ns, 0, sizeof *ns);
		ns->name = estrdup(netns);
	}
	/* a few candidates are enough: they are tried until one table can be read */
	if (ns->npids < 4 && (!ns->npids || ns->pids[ns->npids - 1] != pid)) {
		ns->pids = erealloc(ns->pids, (ns->npids + 1) * sizeof *ns->pids);
		ns->pids[ns->npids++] = pid;
	}
}

/* "0100007F:1F90" (IPv4) or 32 hex digits (IPv6): the kernel prints each 32-bit word of the
 * network-order address as a host-order number. */
static int parse_addr(const char *s, int v6, char *out, size_t n, unsigned *port)
{
	unsigned char a[16];
	unsigned int w, p;
	char ip[INET6_ADDRSTRLEN];
	size_t words = v6 ? 4 : 1;

	for (size_t i = 0; i < words; i++) {
		if (sscanf(s + 8 * i, "%8X", &w) != 1)
			return -1;
		memcpy(a + 4 * i, &w, 4);
	}
	if (s[8 * words] != ':' || sscanf(s + 8 * words + 1, "%X", &p) != 1)
		return -1;
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, a, ip, sizeof ip))
		return -1;
	snprintf(out, n, v6 ? "[%s]:%u" : "%s:%u", ip, p);
	*port = p;
	return 0;
}

static void add_listen(struct netns *ns, unsigned port)
{
	for (size_t i = 0; i < ns->nlisten; i++)
		if (ns->listen[i] == port)
			return;
	ns->listen = erealloc(ns->listen, (ns->nlisten + 1) * sizeof *ns->listen);
	ns->listen[ns->nlisten++] = port;
}

/* One table: 1 when read. Lines: "sl local rem st tx:rx tr:when retr uid timeout inode ...". */
static int read_table(struct sock_join *j, int nsi, long pid, int v6)
{
	char path[64], *line = NULL, loc[80], rem[80];
	size_t cap = 0;
	unsigned st;
	unsigned long long ino;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/net/%s", pid, v6 ? "tcp6" : "tcp");
	if (!(f = fopen(path, "re")))
		return 0;
	while (getline(&line, &cap, f) > 0) {
		struct sent *e, tmp;
		if (sscanf(line, " %*u: %79s %79s %X %*s %*s %*s %*u %*u %llu", loc, rem, &st, &ino) != 4)
			continue; /* the heading */
		memset(&tmp, 0, sizeof tmp);
		if (parse_addr(loc, v6, tmp.local, sizeof tmp.local, &tmp.port) != 0 ||
		    parse_addr(rem, v6, tmp.peer, sizeof tmp.peer, &(unsigned){0}) != 0)
			continue;
		if (st == 0x0A)
			add_listen(&j->ns[nsi], tmp.port);
		if (!ino || !(e = lookup(j, ino)) || e->ns >= 0)
			continue;
		tmp.ino = ino;
		tmp.ns = nsi;
		tmp.st = (int)st;
		*e = tmp;
	}
	free(line);
	fclose(f);
	return 1;
}

void sock_join_read(struct sock_join *j)
{
	for (size_t i = 0; i < j->nns; i++)
		for (size_t k = 0; k < j->ns[i].npids; k++)
			if (read_table(j, (int)i, j->ns[i].pids[k], 0)) {
				read_table(j, (int)i, j->ns[i].pids[k], 1);
				break;
			}
}

static const char *state_text(int st)
{
	static const char *const names[] = {"?",          "established", "syn_sent",  "syn_recv",
	                                    "fin_wait1",  "fin_wait2",   "time_wait", "close",
	                                    "close_wait", "last_ack",    "listen",    "closing"};
	return st > 0 && st < (int)(sizeof names / sizeof names[0]) ? names[st] : "?";
}

static enum hold_role role_of(const struct sock_join *j, const struct sent *e)
{
	const struct netns *ns = &j->ns[e->ns];

	if (e->st == 0x0A)
		return HOLD_LISTEN;
	for (size_t i = 0; i < ns->nlisten; i++)
		if (ns->listen[i] == e->port)
			return HOLD_ACCEPTED;
	return HOLD_CLIENT;
}

long sock_join_records(struct sock_join *j, const char *netns, const int *fds, const unsigned long long *inos,
                       size_t n, long long ts, cJSON ***recs, size_t *nrecs)
{
	long other = 0;

	(void)netns; /* a descriptor may name a socket of another namespace: the inode decides */
	for (size_t i = 0; i < n; i++) {
		const struct sent *e = lookup(j, inos[i]);
		cJSON *r;
		if (!e || e->ns < 0) {
			other++;
			continue;
		}
		/* Constant keys and values by reference: a snapshot of a pre-fork server has tens of
		 * thousands of these, and each copy is a malloc and a free. */
		r = cJSON_CreateObject();
		cJSON_AddItemToObjectCS(r, "t", cJSON_CreateStringReference("sock"));
		cJSON_AddItemToObjectCS(r, "ts", cJSON_CreateNumber((double)ts));
		cJSON_AddItemToObjectCS(r, "fd", cJSON_CreateNumber(fds[i]));
		cJSON_AddItemToObjectCS(r, "ino", cJSON_CreateNumber((double)e->ino));
		cJSON_AddItemToObjectCS(r, "type", cJSON_CreateStringReference("stream"));
		cJSON_AddItemToObjectCS(
		    r, "family", cJSON_CreateStringReference(strchr(e->local, '[') ? "inet6" : "inet"));
		cJSON_AddItemToObjectCS(r, "state", cJSON_CreateStringReference(state_text(e->st)));
		cJSON_AddItemToObjectCS(r, "role",
		                        cJSON_CreateStringReference(hold_role_name(role_of(j, e))));
		cJSON_AddItemToObjectCS(r, "local", cJSON_CreateString(e->local));
		cJSON_AddItemToObjectCS(r, "peer", cJSON_CreateString(e->peer));
		*recs = erealloc(*recs, (*nrecs + 1) * sizeof(cJSON *));
		(*recs)[(*nrecs)++] = r;
	}
	return other;
}

void sock_join_free(struct sock_join *j)
{
	for (size_t i = 0; i < j->nns; i++) {
		free(j->ns[i].name);
		free(j->ns[i].pids);
		free(j->ns[i].listen);
	}
	free(j->ns);
	free(j->v);
	free(j);
}
