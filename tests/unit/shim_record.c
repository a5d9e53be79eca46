/* SPDX-License-Identifier: MIT */
/* shim_record.c: unit tests of the record builder, linked with build/shim/record.o alone (the Makefile's
 * UNIT_LINK_shim_record): nesting, escaping of keys and values, invalid UTF-8 and control bytes, a
 * field that does not fit (dropped whole, "trunc":true), prepend, and that every finished record is
 * one line of valid JSON ending in a newline, also for random builder calls. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ct_record.h"
#include "utf8.h"

/* ---- a small strict JSON validator (RFC 8259; strings must be UTF-8, no raw control bytes) ---- */
struct in {
	const char *p, *end;
	int depth;
};

static int value(struct in *in);

static void ws(struct in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

static int lit(struct in *in, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(in->end - in->p) < n || memcmp(in->p, w, n) != 0)
		return 0;
	in->p += n;
	return 1;
}

static int string(struct in *in)
{
	if (in->p >= in->end || *in->p != '"')
		return 0;
	in->p++;
	while (in->p < in->end) {
		unsigned char c = (unsigned char)*in->p;
		if (c == '"') {
			in->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (++in->p >= in->end)
				return 0;
			if (*in->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (in->p + i >= in->end || !strchr("0123456789abcdefABCDEF", in->p[i]) || !in->p[i])
						return 0;
				in->p += 5;
			} else if (*in->p && strchr("\"\\/bfnrt", *in->p)) {
				in->p++;
			} else {
				return 0;
			}
		} else if (c >= 0x80) {
			size_t l = ct_utf8_seq((const unsigned char *)in->p, (size_t)(in->end - in->p), NULL);
			if (!l)
				return 0;
			in->p += l;
		} else {
			in->p++;
		}
	}
	return 0;
}

static int number(struct in *in)
{
	const char *s = in->p;
	if (in->p < in->end && *in->p == '-')
		in->p++;
	if (in->p >= in->end || *in->p < '0' || *in->p > '9')
		return 0;
	if (*in->p == '0')
		in->p++;
	else
		while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
			in->p++;
	return in->p > s;
}

static int members(struct in *in, char close, int keyed)
{
	in->p++;
	ws(in);
	if (in->p < in->end && *in->p == close) {
		in->p++;
		return 1;
	}
	for (;;) {
		ws(in);
		if (keyed) {
			if (!string(in))
				return 0;
			ws(in);
			if (in->p >= in->end || *in->p++ != ':')
				return 0;
		}
		if (!value(in))
			return 0;
		ws(in);
		if (in->p >= in->end)
			return 0;
		if (*in->p == close) {
			in->p++;
			return 1;
		}
		if (*in->p++ != ',')
			return 0;
	}
}

static int value(struct in *in)
{
	int ok;
	ws(in);
	if (in->p >= in->end || ++in->depth > 64)
		return 0;
	switch (*in->p) {
	case '{':
		ok = members(in, '}', 1);
		break;
	case '[':
		ok = members(in, ']', 0);
		break;
	case '"':
		ok = string(in);
		break;
	case 't':
		ok = lit(in, "true");
		break;
	case 'f':
		ok = lit(in, "false");
		break;
	case 'n':
		ok = lit(in, "null");
		break;
	default:
		ok = number(in);
	}
	in->depth--;
	return ok;
}

/* One JSON object, then exactly one newline, which is the last byte and the only one. */
static int one_json_line(const char *s, size_t n)
{
	struct in in = {s, s + n - 1, 0};
	if (n < 3 || s[n - 1] != '\n' || memchr(s, '\n', n - 1) || s[0] != '{')
		return 0;
	if (!value(&in))
		return 0;
	return in.p == in.end;
}

static const char *line(struct ct_rec *r)
{
	static char out[CT_LINE_MAX + 1];
	memcpy(out, r->buf, r->len);
	out[r->len] = 0;
	return out;
}

/* ---- the tests ---- */
static void test_nesting(void)
{
	struct ct_rec r;
	ct_rec_begin_at(&r, "x", 5);
	ct_rec_obj(&r, "o");
	ct_rec_int(&r, "a", -12);
	ct_rec_arr(&r, "l");
	ct_rec_str(&r, NULL, "s");
	ct_rec_obj(&r, NULL);
	ct_rec_bool(&r, "b", 1);
	ct_rec_null(&r, "n");
	ct_rec_end(&r);
	ct_rec_end(&r);
	ct_rec_hex(&r, "h", 0x1a2b);
	ct_rec_end(&r);
	ct_rec_obj(&r, "open"); /* left open: finish closes it */
	ct_rec_bool(&r, "f", 0);
	ct_rec_finish(&r);
	CHECK_STR(line(&r),
	          "{\"t\":\"x\",\"ts\":5,\"o\":{\"a\":-12,\"l\":[\"s\",{\"b\":true,\"n\":null}],\"h\":\"0x1a2b\"},"
	          "\"open\":{\"f\":false}}\n",
	          "nested objects and arrays, closed by end and by finish");
	OK(one_json_line(r.buf, r.len), "nested record is one JSON line");
}

static void test_escaping(void)
{
	struct ct_rec r;
	ct_rec_begin_at(&r, "e", 0);
	ct_rec_str(&r, "q\"k\\", "a\"b\\c");
	ct_rec_str(&r, "ctl", "\n\t\x01\x1f\x7f");
	ct_rec_strn(&r, "nul", "a\0b", 3);
	ct_rec_str(&r, "ok8", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"); /* é € 😀 stay as they are */
	ct_rec_str(&r, "bad8", "\xff\xc0\xaf\xed\xa0\x80\xe2\x82");   /* lone, overlong, surrogate, cut */
	ct_rec_str(&r, "k\n", NULL);
	ct_rec_finish(&r);
	CHECK_STR(line(&r),
	          "{\"t\":\"e\",\"ts\":0,\"q\\\"k\\\\\":\"a\\\"b\\\\c\","
	          "\"ctl\":\"\\u000a\\u0009\\u0001\\u001f\\u007f\",\"nul\":\"a\\u0000b\","
	          "\"ok8\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
	          "\"bad8\":\"\\u00ff\\u00c0\\u00af\\u00ed\\u00a0\\u0080\\u00e2\\u0082\",\"k\\u000a\":null}\n",
	          "keys and values escaped; valid UTF-8 kept, every other byte escaped");
	OK(one_json_line(r.buf, r.len), "escaped record is one JSON line");
}

static void test_too_long(void)
{
	static char big[CT_LINE_MAX + 100];
	struct ct_rec r;
	size_t i;
	int fields = 0;
	memset(big, 'v', sizeof big - 1);
	ct_rec_begin_at(&r, "big", 1);
	ct_rec_str(&r, "big", big);
	ct_rec_int(&r, "after", 7);
	ct_rec_finish(&r);
	CHECK_STR(line(&r), "{\"t\":\"big\",\"ts\":1,\"after\":7,\"trunc\":true}\n",
	          "a field that does not fit is dropped whole, later fields kept, trunc added");

	/* Fill to the brim with fields of 100 bytes: each one is there whole or not at all. */
	big[100] = 0;
	ct_rec_begin_at(&r, "fill", 2);
	ct_rec_arr(&r, "a");
	for (i = 0; i < 60; i++)
		ct_rec_str(&r, NULL, big);
	ct_rec_obj(&r, NULL); /* a container that does not fit: its fields are dropped too */
	ct_rec_str(&r, "in", "x");
	ct_rec_end(&r);
	ct_rec_end(&r);
	ct_rec_finish(&r);
	for (const char *p = r.buf; (p = strstr(p, "\"vvvv")) != NULL; p += 100)
		fields += p[101] == '"';
	OK(r.len <= CT_LINE_MAX, "a full record stays within CT_LINE_MAX (%zu)", r.len);
	OK(fields > 30 && fields < 60, "some fields fit, each whole (%d)", fields);
	OK(strstr(line(&r), "\"in\"") == NULL, "fields of a container that did not fit are dropped");
	OK(r.len > 16 && !strcmp(r.buf + r.len - 16, "],\"trunc\":true}\n"), "full record ends with trunc");
	OK(one_json_line(r.buf, r.len), "full record is one JSON line");
	big[100] = 'v';
}

static void test_prepend(void)
{
	static char lines[CT_LINE_MAX];
	struct ct_rec r;
	const char *mod = "{\"t\":\"mod\",\"n\":1}\n";
	ct_rec_begin_at(&r, "x", 3);
	ct_rec_int(&r, "a", 1);
	CHECK_INT(ct_rec_prepend(&r, mod, strlen(mod)), 1, "prepend of a short line");
	ct_rec_int(&r, "b", 2);
	ct_rec_finish(&r);
	CHECK_STR(line(&r), "{\"t\":\"mod\",\"n\":1}\n{\"t\":\"x\",\"ts\":3,\"a\":1,\"b\":2}\n",
	          "the prepended line comes first, the record after it, in one buffer");
	memset(lines, ' ', sizeof lines);
	ct_rec_begin_at(&r, "x", 3);
	CHECK_INT(ct_rec_prepend(&r, lines, CT_LINE_MAX * 3 / 4 + 1), 0,
	          "prepend refused when it leaves the record less than a quarter");
	ct_rec_finish(&r);
	CHECK_STR(line(&r), "{\"t\":\"x\",\"ts\":3}\n", "a refused prepend leaves the record as it was");
}

/* Random calls, random bytes, deep nesting (past the 16 levels the builder tracks): every finished
 * record must still be one valid JSON line within the size limit. */
static void test_random(void)
{
	static struct ct_rec r;
	char val[300], key[12];
	int bad = 0, over = 0, runs = 2000;
	srand(16);
	for (int run = 0; run < runs; run++) {
		int ops = rand() % 200, depth = 0;
		char is_arr[256] = {0}; /* the caller's side: keys in objects, none in arrays */
		ct_rec_begin_at(&r, "r", (uint64_t)run);
		for (int i = 0; i < ops; i++) {
			size_t n = (size_t)(rand() % (int)sizeof val);
			const char *k = is_arr[depth] ? NULL : key;
			for (size_t j = 0; j < n; j++)
				val[j] = (char)(rand() % 256);
			for (size_t j = 0; j < sizeof key - 1; j++)
				key[j] = (char)(rand() % 4 ? 'a' + rand() % 26 : rand() % 256);
			key[sizeof key - 1] = 0;
			switch (rand() % 9) {
			case 0:
			case 1:
				if (depth + 1 < (int)sizeof is_arr) {
					int arr = rand() % 2;
					if (arr)
						ct_rec_arr(&r, k);
					else
						ct_rec_obj(&r, k);
					is_arr[++depth] = (char)arr;
				}
				break;
			case 2:
				if (depth) {
					ct_rec_end(&r);
					depth--;
				}
				break;
			case 3:
				ct_rec_int(&r, k, (long long)rand() - RAND_MAX / 2);
				break;
			case 4:
				ct_rec_hex(&r, k, (uint64_t)rand() << 20);
				break;
			case 5:
				ct_rec_bool(&r, k, rand() % 2);
				break;
			default:
				ct_rec_strn(&r, k, val, n);
			}
		}
		ct_rec_finish(&r);
		bad += !one_json_line(r.buf, r.len);
		over += r.len > CT_LINE_MAX;
	}
	CHECK_INT(bad, 0, "%d random records are each one valid JSON line", runs);
	CHECK_INT(over, 0, "no random record exceeds CT_LINE_MAX");
}

int main(void)
{
	test_nesting();
	test_escaping();
	test_too_long();
	test_prepend();
	test_random();
	return CHECK_DONE();
}
