/* SPDX-License-Identifier: MIT */
/* env_many_reads: a million getenv("HOME") and 100k reads of a credential from one site: the trace
 * must stay small (one record per site, counts at exit). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	long i, n = 0;
	for (i = 0; i < 1000000; i++)
		n += getenv("HOME") != NULL;
	for (i = 0; i < 100000; i++)
		n += getenv("OPENAI_API_KEY") != NULL;
	printf("%ld\n", n);
	return 0;
}
