/* SPDX-License-Identifier: MIT */
/* ring.c: the tail ring of a capped trace file (docs/trace-format.md#cap): its records put back in
 * the order they were written, and the number overwritten counted. */
#include <stdlib.h>
#include <string.h>

#include "reader.h"

/* Past a cap record with "head", a line is a ring record only when it starts as one; anything else
 * is the remnant of an older record partly overwritten, expected and not an error. */
int ring_line(const char *line, size_t len)
{
	return len >= 7 && !memcmp(line, "{\"seq\":", 7);
}

static long long seq_of(const cJSON *r)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(r, "seq");
	return cJSON_IsNumber(s) ? (long long)s->valuedouble : 0;
}

static int cmp_seq(const void *a, const void *b)
{
	long long x = seq_of(*(cJSON *const *)a), y = seq_of(*(cJSON *const *)b);
	return (x > y) - (x < y);
}

/* Orders the records after the cap record (index at) by seq and writes on the cap record how many
 * went into the ring and were not found ("dropped"): the highest seq is the number given to it. */
void ring_order(struct trace *t, size_t at)
{
	size_t n = t->n - at - 1, kept = 0;
	long long top = 0;
	cJSON **v = t->recs + at + 1;
	if (n)
		qsort(v, n, sizeof(cJSON *), cmp_seq);
	for (size_t i = 0; i < n; i++) {
		long long s = seq_of(v[i]);
		if (s > top)
			top = s;
		kept += i == 0 || s != seq_of(v[i - 1]);
	}
	cJSON_AddNumberToObject(t->recs[at], "dropped", (double)(top - (long long)kept));
	cJSON_AddNumberToObject(t->recs[at], "kept", (double)kept);
}
