/* SPDX-License-Identifier: MIT */
/* secret_table.h: the data behind secret.c (credential names, providers, placeholders); include once.
 * Sources: the gitleaks, trufflehog and dotenv-linter rule sets and reported 401 causes; the rules
 * are described in docs/secrets.md.
 * Extend these tables, not the code. Upper-case patterns are matched case-insensitively. */
#ifndef CT_SECRET_TABLE_H
#define CT_SECRET_TABLE_H

#include "cred_table.h"

/* ---- names ---- */

/* CT_NAME_RULES (cred_table.h) as a table, and the hot path's filter below made from the same list. */
#define NAME_RULES CT_NAME_RULES
struct name_rule {
	char before[8], after[12]; /* inline, not pointers: one load less per rule */
	unsigned char blen, alen, to_end;
};
#define NR_ROW(b, a, e) {b, a, sizeof b - 1, sizeof a - 1, e},
static const struct name_rule name_rules[] = {NAME_RULES(NR_ROW)};
#undef NR_ROW

/* A 256-bit filter on the first three letters after an underscore (upper case): an underscore
 * whose bit is clear starts no rule, so "LC_ALL" or "XDG_RUNTIME_DIR" are rejected without looking
 * at the table. Multiplicative hashing; the multiplier was picked among random odd ones as the one
 * that lets none of 235 common variable names (PYTHON*, LC_*, XDG_*, NODE_*, PG*, LD_*...)
 * through this filter or the next. The words are built from NAME_RULES. */
#define NAME_HASH(x) ((((unsigned)(x)) * 0xA1B9D3DBu) >> 24)
/* Keys fold case by clearing bit 5 of every byte, letters or not: a byte that folds onto another
 * can only cause a false alarm of the filter, never a miss. */
#define RULE_KEY(c1, c2, c3) (((unsigned)(c1) | (unsigned)(c2) << 8 | (unsigned)(c3) << 16) & 0xDFDFDFu)
#define HASH_BIT(h, w)       ((h) >> 6 == (w) ? 1ull << ((h)&63) : 0ull)
#define NR_BIT(b, a, e)      | HASH_BIT(NAME_HASH(RULE_KEY((a)[0], (a)[1], (a)[2])), NR_WORD)
static const unsigned long long rule_filter[4] = {
#define NR_WORD 0
    0ull NAME_RULES(NR_BIT),
#undef NR_WORD
#define NR_WORD 1
    0ull NAME_RULES(NR_BIT),
#undef NR_WORD
#define NR_WORD 2
    0ull NAME_RULES(NR_BIT),
#undef NR_WORD
#define NR_WORD 3
    0ull NAME_RULES(NR_BIT),
#undef NR_WORD
};

/* The shortest name any rule or exact name can match ("X_TOKEN" needs 6: "_TOKEN"). Checked against
 * the tables by ct_secret_selfcheck(). */
#define NAME_MIN_BUILTIN 6

#define NAME_EXACT CT_NAME_EXACT /* cred_table.h */
struct name_exact {
	const char *name;
	unsigned char len;
};
#define NE_ROW(s) {s, sizeof s - 1},
static const struct name_exact name_exact[] = {NAME_EXACT(NE_ROW)};
#undef NE_ROW
/* The same kind of filter on the length, the first two and the last letter of a whole name. */
#define EXACT_KEY(n, c0, c1, cl)                                                                             \
	(((unsigned)(n)&0xFFu) |                                                                             \
	 (((unsigned)(c0) << 8 | (unsigned)(c1) << 16 | (unsigned)(cl) << 24) & 0xDFDFDF00u))
#define NE_BIT(s) | HASH_BIT(NAME_HASH(EXACT_KEY(sizeof s - 1, (s)[0], (s)[1], (s)[sizeof s - 2])), NE_WORD)
static const unsigned long long exact_filter[4] = {
#define NE_WORD 0
    0ull NAME_EXACT(NE_BIT),
#undef NE_WORD
#define NE_WORD 1
    0ull NAME_EXACT(NE_BIT),
#undef NE_WORD
#define NE_WORD 2
    0ull NAME_EXACT(NE_BIT),
#undef NE_WORD
#define NE_WORD 3
    0ull NAME_EXACT(NE_BIT),
#undef NE_WORD
};

/* A name that matches only an anywhere-rule (`_SECRET`, `ACCESS_KEY`...) but ends like this names
 * where a secret is kept, not the secret (`POSTGRES_SECRET_FILE`, `AWS_SHARED_CREDENTIALS_FILE`). */
static const char *const name_not_value[] = {"_FILE", "_PATH", "_DIR"};

/* ---- providers ---- */
#define PROV_ENUM(id, str) P_##id,
#define PROV_NAME(id, str) str,
enum prov { CT_PROVIDERS(PROV_ENUM) P_COUNT };
static const char *const prov_name[P_COUNT] = {CT_PROVIDERS(PROV_NAME)}; /* P_NONE: "" */
#undef PROV_ENUM
#undef PROV_NAME
#define PB(p) (1u << (p))

/* Prefix, provider and the known length band. The longest matching prefix wins; by_len: the prefix
 * alone is ambiguous (`sk-` is also DeepSeek's, OpenRouter's...), the class holds only when the
 * length is in the band. `min` is what `short` compares with. */
struct prefix_rule {
	const char *prefix;
	unsigned char plen, prov, by_len;
	unsigned short min, max;
};
#define PR(s, p, lo, hi, bl)                                                                                 \
	{                                                                                                    \
		s, sizeof s - 1, p, bl, lo, hi                                                               \
	}
static const struct prefix_rule prefix_rules[] = {
    PR("sk-proj-", P_OPENAI, 56, 220, 0),
    PR("sk-svcacct-", P_OPENAI, 56, 220, 0),
    PR("sk-admin-", P_OPENAI, 56, 220, 0),
    PR("sk-", P_OPENAI, 51, 51, 1),
    PR("sk-ant-api03-", P_ANTHROPIC, 108, 130, 0),
    PR("sk-ant-admin01-", P_ANTHROPIC, 108, 130, 0),
    PR("sk-ant-", P_ANTHROPIC, 40, 130, 0),
    PR("sk-or-v1-", P_OPENROUTER, 73, 73, 0),
    PR("AIza", P_GOOGLE, 39, 39, 0),
    PR("AKIA", P_AWS, 20, 20, 0),
    PR("ASIA", P_AWS, 20, 20, 0),
    PR("ghp_", P_GITHUB, 40, 40, 0),
    PR("gho_", P_GITHUB, 40, 40, 0),
    PR("ghu_", P_GITHUB, 40, 40, 0),
    PR("ghs_", P_GITHUB, 40, 40, 0),
    PR("ghr_", P_GITHUB, 40, 40, 0),
    PR("github_pat_", P_GITHUB, 93, 93, 0),
    PR("hf_", P_HF, 37, 37, 0),
    PR("api_org_", P_HF, 37, 42, 0),
    PR("gsk_", P_GROQ, 56, 56, 0),
    PR("xai-", P_XAI, 84, 84, 0),
    PR("pplx-", P_PPLX, 53, 53, 0),
    PR("r8_", P_REPLICATE, 40, 40, 0),
    PR("lsv2_pt_", P_LANGSMITH, 51, 51, 0),
    PR("lsv2_sk_", P_LANGSMITH, 51, 51, 0),
};
#undef PR

/* Providers whose keys are sent to OpenAI-compatible endpoints through OPENAI_API_KEY with a base
 * URL set in code: not a foreign prefix there unless a base URL in the environment says otherwise. */
#define OPENAI_COMPAT (PB(P_OPENAI) | PB(P_OPENROUTER) | PB(P_GROQ) | PB(P_XAI) | PB(P_PPLX))

/* Which provider a variable expects, which value classes fit it, and (routed) whether its base URL
 * variables in the environment can change that (see base_routes). */
struct var_rule {
	const char *name;
	unsigned char prov, routed;
	unsigned accept;
};
/* Every CT_CREDS row with a provider: the routed ones accept any OpenAI-compatible key. */
#define VAR_ROW(n, prov, role, of, feat, routed, src)                                                        \
	{n, P_##prov, routed, (routed) ? OPENAI_COMPAT : PB(P_##prov)},
static const struct var_rule var_rules[] = {CT_CREDS(VAR_ROW)};
#undef VAR_ROW

/* For a routed variable: the base URL variables looked up in envp, in order. */
static const char *const base_vars[] = {"OPENAI_BASE_URL", "OPENAI_API_BASE"};
/* A non-empty base URL containing `needle` (case-insensitive) expects that provider's keys only;
 * P_NONE: no expectation (Azure, a local vLLM or Ollama server). The first row that matches wins;
 * the last row matches any other base URL. */
static const struct {
	const char *needle;
	unsigned char prov;
} base_routes[] = {
    {"openrouter", P_OPENROUTER}, {"api.groq.com", P_GROQ},     {"api.x.ai", P_XAI},
    {"perplexity", P_PPLX},       {"api.openai.com", P_OPENAI}, {"", P_NONE},
};

/* ---- placeholders ---- */
/* Compared with the value folded to lower case with `_`, `-`, `.` and space dropped, after the
 * surrounding whitespace, quotes and a known provider prefix are removed. whole: the whole value;
 * inside: anywhere (distinctive words only: a random key could contain "test"). */
static const char *const placeholder_whole[] = {
    "changeme", "replaceme", "placeholder", "example", "sample",    "dummy",  "test",  "todo",
    "xxx",      "none",      "null",        "nil",     "undefined", "true",   "false", "empty",
    "fixme",    "tbd",       "redacted",    "secret",  "password",  "apikey", "token", "key",
};
static const char *const placeholder_inside[] = {
    "changeme",  "yourapikey",  "yourkey",   "keyhere",    "addyourkey",
    "replaceme", "placeholder", "yourtoken", "yoursecret", "insertyour",
};

#endif
