/* SPDX-License-Identifier: MIT */
/* record.c: JSON records built in a caller's stack buffer; a field that does not fit is dropped whole.
 * A leaf: it calls no other file of the shim (tests/cases/05-layers.sh checks), only the buffer. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include "ct_record.h"
#include "ct_str.h"
#include "utf8.h"

/* Room kept for closing every open container, ",\"trunc\":true" and the newline. */
#define RESERVE 48

uint64_t ct_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int room(const struct ct_rec *r, size_t n)
{
	return r->len + n + RESERVE + (size_t)r->depth <= CT_LINE_MAX;
}

static void put(struct ct_rec *r, const char *s, size_t n)
{
	memcpy(r->buf + r->len, s, n);
	r->len += n;
}

/* Escapes s[0..n) as a JSON string into out (NULL: only count); returns the length. Control bytes,
 * DEL and bytes that are not valid UTF-8 become \u00XX escapes of the byte. Working in place keeps
 * the hooks' stack use at one record buffer: some hosts run threads with small stacks. */
static size_t escape(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0, l;
#define EMIT(ch)                                                                                             \
	do {                                                                                                 \
		if (out)                                                                                     \
			out[o] = (ch);                                                                       \
		o++;                                                                                         \
	} while (0)
	EMIT('"');
	while (i < n) {
		unsigned c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			EMIT((char)c);
			i++;
		} else if (c == '"' || c == '\\') {
			EMIT('\\');
			EMIT((char)c);
			i++;
		} else if (c >= 0x80 && (l = ct_utf8_seq(p + i, n - i, NULL)) != 0) {
			/* i moves outside EMIT: EMIT evaluates its argument only when writing. */
			for (; l; l--, i++)
				EMIT((char)p[i]);
		} else {
			EMIT('\\');
			EMIT('u');
			EMIT('0');
			EMIT('0');
			EMIT(hex[c >> 4]);
			EMIT(hex[c & 15]);
			i++;
		}
	}
	EMIT('"');
#undef EMIT
	return o;
}

/* Writes the separator and key for a new field; returns 0 (and writes nothing) when n more bytes
 * of value would not fit. Keys are the shim's own words, escaped all the same: a line is valid JSON
 * whatever a caller passes. */
static int field(struct ct_rec *r, const char *key, size_t n)
{
	size_t kn = key ? strlen(key) : 0, klen = key ? escape(NULL, key, kn) + 1 : 0;
	if (r->dead || !room(r, n + klen + 1)) {
		if (!r->dead)
			r->full = 1;
		return 0;
	}
	if (r->first_mask & (1u << r->depth))
		r->first_mask &= ~(1u << r->depth);
	else
		put(r, ",", 1);
	if (key) {
		r->len += escape(r->buf + r->len, key, kn);
		put(r, ":", 1);
	}
	return 1;
}

void ct_rec_strn(struct ct_rec *r, const char *key, const char *val, size_t n)
{
	size_t e;
	if (!val) {
		ct_rec_null(r, key);
		return;
	}
	if (n > CT_LINE_MAX)
		n = CT_LINE_MAX;
	e = escape(NULL, val, n);
	if (field(r, key, e))
		r->len += escape(r->buf + r->len, val, n);
}

void ct_rec_str(struct ct_rec *r, const char *key, const char *val)
{
	ct_rec_strn(r, key, val, val ? strlen(val) : 0);
}

void ct_rec_int(struct ct_rec *r, const char *key, long long v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = (uint64_t)v;
	if (v < 0) {
		tmp[n++] = '-';
		u = (uint64_t)0 - u;
	}
	n += ct_fmt_u64(tmp + n, u);
	if (field(r, key, n))
		put(r, tmp, n);
}

void ct_rec_hex(struct ct_rec *r, const char *key, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[20];
	size_t n = 0;
	int shift, started = 0;
	tmp[n++] = '"';
	tmp[n++] = '0';
	tmp[n++] = 'x';
	for (shift = 60; shift >= 0; shift -= 4) {
		unsigned d = (unsigned)(v >> shift) & 15;
		if (d || started || shift == 0) {
			tmp[n++] = hex[d];
			started = 1;
		}
	}
	tmp[n++] = '"';
	if (field(r, key, n))
		put(r, tmp, n);
}

void ct_rec_bool(struct ct_rec *r, const char *key, int v)
{
	if (field(r, key, v ? 4 : 5))
		put(r, v ? "true" : "false", v ? 4 : 5);
}

void ct_rec_null(struct ct_rec *r, const char *key)
{
	if (field(r, key, 4))
		put(r, "null", 4);
}

static void open_container(struct ct_rec *r, const char *key, char open, char close)
{
	if (r->dead || r->depth + 1 >= (int)sizeof r->close || !field(r, key, 8)) {
		r->dead++;
		return;
	}
	put(r, &open, 1);
	r->depth++;
	r->close[r->depth] = close;
	r->first_mask |= 1u << r->depth;
}

void ct_rec_obj(struct ct_rec *r, const char *key)
{
	open_container(r, key, '{', '}');
}

void ct_rec_arr(struct ct_rec *r, const char *key)
{
	open_container(r, key, '[', ']');
}

void ct_rec_end(struct ct_rec *r)
{
	if (r->dead) {
		r->dead--;
		return;
	}
	if (r->depth > 0) {
		put(r, &r->close[r->depth], 1);
		r->depth--;
	}
}

void ct_rec_begin(struct ct_rec *r, const char *type)
{
	ct_rec_begin_at(r, type, ct_now_us());
}

void ct_rec_begin_at(struct ct_rec *r, const char *type, uint64_t ts)
{
	r->len = 0;
	r->depth = 0;
	r->dead = 0;
	r->full = 0;
	r->first_mask = 0;
	r->close[0] = '}';
	put(r, "{", 1);
	r->first_mask = 1u; /* depth 0: nothing written yet */
	ct_rec_str(r, "t", type);
	ct_rec_int(r, "ts", (long long)ts);
}

void ct_rec_finish(struct ct_rec *r)
{
	r->dead = 0;
	while (r->depth > 0)
		ct_rec_end(r);
	if (r->full) /* fits: every field left RESERVE bytes free */
		put(r, ",\"trunc\":true", 13);
	put(r, "}\n", 2);
}

/* Puts whole lines (a "mod" record) in front of the record being built, so that both go out in the
 * one write() of this record: a fork child naming its modules pays one open and write, not three.
 * Refuses (0) when that would leave the record less than a quarter of its room. */
int ct_rec_prepend(struct ct_rec *r, const char *lines, size_t n)
{
	if (r->len + n + CT_LINE_MAX / 4 > CT_LINE_MAX)
		return 0;
	memmove(r->buf + n, r->buf, r->len);
	memcpy(r->buf, lines, n);
	r->len += n;
	return 1;
}
