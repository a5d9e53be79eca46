/* SPDX-License-Identifier: MIT */
/* escape.c: trace strings made safe to print on a terminal (argv of `node -e`, paths, peers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"
#include "../shim/utf8.h"

/* Code points a terminal acts on instead of showing: C1 controls (U+0080-U+009F, 0x9b is CSI) and the
 * bidirectional overrides and isolates that reorder what is shown (CVE-2021-42574). */
static int unsafe_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *text_escape(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), o = 0;
	char *out = erealloc(NULL, len * 4 + 1); /* at most 4 bytes out per byte in ("\xNN") */

	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = u[i] < 0x80 ? 1 : ct_utf8_seq(u + i, len - i, &cp);
		if (u[i] == '\n' || u[i] == '\t' || u[i] == '\r') {
			out[o++] = '\\';
			out[o++] = u[i] == '\n' ? 'n' : u[i] == '\t' ? 't' : 'r';
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f || !n || (n > 1 && unsafe_cp(cp))) {
			/* one byte at a time: after an invalid lead byte the next one may start a valid
			 * sequence */
			for (size_t k = 0; k < (n > 1 ? n : 1); k++)
				o += (size_t)snprintf(out + o, 5, "\\x%02x", u[i + k]);
			i += n > 1 ? n : 1;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = 0;
	return out;
}
