/* SPDX-License-Identifier: MIT */
/* debug.c: CREDTRACE_DEBUG=1 output, one line on stderr per message. Off by default: the program's
 * stderr is its own (a test harness or a log pipeline may parse it). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "ct_writer.h"

void ct_debug(const char *msg, const char *detail)
{
	char b[512];
	size_t n = 0, l;
	if (!ct_g_config.debug)
		return;
	l = strlen(msg);
	if (l > 200)
		l = 200;
	memcpy(b, "credtrace: ", 11); /* NOLINT(bugprone-not-null-terminated-result): written by length */
	n = 11;
	memcpy(b + n, msg, l);
	n += l;
	if (detail) {
		l = strlen(detail);
		if (l > 250)
			l = 250;
		b[n++] = ':';
		b[n++] = ' ';
		memcpy(b + n, detail, l);
		n += l;
	}
	b[n++] = '\n';
	syscall(SYS_write, 2, b, n);
}
