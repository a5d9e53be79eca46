/* SPDX-License-Identifier: MIT */
/* rules_wire.c: the key on the wire: KEY_REJECTED (a 401/403 answered to requests carrying a
 * credential) and KEY_SENT_DIFFERS (the credential sent is not the one the environment holds). */
#include <stdio.h>
#include <string.h>

#include "rules.h"

/* What a group of records is about: the same credential (state and fingerprint) in one process. */
static int same_cred(const struct wire *a, const struct wire *b)
{
	if (a->has_cred != b->has_cred)
		return 0;
	if (!a->has_cred)
		return 1;
	return a->cred.state == b->cred.state && !strcmp(a->cred.fp, b->cred.fp) &&
	       !strcmp(a->hdr ? a->hdr : "", b->hdr ? b->hdr : "");
}

static void flags_text(unsigned flags, char *buf, size_t n)
{
	size_t u = 0;
	buf[0] = 0;
	for (unsigned b = 0; b < F_COUNT; b++)
		if (flags & (1u << b))
			u += (size_t)snprintf(buf + u, u < n ? n - u : 0, "%s%s", u ? ", " : "",
			                      flag_names[b]);
}

/* "credential fp 1a2b3c4d5e6f (88 bytes, openai)", "an empty credential", "no credential". */
static void cred_text(const struct wire *w, char *buf, size_t n)
{
	char fl[160];
	if (!w->has_cred) {
		snprintf(buf, n, "no credential");
		return;
	}
	if (w->cred.state != ST_PRESENT) {
		snprintf(buf, n, "an empty credential (%s)", w->hdr ? w->hdr : "?");
		return;
	}
	flags_text(w->cred.flags, fl, sizeof fl);
	snprintf(buf, n, "credential %s%s (%s, %ld bytes%s%s%s%s)", w->cred.fp[0] ? "fp " : "",
	         w->cred.fp[0] ? w->cred.fp : "(fingerprints off)", w->hdr ? w->hdr : "?", w->cred.len,
	         w->cred.provider ? ", " : "", w->cred.provider ? w->cred.provider : "",
	         fl[0] ? ", shape: " : "", fl);
}

/* "the value of OPENAI_API_KEY", "matching no credential variable of the environment". */
static const char *match_text(const struct wire *w, char *buf, size_t n)
{
	if (!w->has_cred || w->cred.state != ST_PRESENT || !w->cred.fp[0])
		return "";
	if (w->match)
		snprintf(buf, n, ", the value of %s", w->match);
	else
		snprintf(buf, n, ", matching no credential variable of the environment");
	return buf;
}

static void conn_text(const struct wire *w, char *buf, size_t n)
{
	const char *host = w->host && (!w->peer || strcmp(w->host, w->peer) != 0) ? w->host : NULL;
	snprintf(buf, n,
	         "connection %ld to %s%s%s%s%s: %ld request(s); %ld 2xx, %ld 401, %ld 403, %ld other so far",
	         w->conn,
	         host      ? host
	         : w->peer ? w->peer
	                   : "?",
	         host && w->peer ? " (" : "", host && w->peer ? w->peer : "", host && w->peer ? ")" : "",
	         w->tls ? " over TLS" : "", w->n_req, w->n_2xx, w->n_401, w->n_403, w->n_other);
}

static void env_ev(struct finding *f, const struct wire *w)
{
	if (!w->var)
		return;
	if (!w->has_var_env || w->var_env.state == ST_ABSENT)
		finding_ev(f, "environment now: %s is absent", w->var);
	else if (w->var_env.state == ST_EMPTY)
		finding_ev(f, "environment now: %s is empty", w->var);
	else
		finding_ev(f, "environment now: %s is present, fp %s (%ld bytes)", w->var,
		           w->var_env.fp[0] ? w->var_env.fp : "off", w->var_env.len);
}

/* A credential that matches no variable now may have been one's value earlier in this process (the
 * client built at import time, before the variable changed): say which and where. */
static void earlier_ev(const struct proc *p, const struct wire *w, struct finding *f)
{
	char site[320];
	if (!w->has_cred || w->match || w->cred.state != ST_PRESENT || !w->cred.fp[0])
		return;
	for (size_t i = 0; i < p->ncreds; i++) {
		const struct cred *c = &p->creds[i];
		for (size_t k = 0; k < c->nreads; k++)
			if (!strcmp(c->reads[k].f.fp, w->cred.fp)) {
				read_phrase(&c->reads[k], site, sizeof site);
				finding_ev(f, "fp %s was %s's value when it was read%s", w->cred.fp, c->name,
				           site);
				return;
			}
		for (size_t k = 0; k < c->nsets; k++)
			if (c->sets[k].has_prev && !strcmp(c->sets[k].prev.fp, w->cred.fp)) {
				site_phrase(&c->sets[k].site, site, sizeof site);
				finding_ev(f, "fp %s was %s's value before it was changed%s", w->cred.fp,
				           c->name, site);
				return;
			}
		if (c->has_start && !strcmp(c->start.fp, w->cred.fp)) {
			finding_ev(f, "fp %s was %s's value when this process started", w->cred.fp, c->name);
			return;
		}
	}
}

/* Has w's connection a `wire` record (not only `wire_status` ones, its request counted only)? */
static int conn_has_wire(const struct proc *p, const struct wire *w)
{
	for (size_t i = 0; i < p->nwires; i++)
		if (!p->wires[i].status && p->wires[i].conn == w->conn)
			return 1;
	return 0;
}

/* Evidence common to both findings: the process, the connections of this credential, the
 * environment, and a connection this process inherited across a fork. */
static void common_ev(const struct model *m, const struct proc *p, const struct wire *first, int statuses,
                      struct finding *f)
{
	char lab[256], buf[512];
	proc_label(m, p, lab, sizeof lab);
	finding_ev(f, "process %s", lab);
	size_t shown = 0;
	long more = 0;
	int aggregated = 0; /* a `wire` record of this credential stands for several new connections */
	for (size_t i = 0; i < p->nwires; i++)
		aggregated |= !p->wires[i].status && p->wires[i].count > 1 && same_cred(&p->wires[i], first);
	for (size_t i = 0; i < p->nwires; i++) {
		const struct wire *w = &p->wires[i], *last = w;
		if (!same_cred(w, first) || (statuses && !w->status))
			continue;
		if (!statuses && w->status && aggregated && !conn_has_wire(p, w))
			continue; /* a 401 of a connection counted in an aggregate: counted there */
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = p->wires[k].conn == w->conn && same_cred(&p->wires[k], first) &&
			       (!statuses || p->wires[k].status);
		if (seen)
			continue;
		for (size_t k = i + 1; k < p->nwires; k++) /* the latest counts of this connection */
			if (p->wires[k].conn == w->conn && same_cred(&p->wires[k], first) &&
			    (!statuses || p->wires[k].status))
				last = &p->wires[k];
		if (shown++ >= 4) {
			more += w->count; /* an aggregated record stands for count new connections */
			continue;
		}
		conn_text(last, buf, sizeof buf);
		if (w->count > 1)
			finding_ev(f,
			           "%s; and %ld more new connection(s) whose first request carried the same",
			           buf, w->count - 1);
		else
			finding_ev(f, "%s", buf);
		for (size_t u = 0; u < p->nuses; u++)
			if (p->uses[u].ino == w->ino && w->ino && p->uses[u].role_child)
				finding_ev(
				    f,
				    "connection %ld was made by pid %ld before a fork and inherited by "
				    "this process (SOCKET_REUSED_AFTER_FORK)",
				    w->conn, p->uses[u].owner);
	}
	if (more)
		finding_ev(f, "... and %ld more connection(s)", more);
	env_ev(f, first);
	earlier_ev(p, first, f);
}

/* Is the credential sent not what the environment holds for the wanted variable? Its reason, or
 * NULL when it is (or nothing can be said: no variable, fingerprints off). */
static const char *differs(const struct wire *w)
{
	if (!w->has_cred || !w->var || !w->has_var_env || w->var_env.state != ST_PRESENT)
		return NULL;
	if (w->cred.state != ST_PRESENT)
		return "empty";
	if (!w->cred.fp[0] || !w->var_env.fp[0])
		return NULL;
	if (!w->match)
		return "none";
	if (strcmp(w->match, w->var) != 0 && (w->cred.flags & F_FOREIGN))
		return "foreign";
	return NULL;
}

static int rejected(const struct proc *p, const struct wire *w)
{
	for (size_t i = 0; i < p->nwires; i++)
		if (p->wires[i].status && same_cred(&p->wires[i], w))
			return 1;
	return 0;
}

static void hint_for(struct finding *f, const struct wire *w)
{
	const char *v = w->var ? w->var : "the provider's key variable";
	const char *d = differs(w);
	if (!w->has_cred)
		finding_hint(
		    f,
		    "No credential was sent: the client got no key. Set %s in the environment of this "
		    "process (the worker, not only the web service) or pass the key explicitly.",
		    v);
	else if (w->cred.state != ST_PRESENT)
		finding_hint(
		    f,
		    "The client sent an empty key (an unset variable read as \"\", a config merge such as "
		    "`settings.key or \"\"`): make the client refuse an empty key at start, and set %s "
		    "where this process runs.",
		    v);
	else if (d && !strcmp(d, "foreign"))
		finding_hint(
		    f,
		    "The key sent is %s's, another provider's key for this endpoint: pass the value of %s.",
		    w->match, v);
	else if (d)
		finding_hint(
		    f,
		    "The client holds a key that is not the environment's %s: it was built before the "
		    "variable changed (at import time, or in a parent before fork) or read its key "
		    "elsewhere (a config file, a default). Build the client after the environment is "
		    "final, in the process that uses it, or pass api_key from %s when calling.",
		    v, v);
	else if (!w->match && w->cred.fp[0])
		finding_hint(f,
		             "The key comes from outside the environment (a config file, a secret store, a "
		             "literal in code) and the server refuses it: check that source%s%s.",
		             w->var ? ", or use " : "", w->var ? w->var : "");
	else if (w->cred.flags)
		finding_hint(
		    f, "The key has a shape defect (see the evidence): fix it where the secret is written "
		       "(no quotes, no trailing newline), then restart the process.");
	else
		finding_hint(
		    f,
		    "The server refuses the environment's own %s: the key is revoked or expired, belongs "
		    "to another project or organisation, or is sent to the wrong endpoint (base URL): "
		    "rotate it or check the base URL.",
		    w->match ? w->match : v);
}

static void key_rejected(const struct model *m, const struct proc *p, struct findings *out)
{
	char cred[256], mt[128];
	for (size_t i = 0; i < p->nwires; i++) {
		const struct wire *w = &p->wires[i];
		int seen = 0;
		if (!w->status)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = p->wires[k].status && same_cred(&p->wires[k], w);
		if (seen)
			continue;
		/* rejections of this credential: the latest counts of each connection */
		long n401 = 0, n403 = 0;
		for (size_t k = i; k < p->nwires; k++) {
			const struct wire *x = &p->wires[k];
			int later = 0;
			if (!x->status || !same_cred(x, w))
				continue;
			for (size_t j = k + 1; j < p->nwires && !later; j++)
				later = p->wires[j].status && p->wires[j].conn == x->conn &&
				        same_cred(&p->wires[j], w);
			if (!later)
				n401 += x->n_401, n403 += x->n_403;
		}
		struct finding *f = finding_new(out, C_KEY_REJECTED, SEV_ERROR, w->match ? w->match : w->var);
		finding_pid(f, p->pid);
		cred_text(w, cred, sizeof cred);
		finding_msg(f, "the server answered %s%s%s to %ld request(s) of pid %ld carrying %s%s",
		            n401 ? "401" : "", n401 && n403 ? "/" : "", n403 ? "403" : "", n401 + n403,
		            p->pid, cred, match_text(w, mt, sizeof mt));
		hint_for(f, w);
		common_ev(m, p, w, 1, f);
	}
}

static void key_sent_differs(const struct model *m, const struct proc *p, struct findings *out)
{
	char cred[256];
	for (size_t i = 0; i < p->nwires; i++) {
		const struct wire *w = &p->wires[i];
		const char *d = differs(w);
		int seen = 0;
		if (!d)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = same_cred(&p->wires[k], w) && differs(&p->wires[k]) &&
			       !strcmp(p->wires[k].var, w->var);
		if (seen)
			continue;
		struct finding *f =
		    finding_new(out, C_KEY_SENT_DIFFERS, rejected(p, w) ? SEV_ERROR : SEV_WARNING, w->var);
		finding_pid(f, p->pid);
		cred_text(w, cred, sizeof cred);
		if (!strcmp(d, "empty"))
			finding_msg(f, "pid %ld sent %s while its environment holds a value in %s", p->pid,
			            cred, w->var);
		else if (!strcmp(d, "foreign"))
			finding_msg(f,
			            "pid %ld sent %s, the value of %s (another provider's key), where %s was "
			            "expected",
			            p->pid, cred, w->match, w->var);
		else
			finding_msg(
			    f,
			    "pid %ld sent %s, which is not the value its environment now holds in %s (fp %s)",
			    p->pid, cred, w->var, w->var_env.fp);
		hint_for(f, w);
		common_ev(m, p, w, 0, f);
	}
}

void rules_wire(const struct model *m, struct findings *out)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		if (!p->nwires)
			continue;
		key_rejected(m, p, out);
		key_sent_differs(m, p, out);
	}
}
