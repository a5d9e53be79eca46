/* SPDX-License-Identifier: MIT */
/* markup.c: escaping for XML and HTML; see markup.h. */
#include <stdlib.h>

#include "markup.h"
#include "render.h"

/* The characters markup gives meaning to, as character references; NULL for the others. */
static const char *const entity[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};

void put_markup(FILE *out, const char *s)
{
	char *t;

	if (!s)
		return;
	t = text_escape(s); /* XML 1.0 forbids most control characters even as references */
	for (const char *p = t; *p; p++) {
		const char *ref = entity[(unsigned char)*p];
		if (ref)
			fputs(ref, out);
		else
			fputc(*p, out);
	}
	free(t);
}

void put_markup_items(FILE *out, char *const *v, size_t n, const char *before, const char *after)
{
	for (size_t k = 0; k < n; k++) {
		fputs(before, out);
		put_markup(out, v[k]);
		fputs(after, out);
	}
}
