/* SPDX-License-Identifier: MIT */
/* env_set_loop: sets OPENAI_API_KEY to N different placeholder values from one call site, the
 * config-reload loop of issue 14 whose report must stay readable. argv[1]: N (default 2000). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	char v[64];
	for (int i = 0; i < n; i++) {
		snprintf(v, sizeof v, "reload-%d-not-a-real-key", i);
		setenv("OPENAI_API_KEY", v, 1);
	}
	puts("done");
	return 0;
}
