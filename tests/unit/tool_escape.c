/* SPDX-License-Identifier: MIT */
/* tool_escape.c: unit tests of text_escape (tools/escape.c): what the text report prints for trace strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "render.h"

/* text_escape(in) is want; a failure shows both (test strings, no secrets). */
static void escapes_to(const char *what, const char *in, const char *want)
{
	char *got = text_escape(in);

	CHECK_STR(got, want, "%s", what);
	free(got);
}

int main(void)
{
	escapes_to("plain ASCII unchanged", "python3 app.py --port 8080", "python3 app.py --port 8080");
	escapes_to("empty string", "", "");
	escapes_to("newline, tab, CR", "a\nb\tc\rd", "a\\nb\\tc\\rd");
	escapes_to("ESC and other C0 controls", "\x1b[2J\x01\x1f", "\\x1b[2J\\x01\\x1f");
	escapes_to("DEL", "a\x7f", "a\\x7f");
	escapes_to("backslash kept as is", "C:\\dir", "C:\\dir");
	escapes_to("UTF-8 unchanged", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91",
	           "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91");
	escapes_to("invalid byte",
	           "a\xff"
	           "b",
	           "a\\xffb");
	escapes_to("truncated sequence at the end", "ab\xe6\x97", "ab\\xe6\\x97");
	escapes_to("lead byte then ASCII", "\xc3(", "\\xc3(");
	escapes_to("overlong '/'", "\xc0\xaf", "\\xc0\\xaf");
	escapes_to("UTF-16 surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80");
	escapes_to("above U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	escapes_to("C1 control CSI (U+009B)",
	           "\xc2\x9b"
	           "31m",
	           "\\xc2\\x9b31m");
	escapes_to("right-to-left override (U+202E)",
	           "\xe2\x80\xae"
	           "txt",
	           "\\xe2\\x80\\xaetxt");
	escapes_to("first strong isolate (U+2068)", "\xe2\x81\xa8", "\\xe2\\x81\\xa8");
	escapes_to("U+2030 (per mille) unchanged", "\xe2\x80\xb0", "\xe2\x80\xb0");
	escapes_to("all escapes at once (worst-case growth)", "\x01\x01\x01", "\\x01\\x01\\x01");
	return CHECK_DONE();
}
