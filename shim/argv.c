/* SPDX-License-Identifier: MIT */
/* argv.c: command lines as written into traces, with anything that may be a credential redacted
 * (the rule is in argv_redact.c, which `credtrace snap` links too). */
#include <string.h>

#include "argv_redact.h"
#include "ct.h"

#define MAX_ARGS 16
#define MAX_ARG  128

extern char **environ;

void ct_rec_argv(struct ct_rec *r, const char *key, char *const *argv)
{
	int i;
	ct_rec_arr(r, key);
	for (i = 0; argv && argv[i] && i < MAX_ARGS; i++) {
		const char *a = argv[i];
		size_t n = strlen(a);
		if (ct_argv_redact(a, i > 0 ? argv[i - 1] : NULL, environ))
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
	base = strrchr(ct_g_self_path, '/');
	base = base ? base + 1 : ct_g_self_path;
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
