/* SPDX-License-Identifier: MIT */
/* util.c: sbase-style error reporting and allocation shared by the CLI's subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *argv0 = "credtrace";

static void verr(const char *fmt, va_list ap)
{
	/* errno is read before anything can change it: fprintf may set it. */
	int e = errno;
	size_t n = strlen(fmt);

	fprintf(stderr, "%s: ", argv0);
	vfprintf(stderr, fmt, ap);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(e));
	fputc('\n', stderr);
}

void weprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
}

_Noreturn void eprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	exit(2);
}

void *erealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n)))
		eprintf("out of memory:");
	return p;
}

char *estrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		eprintf("out of memory:");
	return d;
}
