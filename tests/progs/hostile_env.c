/* SPDX-License-Identifier: MIT */
/* hostile_env.c: starts a program with a hostile environment, or is that program and pokes at it.
 *   hostile_env spawn KIND PROG ARGS...: execve PROG with the environment KIND, built from
 *     OPENAI_API_KEY of its own (the canary) plus LD_PRELOAD, CREDTRACE_DIR and ASAN_OPTIONS if set.
 *     KIND: many (100000 variables), big (a 120 KiB credential value, near the kernel's 128 KiB
 *     limit for one string), weird (invalid UTF-8 and control bytes in names and values, entries
 *     without '=', an empty name, duplicate names).
 *   hostile_env show: prints what a program sees (counts and lengths, never a value), sets a 1 MiB
 *     credential value, replaces environ, and execs /bin/true with the replaced environ.
 * Prints only what must be equal bare and traced. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *xstrdup2(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);
	if (!s)
		exit(3);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

static int spawn(const char *kind, char **argv)
{
	const char *key = getenv("OPENAI_API_KEY");
	static const char *const pass[] = {"LD_PRELOAD=", "CREDTRACE_DIR=", "ASAN_OPTIONS=", "PATH="};
	size_t n = 0, cap = 100100;
	char **envp = calloc(cap, sizeof *envp);
	if (!envp || !key)
		return 3;
	for (char **e = environ; *e; e++)
		for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
			if (!strncmp(*e, pass[i], strlen(pass[i])))
				envp[n++] = *e;
	envp[n++] = xstrdup2("OPENAI_API_KEY=", key);
	if (!strcmp(kind, "many")) {
		for (int i = 0; i < 100000; i++) {
			char b[32];
			snprintf(b, sizeof b, "V%06d=%d", i, i);
			envp[n++] = strdup(b);
		}
		envp[n++] = "GROQ_API_KEY="; /* the last of 100003: found at the end of a long scan */
	} else if (!strcmp(kind, "big")) {
		size_t len = 120 * 1024, kl = strlen(key);
		char *v = malloc(len + 1);
		for (size_t i = 0; i < len; i++)
			v[i] = key[i % kl];
		v[len] = 0;
		envp[n++] = xstrdup2("ANTHROPIC_API_KEY=", v);
		free(v);
	} else if (!strcmp(kind, "weird")) {
		envp[n++] = "NOEQUALS";
		envp[n++] = "=emptyname";
		envp[n++] = "OPENAI\xff\xfe_API_KEY=x";
		envp[n++] = "GROQ_API_KEY=\x01\x02\x1b[31m\xc3\x28\xed\xa0\x80\r\n";
		envp[n++] = "HF_TOKEN=\xf0\x9f\x94\x91 unicode key";
		envp[n++] = "CTRL\x01\x7f_TOKEN=y";
		envp[n++] = xstrdup2("OPENAI_API_KEY=", "second-value"); /* duplicate: getenv sees the first */
		envp[n++] = "ANTHROPIC_API_KEY";                       /* a credential name without '=' */
		envp[n++] = "\"QUOTED_NAME\"_TOKEN=z";
	} else {
		fprintf(stderr, "unknown kind %s\n", kind);
		return 2;
	}
	envp[n] = NULL;
	/* 100000 variables exceed the default ARG_MAX (a quarter of the stack limit): raise it. */
	struct rlimit rl = {64 << 20, 64 << 20};
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (64u << 20)) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= (64u << 20) ? 64u << 20 : rl.rlim_max;
		setrlimit(RLIMIT_STACK, &rl);
	}
	execve(argv[0], argv, envp);
	printf("execve: errno %d\n", errno);
	return 127;
}

/* Length and presence only: tests grep every output for the canary. */
static void show_var(const char *name)
{
	const char *v = getenv(name);
	printf("  %s: %s len %zu\n", name, v ? "present" : "absent", v ? strlen(v) : 0);
}

static int is_harness(const char *e)
{
	return !strncmp(e, "LD_PRELOAD=", 11) || !strncmp(e, "CREDTRACE_DIR=", 14) || !strncmp(e, "ASAN_OPTIONS=", 13);
}

static int show(void)
{
	size_t n = 0, noeq = 0;
	static const char *const names[] = {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GROQ_API_KEY", "HF_TOKEN",
	                                    "V099999", "NOEQUALS", "", "OPENAI\xff\xfe_API_KEY"};
	for (char **e = environ; *e; e++) {
		if (is_harness(*e))
			continue; /* only in the traced run */
		n++;
		noeq += strchr(*e, '=') == NULL;
	}
	printf("environ: %zu entries, %zu without '='\n", n, noeq);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		show_var(names[i]);

	/* 1 MiB credential value set at run time, then read */
	const char *key = getenv("OPENAI_API_KEY");
	size_t len = 1 << 20, kl = key && *key ? strlen(key) : 1;
	char *big = malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		big[i] = key && *key ? key[i % kl] : 'k';
	big[len] = 0;
	printf("setenv 1 MiB: %d\n", setenv("ANTHROPIC_API_KEY", big, 1));
	show_var("ANTHROPIC_API_KEY");
	free(big);
	printf("putenv without '=': %d\n", putenv("NOEQUALS"));
	show_var("NOEQUALS");

	/* The program assigns a new environ array: the shim sees it at its next look. */
	static char *fresh[] = {"OPENAI_API_KEY=sk-replaced-in-environ", "PATH=/usr/bin:/bin"};
	char **keep[3] = {0};
	size_t nk = 0;
	for (char **e = environ; *e && nk < 3; e++)
		if (is_harness(*e))
			keep[nk++] = e;
	char **env2 = calloc(8, sizeof *env2);
	env2[0] = fresh[0];
	env2[1] = fresh[1];
	for (size_t i = 0; i < nk; i++)
		env2[2 + i] = *keep[i];
	environ = env2;
	show_var("OPENAI_API_KEY");
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(p, &st, 0);
	printf("exec with the replaced environ: status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 3 && !strcmp(argv[1], "spawn"))
		return spawn(argv[2], argv + 3);
	if (argc > 1 && !strcmp(argv[1], "show"))
		return show();
	fprintf(stderr, "usage: hostile_env spawn many|big|weird PROG ARGS... | show\n");
	return 2;
}
