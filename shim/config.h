/* SPDX-License-Identifier: MIT */
/* config.h: every CREDTRACE_* setting, parsed once by config.c; the rest of the shim reads ct_g_config. */
#ifndef CT_CONFIG_H
#define CT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ct_base.h"

struct ct_config {
	const char *trace_dir; /* CREDTRACE_DIR, NULL for the default */
	const char *vars;      /* CREDTRACE_VARS, NULL when unset */
	const char *key_file;  /* CREDTRACE_KEY_FILE, NULL when unset */
	const char *libunwind; /* CREDTRACE_LIBUNWIND, NULL when unset */
	uint64_t max_bytes;    /* CREDTRACE_MAX_BYTES */
	int fingerprint;       /* CREDTRACE_FINGERPRINT */
	int backtrace;         /* CREDTRACE_BACKTRACE */
	int python;            /* CREDTRACE_PYTHON */
	int debug;             /* CREDTRACE_DEBUG */
};
extern struct ct_config ct_g_config CT_HIDDEN;

#define CT_MAX_BYTES_DEFAULT (16ull << 20)
#define CT_MAX_BYTES_MIN     4096ull

/* Parses every setting from envp into ct_g_config; a bad value keeps the default and is remembered
 * (said on stderr under CREDTRACE_DEBUG=1, and in the trace header). Constructor only. */
void ct_config_read(char *const *envp) CT_HIDDEN;
/* The same, where given(name) (when not NULL) gives values that win over envp's: `credtrace attach`
 * passes its settings without touching the target's environment (attach.c). */
void ct_config_read_given(char *const *envp, const char *(*given)(const char *name)) CT_HIDDEN;
/* name's value in envp, or NULL. No libc getenv: the shim's own getenv is a hook. */
const char *ct_envp_lookup(char *const *envp, const char *name) CT_HIDDEN;
/* The messages about bad values, one at a time: NULL after the last. */
const char *ct_config_problem(int i) CT_HIDDEN;

/* Pure parsers (unit-tested): 0 on success, else -1 (bad) or -2 (overflow); *out unchanged then. */
int ct_parse_size(const char *s, uint64_t *out) CT_HIDDEN;
int ct_parse_bool(const char *s, int *out) CT_HIDDEN;

#endif
