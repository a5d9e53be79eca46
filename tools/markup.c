/* SPDX-License-Identifier: MIT */
/* markup.c: escaping for XML and HTML; see markup.h. */
#include <stdlib.h>

#include "markup.h"
#include "render.h"

void put_markup(FILE *out, const char *s)
{
	char *t;

	if (!s)
		return;
	t = text_escape(s); /* XML 1.0 forbids most control characters even as references */
	for (const char *p = t; *p; p++)
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*p, out);
		}
	free(t);
}
