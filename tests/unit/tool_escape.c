/* SPDX-License-Identifier: MIT */
/* tool_escape.c: unit tests of text_escape (tools/escape.c): what the text report prints for trace strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static int failed;

static void expect(const char *what, const char *in, const char *want)
{
	char *got = text_escape(in);

	if (!strcmp(got, want)) {
		printf("ok - %s\n", what);
	} else {
		printf("not ok - %s: got [%s] want [%s]\n", what, got, want);
		failed = 1;
	}
	free(got);
}

int main(void)
{
	expect("plain ASCII unchanged", "python3 app.py --port 8080", "python3 app.py --port 8080");
	expect("empty string", "", "");
	expect("newline, tab, CR", "a\nb\tc\rd", "a\\nb\\tc\\rd");
	expect("ESC and other C0 controls", "\x1b[2J\x01\x1f", "\\x1b[2J\\x01\\x1f");
	expect("DEL", "a\x7f", "a\\x7f");
	expect("backslash kept as is", "C:\\dir", "C:\\dir");
	expect("UTF-8 unchanged", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91",
	       "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91");
	expect("invalid byte",
	       "a\xff"
	       "b",
	       "a\\xffb");
	expect("truncated sequence at the end", "ab\xe6\x97", "ab\\xe6\\x97");
	expect("lead byte then ASCII", "\xc3(", "\\xc3(");
	expect("overlong '/'", "\xc0\xaf", "\\xc0\\xaf");
	expect("UTF-16 surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80");
	expect("above U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	expect("C1 control CSI (U+009B)",
	       "\xc2\x9b"
	       "31m",
	       "\\xc2\\x9b31m");
	expect("right-to-left override (U+202E)",
	       "\xe2\x80\xae"
	       "txt",
	       "\\xe2\\x80\\xaetxt");
	expect("first strong isolate (U+2068)", "\xe2\x81\xa8", "\\xe2\\x81\\xa8");
	expect("U+2030 (per mille) unchanged", "\xe2\x80\xb0", "\xe2\x80\xb0");
	expect("all escapes at once (worst-case growth)", "\x01\x01\x01", "\\x01\\x01\\x01");
	return failed;
}
