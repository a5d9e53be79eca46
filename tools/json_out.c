/* SPDX-License-Identifier: MIT */
/* json_out.c: a report written section by section instead of printed whole from one tree, so that
 * memory follows the model and not the size of the output (issue 14). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_out.h"

int json_put(FILE *out, const cJSON *j, int tabs)
{
	char *s = cJSON_Print(j), *nl;
	int rc = 0;

	if (!s)
		eprintf("out of memory:");
	/* A newline in cJSON's output is always its own (strings escape theirs): after each, the
	 * depth this value has in the document. */
	for (char *p = s; p; p = nl + 1) {
		size_t n;
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (fwrite(p, 1, n, out) != n)
			rc = -1;
		if (!nl)
			break;
		for (int k = 0; k < tabs; k++)
			putc('\t', out);
	}
	free(s);
	return rc;
}
