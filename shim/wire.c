/* SPDX-License-Identifier: MIT */
/* wire.c: the credential an HTTP/1.x request carried and the status that came back, per connection.
 * Request heads (plaintext sockets through sock_io.c, OpenSSL SSL objects through tls.c) are scanned
 * in place, at most CT_WIRE_SCAN bytes; only facts about the credential (state, length, shape,
 * provider, keyed fingerprint) and the name of the environment variable holding the same value are
 * kept and written, never the bytes (docs/trace-format.md, `wire`). */
#define _GNU_SOURCE /* syscall */
#include "wire.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sock.h"

extern char **environ;

/* ---- the request head ------------------------------------------------------------------------ */

/* The credential-carrying headers, in the order the `hdr` field names them. */
enum hdr { H_NONE, H_AUTH, H_XAPI, H_APIKEY, H_GOOG, H_QKEY, H_COUNT };
static const char *const hdr_names[H_COUNT] = {NULL,      "authorization",  "x-api-key",
                                               "api-key", "x-goog-api-key", "query:key"};
/* The variable a header convention points to (x-api-key is Anthropic's, api-key Azure's...). */
static const char *const hdr_var[H_COUNT] = {
    NULL, NULL, "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_API_KEY"};

/* Host names of the providers, and the variable their clients read (exact or a subdomain). */
static const struct {
	const char *host, *var;
} host_vars[] = {
    {"api.openai.com", "OPENAI_API_KEY"},
    {"api.anthropic.com", "ANTHROPIC_API_KEY"},
    {"openrouter.ai", "OPENROUTER_API_KEY"},
    {"api.groq.com", "GROQ_API_KEY"},
    {"api.x.ai", "XAI_API_KEY"},
    {"generativelanguage.googleapis.com", "GOOGLE_API_KEY"},
    {"api.perplexity.ai", "PERPLEXITY_API_KEY"},
    {"api.mistral.ai", "MISTRAL_API_KEY"},
    {"api.deepseek.com", "DEEPSEEK_API_KEY"},
    {"openai.azure.com", "AZURE_OPENAI_API_KEY"},
    {"api.smith.langchain.com", "LANGSMITH_API_KEY"},
    {"huggingface.co", "HF_TOKEN"},
    {"api.github.com", "GITHUB_TOKEN"},
};

/* API families recognised by the request path (no host name on loopback or behind a proxy). */
static const struct {
	const char *needle, *api, *var;
} path_apis[] = {
    {"/chat/completions", "openai", "OPENAI_API_KEY"},
    {"/completions", "openai", "OPENAI_API_KEY"},
    {"/embeddings", "openai", "OPENAI_API_KEY"},
    {"/responses", "openai", "OPENAI_API_KEY"},
    {"/v1/messages", "anthropic", "ANTHROPIC_API_KEY"},
    {":generateContent", "google", "GOOGLE_API_KEY"},
    {":streamGenerateContent", "google", "GOOGLE_API_KEY"},
};

struct head {
	enum hdr kind;
	const char *val; /* the credential inside the caller's buffer: read, never copied */
	size_t vlen;
	const char *host;
	size_t hlen;
	int api; /* index into path_apis, -1 when none */
};

static unsigned char low(unsigned char c)
{
	return (unsigned)(c - 'A') < 26u ? (unsigned char)(c + 32) : c;
}

/* s[0..n) equals the lower-case word w, case-insensitively. */
static int ieq(const char *s, size_t n, const char *w)
{
	size_t i;
	for (i = 0; i < n && w[i]; i++)
		if (low((unsigned char)s[i]) != (unsigned char)w[i])
			return 0;
	return i == n && !w[i];
}

static int contains(const char *s, size_t n, const char *w)
{
	size_t l = strlen(w);
	for (size_t i = 0; i + l <= n; i++)
		if (s[i] == w[0] && !memcmp(s + i, w, l))
			return 1;
	return 0;
}

/* `key=` in the query of target[0..n): Google's REST API takes its key there. */
static void query_key(const char *t, size_t n, struct head *h)
{
	const char *q = memchr(t, '?', n);
	if (!q)
		return;
	for (const char *p = q + 1, *e = t + n; p < e;) {
		const char *a = memchr(p, '&', (size_t)(e - p));
		if (!a)
			a = e;
		if (a - p >= 4 && !memcmp(p, "key=", 4)) {
			h->kind = H_QKEY, h->val = p + 4, h->vlen = (size_t)(a - p - 4);
			return;
		}
		p = a + 1;
	}
}

/* One header line name[0..nl): value[0..vl). */
static void header(const char *name, size_t nl, const char *v, size_t vl, struct head *h)
{
	enum hdr k = H_NONE;
	if (nl != 4 && nl != 7 && nl != 9 && nl != 13 && nl != 14)
		return; /* none of the names below: most headers stop at this length test */
	if (ieq(name, nl, "host")) {
		h->host = v, h->hlen = vl;
		return;
	}
	if (h->kind != H_NONE && h->kind != H_QKEY)
		return; /* the first credential header counts */
	if (ieq(name, nl, "authorization")) {
		/* Bearer only: Basic and other schemes are not API keys. "Bearer" alone is an empty one. */
		if (vl < 6 || !ieq(v, 6, "bearer") || (vl > 6 && v[6] != ' ' && v[6] != '\t'))
			return;
		v += 6, vl -= 6;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		k = H_AUTH;
	} else if (ieq(name, nl, "x-api-key")) {
		k = H_XAPI;
	} else if (ieq(name, nl, "api-key")) {
		k = H_APIKEY;
	} else if (ieq(name, nl, "x-goog-api-key")) {
		k = H_GOOG;
	}
	if (k != H_NONE)
		h->kind = k, h->val = v, h->vlen = vl;
}

/* Parses the head in b[0..n) (n already bounded). 0 when it is not an HTTP/1.x request line. */
static int parse_head(const char *b, size_t n, struct head *h)
{
	size_t m = ct_wire_method(b, n), i, e;
	memset(h, 0, sizeof *h);
	h->api = -1;
	if (!m)
		return 0;
	const char *nl = memchr(b + m, '\n', n - m); /* glibc's memchr: vectorised */
	e = nl ? (size_t)(nl - b) : n;
	/* request-target SP "HTTP/1.x": the target ends at the last space of the line */
	for (i = e; i > m && b[i - 1] != ' '; i--)
		;
	if (i <= m || e - i < 8 || memcmp(b + i, "HTTP/1.", 7) != 0)
		return 0;
	const char *t = b + m;
	size_t tl = i - 1 - m, pl = tl;
	query_key(t, tl, h);
	const char *q = memchr(t, '?', tl);
	if (q)
		pl = (size_t)(q - t);
	for (size_t k = 0; k < sizeof path_apis / sizeof path_apis[0] && h->api < 0; k++)
		if (contains(t, pl, path_apis[k].needle))
			h->api = (int)k;
	/* header lines up to the blank line or the scan limit; a line cut by the limit is dropped */
	for (size_t p = e + 1; p < n;) {
		const char *lf = memchr(b + p, '\n', n - p);
		if (!lf)
			break;
		size_t le = (size_t)(lf - b);
		size_t ll = le > p && b[le - 1] == '\r' ? le - 1 - p : le - p;
		if (!ll)
			break;
		const char *colon = memchr(b + p, ':', ll);
		if (colon) {
			size_t c = (size_t)(colon - b);
			size_t vs = c + 1, ve = p + ll;
			while (vs < ve && (b[vs] == ' ' || b[vs] == '\t'))
				vs++;
			header(b + p, c - p, b + vs, ve - vs, h);
		}
		p = le + 1;
	}
	return 1;
}

/* The variable this request's credential is meant to come from: the provider of the host, the
 * header convention, the API family of the path, then the value's own provider class. */
static const char *host_var(const char *host, size_t hl)
{
	for (size_t i = 0; i < hl; i++)
		if (host[i] == ':') /* a port */
			hl = i;
	for (size_t k = 0; hl && k < sizeof host_vars / sizeof host_vars[0]; k++) {
		size_t l = strlen(host_vars[k].host);
		if (hl >= l && ieq(host + hl - l, l, host_vars[k].host) &&
		    (hl == l || host[hl - l - 1] == '.'))
			return host_vars[k].var;
	}
	return NULL;
}

/* peer_host: the name the socket's address was resolved from (getaddrinfo labels, resolve.c), for
 * a request whose Host header names no provider (a proxy, an address). */
static const char *wanted_var(const struct head *h, const char *peer_host, size_t phl, const char *provider)
{
	const char *v = host_var(h->host, h->hlen);
	if (!v)
		v = host_var(peer_host, phl);
	if (v)
		return v;
	if (hdr_var[h->kind])
		return hdr_var[h->kind];
	if (h->api >= 0)
		return path_apis[h->api].var;
	return provider ? ct_var_of_provider(provider) : NULL;
}

/* ---- connections ----------------------------------------------------------------------------- */

#define NCONN     128
#define MATCH_MAX 64
struct conn {
	uintptr_t id;
	uint64_t ino;
	uint64_t hash;      /* keyed FNV of the latest credential, in memory only: notices a change */
	unsigned long last; /* use clock: the least recently used entry is reused when full */
	struct ct_facts f;  /* the latest credential */
	const char *want;   /* the variable it is meant to come from, NULL when unknown */
	int fd;             /* the socket, -1 when not known */
	int api;
	pid_t rec_pid; /* the process that wrote the current credential's record */
	unsigned serial;
	unsigned reqs, awaiting, n2xx, n401, n403, nother, rejected;
	unsigned char tls, live, kind, has_cred;
	unsigned char host_len, peer_len;
	char host[64];
	char peer[64];
	char peer_host[CT_HOST_MAX];
	unsigned char peer_host_len;
};
static struct conn conns[NCONN];
CT_STATE static unsigned hwm, serials;
CT_STATE static unsigned long clock_;
CT_STATE static int lk;
CT_STATE static uint64_t hash_seed;

static void lock(void)
{
	ct_spin_lock(&lk); /* nothing blocks or calls the kernel while it is held */
}

static void unlock(void)
{
	ct_spin_unlock(&lk);
}

void ct_wire_fork_child(void)
{
	lk = 0;
	ct_tls_fork_child();
}

/* FNV-1a over the value, seeded per process from the nonce: to notice that a connection's
 * credential changed without keeping it. Never written anywhere. */
static uint64_t hash_of(const char *v, size_t n)
{
	uint64_t x = hash_seed;
	if (!x) {
		for (const char *p = ct_g_nonce; *p; p++)
			x = (x ^ (unsigned char)*p) * 0x100000001b3ull;
		x |= 1;
		hash_seed = x;
	}
	for (size_t i = 0; i < n; i++)
		x = (x ^ (unsigned char)v[i]) * 0x100000001b3ull;
	return x;
}

/* The entry of (tls, id); a fresh one (the least recently used when full) when add. Lock held. */
static struct conn *find(int tls, uintptr_t id, int add)
{
	struct conn *lru = NULL, *fre = NULL;
	for (unsigned i = 0; i < hwm; i++) {
		struct conn *c = &conns[i];
		if (!c->live) {
			fre = fre ? fre : c;
			continue;
		}
		if (c->id == id && c->tls == tls)
			return c;
		if (!lru || c->last < lru->last)
			lru = c;
	}
	if (!add)
		return NULL;
	if (!fre && hwm < NCONN)
		fre = &conns[hwm++];
	if (!fre)
		fre = lru;
	memset(fre, 0, sizeof *fre);
	fre->live = 1;
	fre->id = id;
	fre->tls = (unsigned char)tls;
	fre->serial = ++serials;
	fre->api = -1;
	return fre;
}

/* ---- records --------------------------------------------------------------------------------- */

/* Facts of the value of the environment variable name now (absent when unset). */
static void env_facts(const char *name, struct ct_facts *f)
{
	size_t l = strlen(name);
	char **e = environ;
	for (; e && *e; e++)
		if (!strncmp(*e, name, l) && (*e)[l] == '=') {
			ct_facts_of(name, l, *e + l + 1, e, f);
			return;
		}
	ct_facts_of(name, l, NULL, environ, f);
}

/* The name of the credential variable of the environment whose value has fingerprint fp, into
 * out; "" when none (or fingerprints are off). */
static void env_match(const char *fp, char out[MATCH_MAX])
{
	out[0] = 0;
	if (!fp[0])
		return;
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t nl = eq ? (size_t)(eq - *e) : 0;
		if (!nl || nl >= MATCH_MAX || !ct_cred_namen(*e, nl))
			continue;
		struct ct_facts g;
		ct_facts_of(*e, nl, eq + 1, environ, &g);
		if (g.state == CT_PRESENT && !strcmp(g.fp, fp)) {
			memcpy(out, *e, nl);
			out[nl] = 0;
			return;
		}
	}
}

/* What the environment holds when a request or answer is seen: the wanted variable's facts and the
 * name of the variable whose value was sent. */
struct envnow {
	struct ct_facts want;
	char match[MATCH_MAX];
};

static void env_now(const struct conn *c, struct envnow *e)
{
	e->match[0] = 0;
	if (c->has_cred)
		env_match(c->f.state == CT_PRESENT ? c->f.fp : "", e->match);
	if (c->want)
		env_facts(c->want, &e->want);
}

/* One `wire` (a request's credential) or `wire_status` (a 401/403) record from a copy of the
 * connection and what the environment held then; agg: its aggregate's id (aggregate.c), 0 when none. */
static void emit(const char *type, const struct conn *c, const struct envnow *e, int fd, int status, int agg)
{
	struct ct_rec r;
	ct_rec_begin(&r, type);
	ct_rec_int(&r, "conn", c->serial);
	ct_rec_bool(&r, "tls", c->tls);
	if (fd >= 0)
		ct_rec_int(&r, "fd", fd);
	if (c->ino)
		ct_rec_int(&r, "ino", (long long)c->ino);
	ct_rec_strn(&r, "peer", c->peer_len ? c->peer : NULL, c->peer_len);
	ct_rec_strn(&r, "host", c->host_len ? c->host : NULL, c->host_len);
	if (c->peer_host_len)
		ct_rec_strn(&r, "peer_host", c->peer_host, c->peer_host_len);
	ct_rec_str(&r, "api", c->api >= 0 ? path_apis[c->api].api : NULL);
	if (status)
		ct_rec_int(&r, "status", status);
	ct_rec_str(&r, "hdr", hdr_names[c->kind]);
	if (c->has_cred) {
		ct_rec_obj(&r, "cred");
		ct_rec_facts(&r, &c->f);
		ct_rec_end(&r);
		ct_rec_str(&r, "match", e->match[0] ? e->match : NULL);
	} else {
		ct_rec_null(&r, "cred");
		ct_rec_null(&r, "match");
	}
	ct_rec_str(&r, "var", c->want);
	if (c->want) {
		ct_rec_obj(&r, "var_env");
		ct_rec_facts(&r, &e->want);
		ct_rec_end(&r);
	}
	ct_rec_obj(&r, "n");
	ct_rec_int(&r, "req", c->reqs);
	ct_rec_int(&r, "2xx", c->n2xx);
	ct_rec_int(&r, "401", c->n401);
	ct_rec_int(&r, "403", c->n403);
	ct_rec_int(&r, "other", c->nother);
	ct_rec_end(&r);
	if (agg)
		ct_rec_int(&r, "agg", agg);
	ct_rec_emit(&r);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	return ct_agg_hash(h, s ? s : "", s ? strlen(s) + 1 : 0); /* NUL included: "a","b" != "ab","" */
}

static uint64_t hash_facts(uint64_t h, const struct ct_facts *f)
{
	h = ct_agg_hash(h, &f->state, sizeof f->state);
	h = ct_agg_hash(h, &f->len, sizeof f->len);
	h = ct_agg_hash(h, &f->flags, sizeof f->flags);
	h = hash_str(h, f->provider);
	h = hash_str(h, f->entropy);
	return hash_str(h, f->fp);
}

/* Is this request's `wire` record to be written (1, *agg its aggregate's id) or only counted (0)?
 * Only the first request of a connection new in this process is aggregated, so that a credential
 * changed on a live connection, a connection inherited across a fork, and one that has answered
 * already are written as before. The key is everything the record says but its connection's
 * numbers: the hook path, peer, Host, address label, API, header, the credential's facts (its
 * keyed hash: the same value), the variable wanted and what the environment holds now. A new key
 * (another key sent, a variable blanked by a reload) is written; the 401/403 answers are
 * `wire_status` records, never aggregated. */
static int wire_agg(const struct conn *c, const struct envnow *e, uintptr_t path, int *agg)
{
	*agg = 0;
	if (c->reqs != 1 || c->n2xx || c->n401 || c->n403 || c->nother)
		return 1;
	uint64_t k = ct_agg_hash(0, &path, sizeof path);
	k = ct_agg_hash(k, &c->tls, sizeof c->tls);
	k = ct_agg_hash(k, c->peer, c->peer_len);
	k = ct_agg_hash(k, &c->peer_len, sizeof c->peer_len);
	k = ct_agg_hash(k, c->host, c->host_len);
	k = ct_agg_hash(k, &c->host_len, sizeof c->host_len);
	k = ct_agg_hash(k, c->peer_host, c->peer_host_len);
	k = ct_agg_hash(k, &c->peer_host_len, sizeof c->peer_host_len);
	k = ct_agg_hash(k, &c->api, sizeof c->api);
	k = ct_agg_hash(k, &c->kind, sizeof c->kind);
	k = ct_agg_hash(k, &c->has_cred, sizeof c->has_cred);
	k = ct_agg_hash(k, &c->hash, sizeof c->hash);
	k = hash_facts(k, &c->f);
	k = hash_str(k, c->want);
	if (c->want)
		k = hash_facts(k, &e->want);
	k = hash_str(k, e->match);
	return ct_agg_event("wire", k, ct_now_us(), agg);
}

/* Host header bytes that may be written: a host name, an address, a port. */
static size_t host_copy(char *out, const char *h, size_t n)
{
	size_t i;
	if (n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];
		if (!((unsigned)(low(c) - 'a') < 26u || (unsigned)(c - '0') < 10u || c == '.' || c == '-' ||
		      c == ':' || c == '[' || c == ']'))
			return 0;
		out[i] = (char)c;
	}
	return n;
}

void ct_wire_request(int tls, uintptr_t id, int fd, const char *buf, size_t n)
{
	CT_KEEP_ERRNO;
	struct head h;
	if (ct_g_guard || !ct_g_on)
		return;
	ct_g_guard = 1;
	if (ct_self() == CT_SELF_VFORK || !parse_head(buf, n < CT_WIRE_SCAN ? n : CT_WIRE_SCAN, &h))
		goto done;
	char peer[64];
	uint64_t ino = 0;
	size_t pl = fd >= 0 ? ct_sock_peer(fd, peer, sizeof peer, &ino) : 0;
	char ph[CT_HOST_MAX];
	size_t phl = fd >= 0 ? ct_sock_peer_host(fd, ph, sizeof ph) : 0;
	uint64_t hash = h.kind != H_NONE ? hash_of(h.val, h.vlen) : 0;
	struct conn copy = {0};
	int rec = 0;
	lock();
	struct conn *c = find(tls, id, 1);
	if (ino && c->ino && c->ino != ino) { /* the fd or SSL address now names another connection */
		c->live = 0;
		c = find(tls, id, 1);
	}
	c->ino = ino ? ino : c->ino;
	c->fd = fd;
	c->last = ++clock_;
	c->reqs++;
	c->awaiting++;
	if (h.kind != H_NONE &&
	    (!c->has_cred || c->hash != hash || c->kind != h.kind || c->rec_pid != ct_g_pid)) {
		c->has_cred = 1;
		c->hash = hash;
		c->kind = (unsigned char)h.kind;
		c->rec_pid = ct_g_pid;
		c->api = h.api;
		c->peer_len = (unsigned char)pl;
		memcpy(c->peer, peer, pl);
		c->host_len = (unsigned char)host_copy(c->host, h.host, h.hlen);
		c->peer_host_len = (unsigned char)phl;
		memcpy(c->peer_host, ph, phl);
		rec = 1;
		copy = *c;
	}
	unlock();
	if (rec) {
		/* The facts (one HMAC and the shape checks) only when the credential changed. */
		struct ct_facts pre;
		ct_facts_ofn(NULL, 0, h.val, h.vlen, environ, &pre);
		copy.want = wanted_var(&h, copy.peer_host, copy.peer_host_len, pre.provider);
		ct_facts_ofn(copy.want, copy.want ? strlen(copy.want) : 0, h.val, h.vlen, environ, &copy.f);
		lock();
		c = find(tls, id, 0);
		if (c && c->serial == copy.serial)
			c->f = copy.f, c->want = copy.want;
		unlock();
		struct envnow e;
		int agg;
		env_now(&copy, &e);
		if (wire_agg(&copy, &e, (uintptr_t)__builtin_return_address(0), &agg))
			emit("wire", &copy, &e, fd, 0, agg);
	}
done:
	ct_g_guard = 0;
}

/* "HTTP/1.x SSS" -> SSS, 0 when malformed. */
static int status_of(const char *b, size_t n)
{
	if (n < 12 || b[8] != ' ')
		return 0;
	int s = 0;
	for (int i = 9; i < 12; i++) {
		if ((unsigned)(b[i] - '0') >= 10u)
			return 0;
		s = s * 10 + (b[i] - '0');
	}
	return s >= 100 && s < 600 ? s : 0;
}

/* Rejections are recorded while few, then at powers of two: a retry loop stays small. */
static int worth(unsigned k)
{
	return k <= 3 || !(k & (k - 1));
}

void ct_wire_response(int tls, uintptr_t id, const char *buf, size_t n)
{
	CT_KEEP_ERRNO;
	int st = status_of(buf, n), rec = 0;
	struct conn copy = {0};
	if (ct_g_guard || !ct_g_on || !st)
		return;
	ct_g_guard = 1;
	if (ct_self() == CT_SELF_VFORK)
		goto done;
	lock();
	struct conn *c = find(tls, id, 0);
	if (c && c->awaiting && st >= 200) { /* 1xx are interim: the final answer follows */
		c->awaiting--;
		c->last = ++clock_;
		if (st < 300)
			c->n2xx++;
		else if (st == 401)
			c->n401++;
		else if (st == 403)
			c->n403++;
		else
			c->nother++;
		if ((st == 401 || st == 403) && worth(++c->rejected)) {
			rec = 1;
			copy = *c;
		}
	}
	unlock();
	if (rec) {
		struct envnow e;
		env_now(&copy, &e);
		emit("wire_status", &copy, &e, copy.fd, st, 0);
	}
done:
	ct_g_guard = 0;
}

/* ---- plaintext sockets ----------------------------------------------------------------------- */

void ct_wire_fd_out(int fd, const void *buf, size_t n)
{
	const char *b = buf;
	size_t m = b ? ct_wire_method(b, n) : 0;
	if (!(__atomic_load_n(&ct_g_fdflag[fd], __ATOMIC_RELAXED) & CT_FD_HTTPOK))
		ct_sock_http_mark(fd, m != 0); /* the first write decides, once per connection */
	if (m)
		ct_wire_request(0, (uintptr_t)fd, fd, b, n);
}

void ct_wire_fd_in(int fd, const void *buf, size_t n)
{
	if (buf && ct_wire_is_status(buf, n))
		ct_wire_response(0, (uintptr_t)fd, buf, n);
}
