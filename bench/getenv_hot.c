/* SPDX-License-Identifier: MIT */
/* getenv_hot: the hook's fast path. 5e7 getenv of ordinary names, 1e6 of a credential name.
 * Usage: getenv_hot [DIV]: every count divided by DIV (ltrace and callgrind run scaled versions). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long div = argc > 1 ? atol(argv[1]) : 1;
	if (div < 1)
		div = 1;
	static const char *const names[] = {"HOME", "TZ", "LANG"};
	long hot = 50000000L / div, cred = 1000000L / div;
	unsigned long found = 0;

	for (long i = 0; i < hot; i++)
		found += getenv(names[i % 3]) != NULL;
	/* The credential path: interesting name, first read per site recorded, the rest counted. */
	for (long i = 0; i < cred; i++)
		found += getenv("OPENAI_API_KEY") != NULL;
	/* Checked so the loops cannot be dropped and a missing variable is noticed. */
	if (found != (unsigned long)(hot + cred)) {
		fprintf(stderr, "getenv_hot: HOME, TZ, LANG and OPENAI_API_KEY must be set\n");
		return 1;
	}
	return 0;
}
