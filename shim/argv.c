/* SPDX-License-Identifier: MIT */
/* argv.c: command lines as written into traces, with anything that may be a credential redacted. */
#include <string.h>

#include "ct.h"

#define MAX_ARGS 16
#define MAX_ARG  128

extern char **environ;

static int ieq_prefix(const char *s, const char *p)
{
	for (; *p; s++, p++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *p)
			return 0;
	}
	return 1;
}

static int has_word(const char *s, const char *w)
{
	for (; *s; s++)
		if (ieq_prefix(s, w))
			return 1;
	return 0;
}

/* An option that takes a secret as its next argument: --api-key, --token, --password, -p? No:
 * short options are too ambiguous; long ones naming key, token, secret or pass are enough. */
static int secret_option(const char *a)
{
	if (!a || a[0] != '-' || strchr(a, '='))
		return 0;
	return has_word(a, "key") || has_word(a, "token") || has_word(a, "secret") || has_word(a, "pass") ||
	       has_word(a, "auth") || has_word(a, "cred");
}

/* Equal to the value of a credential variable of the environment? */
static int is_env_secret(const char *a)
{
	char **e;
	size_t alen = strlen(a);
	if (alen < 8)
		return 0;
	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || strcmp(eq + 1, a) != 0)
			continue;
		if (ct_cred_namen(*e, (size_t)(eq - *e)))
			return 1;
	}
	return 0;
}

static int redact(const char *a, const char *prev)
{
	const char *eq = strchr(a, '=');
	if (secret_option(prev) || ct_looks_like_key(a) || is_env_secret(a))
		return 1;
	if (has_word(a, "bearer ") || has_word(a, "authorization:") || has_word(a, "x-api-key:"))
		return 1; /* an HTTP header given to curl -H */
	if (has_word(a, "://") && strchr(a, '@'))
		return 1; /* a URL with user:password@ */
	if (eq) {         /* NAME=value or --api-key=value */
		const char *n = a;
		while (*n == '-')
			n++;
		if (ct_cred_namen(n, (size_t)(eq - n)) || secret_option(a) || has_word(a, "key=") ||
		    has_word(a, "token=") || has_word(a, "secret=") || has_word(a, "password="))
			return 1;
		return ct_looks_like_key(eq + 1);
	}
	return 0;
}

void ct_rec_argv(struct ct_rec *r, const char *key, char *const *argv)
{
	int i;
	ct_rec_arr(r, key);
	for (i = 0; argv && argv[i] && i < MAX_ARGS; i++) {
		const char *a = argv[i];
		size_t n = strlen(a);
		if (redact(a, i > 0 ? argv[i - 1] : NULL))
			ct_rec_str(r, NULL, "<redacted>");
		else
			ct_rec_strn(r, NULL, a, n > MAX_ARG ? MAX_ARG : n);
	}
	ct_rec_end(r);
	if (argv && i == MAX_ARGS && argv[i])
		ct_rec_bool(r, "argv_trunc", 1);
}

int ct_preload_names_us(const char *v)
{
	const char *base;
	size_t bl;
	if (!v || !*v)
		return 0;
	base = strrchr(ct_self_path, '/');
	base = base ? base + 1 : ct_self_path;
	bl = strlen(base);
	if (!bl)
		return strstr(v, "libcredtrace") != NULL;
	/* LD_PRELOAD entries are separated by spaces or colons. */
	for (const char *p = strstr(v, base); p; p = strstr(p + 1, base)) {
		char after = p[bl];
		if (after == 0 || after == ' ' || after == ':')
			return 1;
	}
	return 0;
}
