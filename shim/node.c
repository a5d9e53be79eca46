/* SPDX-License-Identifier: MIT */
/* node.c: the shim's side of the Node adapter (credtrace-node.cjs, also credtrace-ruby.rb): reads with
 * the JavaScript (Ruby) file:line. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "lang_site.h"

/*
 * Node's process.env getter calls libc getenv for every read, but the native frames of a JavaScript
 * caller carry no file or line. credtrace-node.cjs, loaded by NODE_OPTIONS=--require, wraps
 * process.env in a Proxy and talks to the shim through the one call that process.env itself makes:
 * it reads names that begin with "\x1fcredtrace:" from the original process.env object, which Node
 * passes to getenv unchanged. The getenv hook sends such names here (one byte compare on its path
 * for ordinary names); the answer is a static string or NULL, which Node returns to JavaScript as a
 * string or undefined. No addon, no file, no descriptor. Messages (after the prefix):
 *   hello:1:node:<version>  the adapter is loaded: answer "1", write the runtime record once
 *                           (hello:1:ruby:<version>: credtrace-ruby.rb, the same messages)
 *   q:<NAME>                is NAME a credential (the shim's own classifier)? "1" or NULL
 *   r:<ml>:<line>\x1f<func>\x1f<file>\x1f<NAME>
 *                           a read of NAME at file:line (ml 1: module evaluation): recorded now,
 *                           then this thread's getenv reads are muted until "e"
 *   m                       mute without a record (a bulk copy such as {...process.env})
 *   s:<ml>:<line>\x1f<func>\x1f<file>\x1f
 *                           the site of the credential write (setenv/unsetenv) that follows
 *   e                       end of the adapter's own access: unmute, drop an unused site
 * Any other name after the prefix is passed to libc: a program that is not the adapter sees getenv.
 */

#define PREFIX     "\037credtrace:" /* 0x1f: no environment variable name starts with it */
#define PREFIX_LEN (sizeof PREFIX - 1)

__thread int ct_g_node_mute;
static atomic_int hello_done;
static int ruby; /* the adapter that said hello is credtrace-ruby.rb (same messages, fn "ENV") */
static char *const yes = (char *)"1";

static int is_digits(const char *s, size_t n)
{
	if (!n || n > 9)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The byte after the next sep in s, or NULL when there is none. */
static const char *after(const char *s, char sep)
{
	const char *e = strchr(s, sep);
	return e ? e + 1 : NULL;
}

/* "<ml>:<line>\x1f<func>\x1f<file>\x1f": a JavaScript site. Returns what follows, NULL when malformed. */
static const char *js_site(const char *m, struct ct_pysite *site)
{
	const char *num, *func, *file, *end;
	memset(site, 0, sizeof *site);
	if ((m[0] != '0' && m[0] != '1') || m[1] != ':')
		return NULL;
	num = m + 2;
	if (!(func = after(num, '\x1f')) || !is_digits(num, (size_t)(func - 1 - num)) ||
	    !(file = after(func, '\x1f')) || !(end = after(file, '\x1f')))
		return NULL;
	ct_lang_site(site, ruby ? "rb" : "js", file, (size_t)(end - 1 - file), atoi(num), func,
	             (size_t)(file - 1 - func), m[0] == '1');
	return end;
}

/* "r:<site><NAME>": one read with its JavaScript site. */
static void js_read(char *(*real)(const char *), const char *m)
{
	struct ct_pysite site;
	const char *name = js_site(m, &site);
	if (!name || !*name)
		return;
	/* The value the adapter's own access is about to return: the same getenv, on this thread. */
	ct_env_read_lang(ruby ? "ENV" : "process.env", name, real(name), &site);
}

char *ct_node_msg(char *(*real)(const char *), const char *name)
{
	const char *m;
	if (!ct_g_on || ct_g_guard || strncmp(name, PREFIX, PREFIX_LEN) != 0)
		return real(name);
	m = name + PREFIX_LEN;
	switch (m[0]) {
	case 'q':
		if (m[1] == ':')
			return ct_cred_name(m + 2) ? yes : NULL;
		break;
	case 'r':
		if (m[1] == ':') {
			js_read(real, m + 2);
			ct_g_node_mute = 1;
			return yes;
		}
		break;
	case 'm':
		if (!m[1]) {
			ct_g_node_mute = 1;
			return yes;
		}
		break;
	case 's': /* the site of the credential write that follows (its set record), until "e" */
		if (m[1] == ':') {
			struct ct_pysite site;
			if (js_site(m + 2, &site))
				ct_g_pysite = site;
			return yes;
		}
		break;
	case 'e':
		if (!m[1]) {
			ct_g_node_mute = 0;
			ct_g_pysite.set = 0; /* a write that recorded nothing leaves no stale site */
			return yes;
		}
		break;
	case 'h':
		if (!strncmp(m, "hello:1:node:", 13) || !strncmp(m, "hello:1:ruby:", 13)) {
			CT_KEEP_ERRNO; /* ct_self's kcmp may fail (seccomp), the record's write too */
			if (!atomic_exchange(&hello_done, 1) && ct_self() != CT_SELF_VFORK) {
				char version[32];
				size_t n = strlen(m + 13);
				if (n >= sizeof version)
					n = sizeof version - 1;
				memcpy(version, m + 13, n);
				version[n] = 0;
				ruby = m[8] == 'r';
				ct_g_guard = 1;
				ct_lang_runtime(ruby ? "ruby" : "node", version, "adapter", NULL);
				ct_g_guard = 0;
			}
			return yes;
		}
		break;
	}
	return real(name);
}

static int names_adapter(const char *s)
{
	return s && strstr(s, "credtrace-node");
}

/* In a Node process started without the adapter, say so at start: its process.env reads are still
 * seen through getenv, without a JavaScript line. The adapter's hello, if it comes after all (a
 * --require the shim did not see), writes a later runtime record that supersedes this one. */
void ct_node_init(void)
{
	extern char **environ;
	const char *base = strrchr(ct_g_exe, '/');
	base = base ? base + 1 : ct_g_exe;
	if (strcmp(base, "node") != 0 && strcmp(base, "nodejs") != 0)
		return;
	if (names_adapter(ct_env_lookup(environ, "NODE_OPTIONS")))
		return;
	for (int i = 1; ct_g_argv && ct_g_argv[i]; i++)
		if (names_adapter(ct_g_argv[i]))
			return;
	ct_lang_runtime(
	    "node", NULL, "getenv",
	    "the Node adapter was not loaded (NODE_OPTIONS has no --require of credtrace-node.cjs)");
}
