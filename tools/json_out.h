/* SPDX-License-Identifier: MIT */
/* json_out.h: writing cJSON values as parts of a document printed piece by piece (json_out.c). */
#ifndef JSON_OUT_H
#define JSON_OUT_H
#include <stdio.h>

#include <cjson/cJSON.h>

/* Writes j as cJSON_Print formats it when it sits tabs levels deep in a larger document (its
 * lines after the first indented by tabs more tabs): the bytes the whole document would have.
 * Returns -1 on a write error, else 0. */
int json_put(FILE *out, const cJSON *j, int tabs);

#endif
