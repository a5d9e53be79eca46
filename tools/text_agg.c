/* SPDX-License-Identifier: MIT */
/* text_agg.c: repeated evidence in the text report shown as a few examples and a count, so that a
 * process that set its key 40,000 times gives a readable report (issue 14). The JSON report keeps
 * every line. */
#include <ctype.h>
#include <stddef.h>

#include "render.h"

/* A token holding a digit (a pid, a time, a line number) or made of 8 or more hex digits (a
 * fingerprint) matches any other such token; everything else must be equal. */
static size_t token(const char *s, int *var)
{
	size_t n = 0;
	int digit = 0, hex = 1;
	while (isalnum((unsigned char)s[n])) {
		digit |= isdigit((unsigned char)s[n]) != 0;
		hex &= isxdigit((unsigned char)s[n]) != 0;
		n++;
	}
	*var = digit || (hex && n >= 8);
	return n;
}

int text_same_shape(const char *a, const char *b)
{
	while (*a && *b) {
		int va, vb;
		size_t na = token(a, &va), nb = token(b, &vb);
		if (na && nb && va && vb) {
			a += na;
			b += nb;
		} else if (*a == *b) {
			a++;
			b++;
		} else {
			return 0;
		}
	}
	return *a == *b;
}

size_t text_run(char *const *lines, size_t n, size_t from)
{
	size_t k = from + 1;
	while (k < n && text_same_shape(lines[from], lines[k]))
		k++;
	return k - from;
}
