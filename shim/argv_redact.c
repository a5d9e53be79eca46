/* SPDX-License-Identifier: MIT */
/* argv_redact.c: which command-line arguments may be a credential (argv_redact.h). Pure: linked into
 * the shim and into the CLI. */
#include <string.h>

#include "argv_redact.h"
#include "ct.h"

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

/* Equal to the value of a credential variable of envp? */
static int is_env_secret(const char *a, char *const *envp)
{
	char *const *e;
	size_t alen = strlen(a);
	if (alen < 8)
		return 0;
	for (e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || strcmp(eq + 1, a) != 0)
			continue;
		if (ct_cred_namen(*e, (size_t)(eq - *e)))
			return 1;
	}
	return 0;
}

int ct_argv_redact(const char *a, const char *prev, char *const *envp)
{
	const char *eq = strchr(a, '=');
	if (secret_option(prev) || ct_looks_like_key(a) || is_env_secret(a, envp))
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
