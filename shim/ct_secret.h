/* SPDX-License-Identifier: MIT */
/* ct_secret.h: the secret side. Which names are credentials, facts about a value that reveal nothing
 * of it (secret.c, sha256.c), those facts and command lines written into a record (value_facts.c,
 * argv.c). Below it only the record builder; docs/secrets.md describes the rules. */
#ifndef CT_SECRET_H
#define CT_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "ct_base.h"
#include "ct_record.h"

enum ct_state { CT_ABSENT = 0, CT_EMPTY = 1, CT_PRESENT = 2 };
enum ct_flag {
	CT_F_WHITESPACE = 1u << 0,
	CT_F_NEWLINE = 1u << 1,
	CT_F_QUOTED = 1u << 2,
	CT_F_UNEXPANDED = 1u << 3,
	CT_F_PLACEHOLDER = 1u << 4,
	CT_F_FOREIGN_PREFIX = 1u << 5,
	CT_F_NONPRINTABLE = 1u << 6,
	CT_F_SHORT = 1u << 7,
};
#define CT_F_COUNT 8
struct ct_facts {
	enum ct_state state;
	size_t len;
	unsigned flags;       /* enum ct_flag bits */
	const char *provider; /* static string ("openai", "anthropic", ...) or NULL when unknown */
	const char *entropy;  /* "low", "medium", "high", or NULL when empty/absent */
	char fp[13];          /* 12 hex digits of HMAC-SHA256, "" when fingerprints are off */
};

/* ---- secret.c ----------------------------------------------------------------------------------- */
/* Is this environment variable name a credential? name need not be NUL-terminated when n given.
 * Fast for short and ordinary names. Thread-safe, no allocation. */
int ct_cred_name(const char *name) CT_HIDDEN;
int ct_cred_namen(const char *name, size_t n) CT_HIDDEN;
/* The shortest name that can be a credential (6 unless CREDTRACE_VARS names a shorter one). */
extern unsigned ct_g_cred_name_min CT_HIDDEN;
/* CREDTRACE_VARS: comma or colon separated names and globs (*, ?), copied into static storage. */
void ct_cred_configure(const char *vars) CT_HIDDEN;
/* Facts about value (NULL = absent) of variable name; envp is the environment that gives context
 * (OPENAI_BASE_URL for OpenRouter). Stack only; safe in a vfork child. */
void ct_facts_of(const char *name, size_t namelen, const char *value, char *const *envp,
                 struct ct_facts *f) CT_HIDDEN;
/* The same for value[0..n), which need not be NUL-terminated (a header inside a request). */
void ct_facts_ofn(const char *name, size_t namelen, const char *value, size_t n, char *const *envp,
                  struct ct_facts *f) CT_HIDDEN;
/* The primary variable of a provider ("openai" -> "OPENAI_API_KEY"), NULL when none. */
const char *ct_var_of_provider(const char *provider) CT_HIDDEN;
const char *ct_flag_name(unsigned bit_index) CT_HIDDEN; /* "whitespace", ... */
const char *ct_state_name(enum ct_state s) CT_HIDDEN;
void ct_fp_key(const unsigned char *key, size_t n) CT_HIDDEN; /* n == 0 turns fingerprints off */
/* Is s shaped like a provider key? Used to redact argv. */
int ct_looks_like_key(const char *s) CT_HIDDEN;
int ct_secret_selfcheck(void) CT_HIDDEN;                  /* for tests/unit/shim_secret.c */
const char *ct_cred_provider(const char *name) CT_HIDDEN; /* for tests/unit/shim_tool_agree.c */

/* ---- value_facts.c, argv.c: what may be written about values ------------------------------------ */
/* Adds "state","len","flags","provider","entropy","fp" fields for f to r. */
void ct_rec_facts(struct ct_rec *r, const struct ct_facts *f) CT_HIDDEN;
/* argv as a JSON array, at most 16 arguments of 128 bytes, credential-looking ones redacted. */
void ct_rec_argv(struct ct_rec *r, const char *key, char *const *argv) CT_HIDDEN;
/* Does this LD_PRELOAD value name the shim? */
int ct_preload_names_us(const char *ld_preload) CT_HIDDEN;

/* ---- SHA-256 and HMAC (sha256.c) ---------------------------------------------------------------- */
/* HMAC with the key's padded blocks absorbed once (ct_hmac_prepare), for the fingerprint key. */
struct ct_hmac_pre {
	uint32_t ih[8], oh[8];
};
void ct_hmac_prepare(const unsigned char *key, size_t keylen, struct ct_hmac_pre *p) CT_HIDDEN;
void ct_hmac_sha256_pre(const struct ct_hmac_pre *p, const unsigned char *msg, size_t n,
                        unsigned char out[32]) CT_HIDDEN;
void ct_hmac_sha256(const unsigned char *key, size_t keylen, const unsigned char *msg, size_t n,
                    unsigned char out[32]) CT_HIDDEN;

#endif
