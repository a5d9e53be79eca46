/* SPDX-License-Identifier: MIT */
/* trace_dir.c: which directory this process traces into: CREDTRACE_DIR (or attach's -o) made absolute
 * once and passed on to children, or the default /tmp/credtrace-<uid>; checked by dirpolicy.c. */
#define _GNU_SOURCE
#include <string.h>

#include "config.h"
#include "ct_str.h"
#include "ct_writer.h"
#include "dirpolicy.h"

extern char **environ;

/* A relative CREDTRACE_DIR is made absolute once, here in the first process, and the environment
 * entry is pointed at the absolute value: children that chdir elsewhere then write to the same
 * directory and use the same key (one value, one fingerprint). */
void ct_pass_on_absolute(const char *name_eq, const char *abs, char *entry, size_t size)
{
	size_t n = strlen(name_eq), l = strlen(abs);
	if (n + l >= size)
		return;
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, name_eq, n) != 0)
			continue;
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): abs and its NUL follow */
		memcpy(entry, name_eq, n);
		memcpy(entry + n, abs, l + 1);
		*e = entry;
		return;
	}
}
static char dir_entry[sizeof "CREDTRACE_DIR=" + CT_DIR_MAX];

/* The same policy for the default, an explicit CREDTRACE_DIR and `run -o` (dirpolicy.c); the
 * reason for a refusal goes to stderr under CREDTRACE_DEBUG=1. */
int ct_trace_dir_setup(char *dir, uid_t euid)
{
	const char *d = ct_g_config.trace_dir;
	const char *why = NULL;
	char at[256], msg[320];
	if (!d || !*d) {
		size_t n = ct_str_append(dir, 0, CT_DIR_MAX, "/tmp/credtrace-");
		ct_str_append_u(dir, n, CT_DIR_MAX, (unsigned long)euid);
	} else if (ct_dir_absolute(d, dir, CT_DIR_MAX, &why) != 0) {
		dir[0] = 0;
		ct_debug(why[0] == 'p' ? "trace directory refused: path longer than 1023 bytes"
		                       : "trace directory refused: relative path, current directory unknown",
		         NULL);
		return 0;
	} else if (d[0] != '/') {
		ct_pass_on_absolute("CREDTRACE_DIR=", dir, dir_entry, sizeof dir_entry);
	}
	if (ct_dir_check(dir, euid, &why, at, sizeof at) == 0)
		return 1;
	ct_str_append(msg, ct_str_append(msg, ct_str_append(msg, 0, sizeof msg, at), sizeof msg, " "),
	              sizeof msg, why);
	ct_debug("trace directory refused", msg);
	dir[0] = 0;
	return 0;
}
