/* SPDX-License-Identifier: MIT */
/* model_wire.c: `wire` and `wire_status` records (the credential a request carried, a 401 or 403
 * answered to it) into the process's list; the rules are in rules_wire.c. */
#include <stdlib.h>

#include "model_int.h"

void model_wire_add(struct proc *p, const cJSON *r, long long ts)
{
	struct wire *w = PUSH(p->wires, p->nwires);
	const cJSON *n = get(r, "n");
	w->ts = ts;
	w->status = (int)json_num(r, "status", 0);
	w->tls = flag(r, "tls", 0);
	w->conn = (long)json_num(r, "conn", -1);
	w->fd = (long)json_num(r, "fd", -1);
	w->ino = (unsigned long long)json_num(r, "ino", 0);
	w->peer = estrdup(str(r, "peer"));
	/* the Host header, else the name the address was resolved from (getaddrinfo labels) */
	w->host = estrdup(str(r, "host") ? str(r, "host") : str(r, "peer_host"));
	w->api = estrdup(str(r, "api"));
	w->hdr = estrdup(str(r, "hdr"));
	w->match = estrdup(str(r, "match"));
	w->var = estrdup(str(r, "var"));
	if ((w->has_cred = cJSON_IsObject(get(r, "cred"))))
		parse_facts(get(r, "cred"), &w->cred);
	if ((w->has_var_env = cJSON_IsObject(get(r, "var_env"))))
		parse_facts(get(r, "var_env"), &w->var_env);
	w->n_req = (long)json_num(n, "req", 0);
	w->n_2xx = (long)json_num(n, "2xx", 0);
	w->n_401 = (long)json_num(n, "401", 0);
	w->n_403 = (long)json_num(n, "403", 0);
	w->n_other = (long)json_num(n, "other", 0);
	w->agg = (int)json_num(r, "agg", 0);
	w->count = 1;
	w->last_ts = ts;
}

/* "agg" of kind "wire": a running count of new connections whose first request carried what the
 * first `wire` record of its id says (each count supersedes the last). */
void model_wire_agg(struct proc *p, const cJSON *r)
{
	int id = (int)json_num(r, "id", 0);
	for (size_t i = 0; id && i < p->nwires; i++) {
		struct wire *w = &p->wires[i];
		if (w->agg != id || w->status)
			continue;
		if (json_num(r, "count", 1) > w->count)
			w->count = (long)json_num(r, "count", 1);
		if (json_num(r, "last", 0) > w->last_ts)
			w->last_ts = json_num(r, "last", 0);
		return;
	}
}

void model_wire_free(struct proc *p)
{
	for (size_t i = 0; i < p->nwires; i++) {
		struct wire *w = &p->wires[i];
		char *own[] = {w->peer, w->host, w->api, w->hdr, w->match, w->var};
		for (size_t k = 0; k < sizeof own / sizeof own[0]; k++)
			free(own[k]);
		if (w->has_cred)
			free_facts(&w->cred);
		if (w->has_var_env)
			free_facts(&w->var_env);
	}
	free(p->wires);
}
