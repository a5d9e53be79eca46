/* SPDX-License-Identifier: MIT */
/* ct_str.h: bounded string building for paths and messages, without stdio (no snprintf: it may take
 * the locale). Each returns the new length; dst stays NUL-terminated and is cut at cap - 1. */
#ifndef CT_STR_H
#define CT_STR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t ct_str_append(char *dst, size_t at, size_t cap, const char *s)
{
	size_t l = strlen(s);
	if (at >= cap) /* never from these helpers; a guard that also lets the compiler see it */
		return at;
	if (at + l >= cap)
		l = at < cap ? cap - at - 1 : 0;
	memcpy(dst + at, s, l);
	dst[at + l] = 0;
	return at + l;
}

/* The decimal digits of v at out (at most 20), no terminator; their count. */
static inline size_t ct_fmt_u64(char *out, uint64_t v)
{
	char t[24];
	size_t n = 0, i;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = t[n - 1 - i];
	return n;
}

static inline size_t ct_str_append_u(char *dst, size_t at, size_t cap, unsigned long v)
{
	char s[24];
	s[ct_fmt_u64(s, v)] = 0;
	return ct_str_append(dst, at, cap, s);
}

#endif
