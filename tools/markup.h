/* SPDX-License-Identifier: MIT */
/* markup.h: trace strings written into XML and HTML (JUnit, the HTML report). */
#ifndef MARKUP_H
#define MARKUP_H
#include <stdio.h>

/* Writes s as XML/HTML character data or attribute value: first made printable as text_escape does
 * (control characters, bytes that are not UTF-8, bidirectional overrides as \xNN, newline as \n), then
 * & < > " ' as character references. NULL writes nothing. */
void put_markup(FILE *out, const char *s);
/* Each of the n strings v[] as put_markup writes it, between before and after (a list's items). */
void put_markup_items(FILE *out, char *const *v, size_t n, const char *before, const char *after);

#endif
