/* SPDX-License-Identifier: MIT */
/* config.c: the one place every CREDTRACE_* setting is parsed (the table below is also the README's). */
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "ct_process.h" /* CT_STATE */

struct ct_config ct_g_config = {
    .max_bytes = CT_MAX_BYTES_DEFAULT,
    .fingerprint = 1,
    .backtrace = 1,
    .python = 1,
};

enum kind { K_PATH, K_LIST, K_BOOL, K_SIZE };

/* One row per setting: its name, how it is parsed, where it goes. A value is never echoed in a
 * message (a user may paste anything into a variable). */
static const struct setting {
	const char *name;
	enum kind kind;
	size_t off;
	const char *dflt; /* said in the message when a bad value falls back */
} settings[] = {
    {"CREDTRACE_DIR", K_PATH, offsetof(struct ct_config, trace_dir), "/tmp/credtrace-<uid>"},
    {"CREDTRACE_VARS", K_LIST, offsetof(struct ct_config, vars), "none"},
    {"CREDTRACE_KEY_FILE", K_PATH, offsetof(struct ct_config, key_file), "<dir>/.credtrace.key"},
    {"CREDTRACE_FINGERPRINT", K_BOOL, offsetof(struct ct_config, fingerprint), "1"},
    {"CREDTRACE_BACKTRACE", K_BOOL, offsetof(struct ct_config, backtrace), "1"},
    {"CREDTRACE_PYTHON", K_BOOL, offsetof(struct ct_config, python), "1"},
    {"CREDTRACE_MAX_BYTES", K_SIZE, offsetof(struct ct_config, max_bytes), "16M"},
    {"CREDTRACE_DEBUG", K_BOOL, offsetof(struct ct_config, debug), "0"},
    {"CREDTRACE_LIBUNWIND", K_PATH, offsetof(struct ct_config, libunwind), "libunwind.so.8"},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

#define PROBLEMS_MAX 8
#define PROBLEM_LEN  160
CT_STATE static int nproblems;
static char problems[PROBLEMS_MAX][PROBLEM_LEN];

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int eq_nocase(const char *a, const char *b)
{
	while (*a && lower((unsigned char)*a) == lower((unsigned char)*b))
		a++, b++;
	return !*a && !*b;
}

/* Decimal digits with an optional k, M or G (binary multiples, either case). Nothing else: no sign,
 * space, fraction or exponent, so a typo is told rather than read as something else. */
int ct_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	if (!(*s >= '0' && *s <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return -2;
		v = v * 10 + d;
	}
	switch (*s) {
	case 0:
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (shift && *++s)
		return -1;
	if (v > (UINT64_MAX >> shift))
		return -2;
	*out = v << shift;
	return 0;
}

int ct_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"}, *const no[] = {"0", "false", "no",
	                                                                            "off"};
	for (size_t i = 0; i < 4; i++) {
		if (eq_nocase(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (eq_nocase(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static void problem(const struct setting *st, const char *what, const char *dflt)
{
	char *p;
	size_t n = 0;
	const char *parts[] = {st->name, ": ", what, "; using ", dflt};
	if (nproblems >= PROBLEMS_MAX)
		return;
	p = problems[nproblems++];
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		size_t l = strlen(parts[i]);
		if (n + l >= PROBLEM_LEN)
			l = PROBLEM_LEN - 1 - n;
		memcpy(p + n, parts[i], l);
		n += l;
	}
	p[n] = 0;
}

/* Looks name up in envp (no libc: the constructor may run before libc's own setup is complete, and
 * the shim's getenv is a hook). */
const char *ct_envp_lookup(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

void ct_config_read(char *const *envp)
{
	ct_config_read_given(envp, NULL);
}

void ct_config_read_given(char *const *envp, const char *(*given)(const char *name))
{
	nproblems = 0;
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *st = &settings[i];
		const char *v = given ? given(st->name) : NULL;
		if (!v)
			v = ct_envp_lookup(envp, st->name);
		void *slot = (char *)&ct_g_config + st->off;
		uint64_t size;
		int b, rc;
		if (!v || !*v) /* unset and empty both mean the default */
			continue;
		switch (st->kind) {
		case K_PATH:
		case K_LIST:
			*(const char **)slot = v;
			break;
		case K_BOOL:
			if (ct_parse_bool(v, &b) == 0)
				*(int *)slot = b;
			else
				problem(st, "not a boolean (1, 0, true, false, yes, no, on, off)", st->dflt);
			break;
		case K_SIZE:
			rc = ct_parse_size(v, &size);
			if (rc == -2)
				problem(st, "too large", st->dflt);
			else if (rc != 0)
				problem(st, "not a size (digits with an optional k, M or G)", st->dflt);
			else if (size < CT_MAX_BYTES_MIN) {
				problem(st, "below the minimum of one record", "4096");
				*(uint64_t *)slot = CT_MAX_BYTES_MIN;
			} else
				*(uint64_t *)slot = size;
			break;
		}
	}
}

const char *ct_config_problem(int i)
{
	return i >= 0 && i < nproblems ? problems[i] : NULL;
}
