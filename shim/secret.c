/* SPDX-License-Identifier: MIT */
/* secret.c: which variable names are credentials, and facts about a value that reveal nothing of it.
 * Pure functions on the caller's stack plus two small static tables set at init (CREDTRACE_VARS, the
 * fingerprint key): safe in getenv hooks, vfork children and before the constructor. Of libc only
 * the string functions (strlen, strchrnul, memcmp...), which neither lock nor allocate. The data
 * lives in secret_table.h; docs/secrets.md describes the rules. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strchrnul */
#endif
#include <string.h>

#include "ct.h"
#include "secret_table.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static unsigned char up(unsigned char c)
{
	return (unsigned)(c - 'a') < 26u ? (unsigned char)(c - 32) : c;
}
static int is_alpha(unsigned char c)
{
	return (unsigned)(up(c) - 'A') < 26u;
}
static int is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10u;
}

/* s[j..j+k) equals the upper-case pattern p, case-insensitively, within the bound n. Stops at the
 * first difference, so it never reads past a NUL of s (p has none). */
static int eqf(const char *s, size_t n, size_t j, const char *p, size_t k)
{
	size_t i;
	if (k > n - j && n != (size_t)-1)
		return 0;
	for (i = 0; i < k; i++)
		if (up((unsigned char)s[j + i]) != (unsigned char)p[i])
			return 0;
	return 1;
}

/* ---- CREDTRACE_VARS ---- */
#define CFG_MAX   32
#define CFG_BYTES 1024
CT_STATE static char cfg_buf[CFG_BYTES];
static struct {
	unsigned short off, len;
} cfg_pat[CFG_MAX] CT_STATE;
CT_STATE static int cfg_n;
/* Names shorter than this match nothing: the hot path rejects HOME or TZ by looking at 6 bytes. */
unsigned ct_g_cred_name_min = NAME_MIN_BUILTIN;

/* Set from the constructor (one thread); readers see either no configured patterns or all of them:
 * the count is published last. Excess patterns beyond CFG_MAX or CFG_BYTES are ignored. */
void ct_cred_configure(const char *vars)
{
	size_t used = 0, min = NAME_MIN_BUILTIN;
	int n = 0;

	__atomic_store_n(&cfg_n, 0, __ATOMIC_RELEASE);
	if (!vars)
		vars = "";
	while (*vars && n < CFG_MAX) {
		const char *b = vars, *e;
		size_t len, lit = 0, i;
		while (*b == ',' || *b == ':' || *b == ' ')
			b++;
		for (e = b; *e && *e != ',' && *e != ':'; e++)
			;
		vars = e;
		while (e > b && e[-1] == ' ')
			e--;
		len = (size_t)(e - b);
		if (!len)
			continue;
		if (len > CFG_BYTES - used)
			break;
		for (i = 0; i < len; i++) {
			cfg_buf[used + i] = (char)up((unsigned char)b[i]);
			lit += b[i] != '*';
		}
		cfg_pat[n].off = (unsigned short)used;
		cfg_pat[n].len = (unsigned short)len;
		used += len;
		n++;
		if (lit < min)
			min = lit;
	}
	__atomic_store_n(&ct_g_cred_name_min, (unsigned)min, __ATOMIC_RELAXED);
	__atomic_store_n(&cfg_n, n, __ATOMIC_RELEASE);
}

/* Glob match, case-insensitive (p is upper case): '*' any run, '?' one byte. The usual linear
 * backtracking to the last star. */
static int glob(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
	while (si < sn) {
		if (pi < pn && (p[pi] == '?' || (unsigned char)p[pi] == up((unsigned char)s[si]))) {
			pi++, si++;
		} else if (pi < pn && p[pi] == '*') {
			star = pi++, mark = si;
		} else if (star != (size_t)-1) {
			pi = star + 1, si = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* ---- names ---- */

static inline int filter_has(const unsigned long long f[4], unsigned h)
{
	return f[h >> 6] >> (h & 63) & 1;
}

/* Could a rule start at the underscore s[i]? The three-letter filter of secret_table.h. Every
 * `after` has three or more characters; s[i + 2] is read only when s[i + 1] is a letter and
 * s[i + 3] only when s[i + 2] is not the NUL. */
static inline int rule_may_start(const unsigned char *s, size_t n, size_t i)
{
	unsigned c1, c2;
	if (i + 3 >= n)
		return 0;
	c1 = s[i + 1];
	if ((c1 & 0xDFu) - 'A' >= 26u)
		return 0;
	c2 = s[i + 2];
	if (!c2)
		return 0;
	return filter_has(rule_filter, NAME_HASH(RULE_KEY(c1, c2, s[i + 3])));
}

/* Could s[0..n) be an exact name? */
static inline int exact_may_be(const unsigned char *s, size_t n)
{
	return n >= 2 && filter_has(exact_filter, NAME_HASH(EXACT_KEY(n, s[0], s[1], s[n - 1])));
}

/* Does a rule match at the underscore s[i]? 1: a suffix rule, 2: an anywhere rule, 0: none. n may
 * be (size_t)-1 for a NUL-terminated s: every read is then at or before the terminating NUL. */
static __attribute__((noinline)) int rules_at(const char *s, size_t n, size_t i)
{
	size_t r;

	for (r = 0; r < N(name_rules); r++) {
		const struct name_rule *nr = &name_rules[r];
		size_t end = i + 1 + nr->alen;
		if (i < nr->blen || !eqf(s, n, i + 1, nr->after, nr->alen) ||
		    !eqf(s, n, i - nr->blen, nr->before, nr->blen))
			continue;
		if (!nr->to_end)
			return 2;
		if (end >= n || !s[end])
			return 1;
	}
	return 0;
}

static __attribute__((noinline)) int exact_or_configured(const char *s, size_t n, int maybe_exact)
{
	size_t k;
	int m;

	if (maybe_exact)
		for (k = 0; k < N(name_exact); k++)
			if (name_exact[k].len == n && eqf(s, n, 0, name_exact[k].name, n))
				return 1;
	m = __atomic_load_n(&cfg_n, __ATOMIC_ACQUIRE);
	for (k = 0; k < (size_t)m; k++)
		if (glob(cfg_buf + cfg_pat[k].off, cfg_pat[k].len, s, n))
			return 1;
	return 0;
}

static __attribute__((noinline)) int not_value(const char *s, size_t n)
{
	size_t k;
	for (k = 0; k < N(name_not_value); k++) {
		size_t l = strlen(name_not_value[k]);
		if (n >= l && eqf(s, n, n - l, name_not_value[k], l))
			return 1;
	}
	return 0;
}

/* What follows the underscores found: exact names, configured globs, and the FILE/PATH/DIR rule. */
static inline int name_end(const char *s, size_t n, int hit)
{
	int maybe_exact = exact_may_be((const unsigned char *)s, n);
	if ((maybe_exact || __atomic_load_n(&cfg_n, __ATOMIC_RELAXED)) &&
	    exact_or_configured(s, n, maybe_exact))
		return 1;
	return hit && !not_value(s, n);
}

/* NUL-terminated names: strchrnul (vectorised in glibc, lock-free) jumps from underscore to
 * underscore; most names have none or one or two. */
static __attribute__((noinline)) int name_scan(const char *s)
{
	const char *u = s;
	int hit = 0;

	while (*(u = strchrnul(u, '_'))) {
		if (rule_may_start((const unsigned char *)s, (size_t)-1, (size_t)(u - s)))
			hit |= rules_at(s, (size_t)-1, (size_t)(u - s));
		if (hit & 1)
			return 1;
		u++;
	}
	return name_end(s, (size_t)(u - s), hit);
}

/* The hot path: getenv("HOME") costs the six byte tests below. Reading s[k] only after s[0..k-1]
 * were non-NUL never touches memory past the string. */
int ct_cred_name(const char *s)
{
	if (CT_UNLIKELY(!s))
		return 0;
	if (CT_LIKELY(__atomic_load_n(&ct_g_cred_name_min, __ATOMIC_RELAXED) == NAME_MIN_BUILTIN)) {
		if (!s[0] || !s[1] || !s[2] || !s[3] || !s[4] || !s[5])
			return 0;
	}
	return name_scan(s);
}

/* Bounded names (a "NAME=value" entry, n up to the '='); a NUL before n ends the name too. */
int ct_cred_namen(const char *s, size_t n)
{
	size_t i;
	int hit = 0;

	if (!s || n < __atomic_load_n(&ct_g_cred_name_min, __ATOMIC_RELAXED))
		return 0;
	for (i = 0; i < n && s[i]; i++) {
		if (s[i] != '_' || !rule_may_start((const unsigned char *)s, n, i))
			continue;
		hit |= rules_at(s, n, i);
		if (hit & 1)
			return 1;
	}
	return name_end(s, i, hit);
}

/* ---- values ---- */

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
static int is_ident(unsigned char c, int first)
{
	return is_alpha(c) || c == '_' || (!first && is_digit(c));
}

/* The longest prefix rule matching s[0..n); NULL when none. */
static const struct prefix_rule *prefix_of(const char *s, size_t n)
{
	const struct prefix_rule *best = NULL;
	size_t k;
	for (k = 0; k < N(prefix_rules); k++) {
		const struct prefix_rule *p = &prefix_rules[k];
		if (p->plen <= n && (!best || p->plen > best->plen) && !memcmp(s, p->prefix, p->plen))
			best = p;
	}
	return best;
}

/* The provider class of s[0..n), or NULL: an ambiguous prefix holds only within its length band. */
static const struct prefix_rule *classify(const char *s, size_t n)
{
	const struct prefix_rule *p = prefix_of(s, n);
	if (p && p->by_len && (n < p->min || n > p->max))
		return NULL;
	return p;
}

static unsigned prov_min(unsigned prov)
{
	unsigned m = 0;
	size_t k;
	for (k = 0; k < N(prefix_rules); k++)
		if (prefix_rules[k].prov == prov && (!m || prefix_rules[k].min < m))
			m = prefix_rules[k].min;
	return m;
}

/* Looks name up in envp (no libc getenv: this runs before init and in vfork children). */
static const char *env_get(char *const *envp, const char *name)
{
	size_t l = strlen(name);
	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, l) && (*envp)[l] == '=')
			return *envp + l + 1;
	return NULL;
}

/* Case-insensitive search of w[0..l) in s[0..n). */
static int contains_n(const char *s, size_t n, const char *w, size_t l)
{
	size_t i, j;
	if (!l)
		return 1;
	for (i = 0; i + l <= n; i++) {
		for (j = 0; j < l && up((unsigned char)s[i + j]) == up((unsigned char)w[j]); j++)
			;
		if (j == l)
			return 1;
	}
	return 0;
}
static int contains_fold(const char *s, size_t n, const char *w)
{
	return contains_n(s, n, w, strlen(w));
}

/* The variable's expected provider (P_NONE: none) and the value classes that fit it. */
static unsigned expected(const char *name, size_t nl, char *const *envp, unsigned *accept)
{
	size_t k, b, r;
	*accept = ~0u;
	for (k = 0; k < N(var_rules); k++) {
		const struct var_rule *v = &var_rules[k];
		if (strlen(v->name) != nl || !eqf(name, nl, 0, v->name, nl))
			continue;
		*accept = v->accept;
		for (b = 0; v->routed && b < N(base_vars); b++) {
			const char *url = env_get(envp, base_vars[b]);
			if (!url || !*url)
				continue;
			/* the last row matches any URL */
			for (r = 0; r + 1 < N(base_routes) &&
			            !contains_fold(url, strlen(url), base_routes[r].needle);
			     r++)
				;
			*accept = base_routes[r].prov ? PB(base_routes[r].prov) : ~0u;
			return base_routes[r].prov;
		}
		return v->prov;
	}
	return P_NONE;
}

/* Search of w[0..l) in s[0..n), both already folded (normalised). */
static int contains_exact(const char *s, size_t n, const char *w, size_t l)
{
	size_t i;
	for (i = 0; i + l <= n; i++)
		if (s[i] == w[0] && !memcmp(s + i, w, l))
			return 1;
	return !l;
}

/* Normalised form for placeholder checks: lower case, without '_', '-', '.', ' '. */
#define NORM_MAX 128
static size_t normalise(const char *s, size_t n, char *out)
{
	size_t i, o = 0;
	for (i = 0; i < n && o < NORM_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '_' || c == '-' || c == '.' || c == ' ')
			continue;
		out[o++] = (char)(is_alpha(c) ? c | 0x20 : c);
	}
	return o;
}

static int word_eq(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

static int placeholder(const char *s, size_t n, const char *name, size_t nl)
{
	char v[NORM_MAX], nm[NORM_MAX];
	const struct prefix_rule *p = prefix_of(s, n);
	size_t vn, nn, k, i;

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return 1;
	/* the placeholder body after a provider prefix: "sk-xxxx", "sk-your-key-here" */
	if (p && p->plen < n)
		s += p->plen, n -= p->plen;
	for (i = 1; i < n && s[i] == s[0]; i++)
		;
	if (i == n && n >= 2)
		return 1; /* one repeated character: "xxxxxxxx", "********" */
	vn = normalise(s, n, v);
	for (k = 0; k < N(placeholder_whole); k++)
		if (word_eq(v, vn, placeholder_whole[k]))
			return 1;
	for (k = 0; k < N(placeholder_inside); k++)
		if (contains_exact(v, vn, placeholder_inside[k], strlen(placeholder_inside[k])))
			return 1;
	/* the variable's own name or a near miss: "OPENAI_API_KEY", "your-openai-api-key-here" */
	nn = normalise(name, nl, nm);
	return nn >= 6 && contains_exact(v, vn, nm, nn);
}

/* The first occurrence of w[0..l) in s[from..n), or n. */
static size_t find(const char *s, size_t n, size_t from, const char *w, size_t l)
{
	size_t i;
	for (i = from; i + l <= n; i++)
		if (!memcmp(s + i, w, l))
			return i;
	return n;
}

/* ${X} $(X) {{ X }} anywhere (covers ${{ secrets.X }}); $X %X% @X@ as the whole value, since a
 * password may well contain a '$' or a '%'. Linear: a closer anywhere after the first opener. */
static int unexpanded(const char *s, size_t n)
{
	static const struct {
		const char *open, *close;
	} pairs[] = {{"${", "}"}, {"$(", ")"}, {"{{", "}}"}};
	size_t i, o;

	for (i = 0; i < N(pairs); i++) {
		o = find(s, n, 0, pairs[i].open, 2);
		if (o < n && find(s, n, o + 2, pairs[i].close, strlen(pairs[i].close)) < n)
			return 1;
	}
	if (n >= 2 && (s[0] == '$' || s[0] == '%' || s[0] == '@')) {
		size_t e = s[0] == '$' ? n : n - 1;
		if (s[0] != '$' && s[n - 1] != s[0])
			return 0;
		for (i = 1; i < e && is_ident((unsigned char)s[i], i == 1); i++)
			;
		return i == e && e > 1;
	}
	return 0;
}

/* log2(x) for x >= 1 without libm: exponent from the loop, mantissa by the atanh series. */
static double lg2(double x)
{
	double e = 0, y, y2, t, sum = 0;
	int k;
	while (x >= 2)
		x /= 2, e += 1;
	y = (x - 1) / (x + 1);
	y2 = y * y;
	t = y;
	for (k = 1; k < 16; k += 2) /* y <= 1/3: 8 terms give 1e-8 */
		sum += t / k, t *= y2;
	return e + 2 * sum * 1.4426950408889634; /* ln -> log2 */
}

/* Shannon entropy over the byte histogram: h bits per byte, h*n bits in all.
 * low: h < 2 or fewer than 32 bits (words, "changeme", repeated runs); high: h >= 3.5 and at least
 * 64 bits (random keys: base62 > 4.5, hex ~3.8, AWS ids ~3.9); medium otherwise (passwords). */
static const char *entropy_band(const unsigned char *s, size_t n)
{
	uint32_t cnt[256];
	double sum = 0, h, bits;
	size_t i;

	memset(cnt, 0, sizeof cnt);
	for (i = 0; i < n; i++)
		cnt[s[i]]++;
	for (i = 0; i < 256; i++)
		if (cnt[i] > 1)
			sum += cnt[i] * lg2(cnt[i]);
	bits = n * lg2((double)n) - sum;
	h = bits / n;
	if (h < 2 || bits < 32)
		return "low";
	if (h >= 3.5 && bits >= 64)
		return "high";
	return "medium";
}

/* ---- fingerprints ---- */
#define KEY_MAX 256
CT_STATE static struct ct_hmac_pre fp_pre; /* the key as HMAC states; the key itself is not kept */
CT_STATE static size_t fp_keylen;

/* Called at init (and again never concurrently with itself); a key longer than KEY_MAX bytes is cut. */
void ct_fp_key(const unsigned char *key, size_t n)
{
	__atomic_store_n(&fp_keylen, 0, __ATOMIC_RELEASE);
	if (!key || !n)
		return;
	if (n > KEY_MAX)
		n = KEY_MAX;
	ct_hmac_prepare(key, n, &fp_pre);
	__atomic_store_n(&fp_keylen, n, __ATOMIC_RELEASE);
}

static void fingerprint(const char *v, size_t n, char out[13])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[32];
	size_t kl = __atomic_load_n(&fp_keylen, __ATOMIC_ACQUIRE), i;

	out[0] = 0;
	if (!kl)
		return;
	ct_hmac_sha256_pre(&fp_pre, (const unsigned char *)v, n, mac);
	for (i = 0; i < 6; i++)
		out[2 * i] = hex[mac[i] >> 4], out[2 * i + 1] = hex[mac[i] & 15];
	out[12] = 0;
}

/* ---- facts ---- */

void ct_facts_of(const char *name, size_t nl, const char *value, char *const *envp, struct ct_facts *f)
{
	ct_facts_ofn(name, nl, value, value ? strlen(value) : 0, envp, f);
}

void ct_facts_ofn(const char *name, size_t nl, const char *value, size_t n, char *const *envp,
                  struct ct_facts *f)
{
	const struct prefix_rule *pr;
	size_t b, e, i;
	unsigned eprov, vprov, accept, min;

	f->state = CT_ABSENT;
	f->len = 0;
	f->flags = 0;
	f->provider = NULL;
	f->entropy = NULL;
	f->fp[0] = 0;
	if (!value)
		return;
	if (!name)
		nl = 0;
	f->len = n;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c == '\r' || c == '\n')
			f->flags |= CT_F_NEWLINE;
		else if ((c < 0x20 && c != '\t') || c >= 0x7f)
			f->flags |= CT_F_NONPRINTABLE;
	}
	/* whitespace: at either edge, or right before a trailing CR/LF ("key \n") */
	for (e = n; e > 0 && (value[e - 1] == '\r' || value[e - 1] == '\n'); e--)
		;
	if (n &&
	    (value[0] == ' ' || value[0] == '\t' || (e && (value[e - 1] == ' ' || value[e - 1] == '\t'))))
		f->flags |= CT_F_WHITESPACE;
	for (b = 0; b < n && is_ws((unsigned char)value[b]); b++)
		;
	for (e = n; e > b && is_ws((unsigned char)value[e - 1]); e--)
		;
	if (b == e) {
		f->state = CT_EMPTY;
		return;
	}
	f->state = CT_PRESENT;
	if (e - b >= 2 && value[b] == value[e - 1] &&
	    (value[b] == '"' || value[b] == '\'' || value[b] == '`')) {
		f->flags |= CT_F_QUOTED;
		b++, e--;
	}
	/* the rest looks at the core: no surrounding whitespace or quotes */
	if (unexpanded(value + b, e - b))
		f->flags |= CT_F_UNEXPANDED;
	if (placeholder(value + b, e - b, name, nl))
		f->flags |= CT_F_PLACEHOLDER;
	pr = classify(value + b, e - b);
	vprov = pr ? pr->prov : P_NONE;
	eprov = expected(name, nl, envp, &accept);
	if (vprov && eprov != P_NONE && !(accept & PB(vprov)))
		f->flags |= CT_F_FOREIGN_PREFIX;
	min = pr ? pr->min : prov_min(eprov);
	if (e - b < min)
		f->flags |= CT_F_SHORT;
	f->provider = vprov ? prov_name[vprov] : NULL;
	f->entropy = entropy_band((const unsigned char *)value + b, e - b);
	fingerprint(value, n, f->fp);
}

const char *ct_var_of_provider(const char *provider)
{
	for (size_t k = 0; provider && k < N(var_rules); k++)
		if (prov_name[var_rules[k].prov] && !strcmp(prov_name[var_rules[k].prov], provider))
			return var_rules[k].name;
	return NULL;
}

/* Used to redact argv: a known prefix, a plausible length, key characters only and a digit after
 * the prefix (identifiers such as "hf_transfer" or "sk-learn" have none or are too short). */
int ct_looks_like_key(const char *s)
{
	const struct prefix_rule *p;
	size_t n, i, need;
	int digit = 0;

	if (!s)
		return 0;
	for (n = 0; n < 4096 && s[n]; n++)
		;
	p = prefix_of(s, n);
	if (!p)
		return 0;
	need = p->plen + 12u > p->min / 2u ? p->plen + 12u : p->min / 2u;
	if (n < need || s[n])
		return 0;
	for (i = p->plen; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_digit(c))
			digit = 1;
		else if (!is_alpha(c) && c != '-' && c != '_')
			return 0;
	}
	return digit;
}

#define NAME_STR(id, str) str,
const char *ct_flag_name(unsigned bit)
{
	static const char *const names[CT_F_COUNT] = {CT_FLAGS(NAME_STR)};
	return bit < CT_F_COUNT ? names[bit] : NULL;
}

const char *ct_state_name(enum ct_state s)
{
	static const char *const names[] = {CT_STATES(NAME_STR)};
	return (unsigned)s < N(names) ? names[s] : names[CT_ABSENT];
}
#undef NAME_STR

/* The provider a variable's value is expected to come from ("" when none), without base URL
 * routing: what ct_facts_of compares a value's class with. For tests/unit/shim_tool_agree.c. */
const char *ct_cred_provider(const char *name)
{
	unsigned accept;
	return name ? prov_name[expected(name, strlen(name), NULL, &accept)] : "";
}

/* NAME_MIN_BUILTIN agrees with the tables: 1 when it does. */
int ct_secret_selfcheck(void)
{
	unsigned min = ~0u;
	size_t k;
	int ok = 1;

	for (k = 0; k < N(name_rules); k++) {
		ok &= name_rules[k].alen >= 3;
		if (1u + name_rules[k].blen + name_rules[k].alen < min)
			min = 1u + name_rules[k].blen + name_rules[k].alen;
	}
	for (k = 0; k < N(name_exact); k++)
		if (name_exact[k].len < min)
			min = name_exact[k].len;
	return ok && min == NAME_MIN_BUILTIN;
}
