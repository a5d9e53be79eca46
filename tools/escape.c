/* SPDX-License-Identifier: MIT */
/* escape.c: trace strings made safe to print on a terminal (argv of `node -e`, paths, peers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF included); *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, unsigned long *cp)
{
	static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;

	if (!n || s[0] > 0xf4)
		return 0;
	*cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* Code points a terminal acts on instead of showing: C1 controls (U+0080-U+009F, 0x9b is CSI) and the
 * bidirectional overrides and isolates that reorder what is shown (CVE-2021-42574). */
static int unsafe_cp(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *text_escape(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), o = 0;
	char *out = erealloc(NULL, len * 4 + 1); /* at most 4 bytes out per byte in ("\xNN") */

	for (size_t i = 0; i < len;) {
		unsigned long cp = 0;
		size_t n = u[i] < 0x80 ? 1 : utf8_seq(u + i, &cp);
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
