/* SPDX-License-Identifier: MIT */
/* utf8.h: the one UTF-8 validator, shared by the shim (record.c escapes what is not UTF-8) and the CLI
 * (the reader cleans traces that came through a pipeline, the text renderer escapes). Strict: overlong
 * forms, surrogates and code points above U+10FFFF are not UTF-8 (RFC 3629). Header-only: the CLI
 * links no shim object for it. */
#ifndef CT_UTF8_H
#define CT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (2 to 4) of the valid multi-byte sequence at s, at most n bytes long, or 0 when it is not
 * one (an ASCII byte included: callers handle those first). *cp gets the code point when cp is not
 * NULL. Stops at a NUL, which is never a continuation byte. */
static inline size_t ct_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	uint32_t c;

	if (!len || s[0] > 0xf4 || len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp)
		*cp = c;
	return len;
}

#endif
