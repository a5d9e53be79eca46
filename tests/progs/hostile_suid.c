/* SPDX-License-Identifier: MIT */
/* hostile_suid.c: a tiny host run setuid or linked static: says who it is and what it sees, never
 * a value. With an argument NAME it also says whether a file named NAME is mapped into it (did ld.so
 * preload it?). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *v = getenv("OPENAI_API_KEY");
	printf("euid differs from uid: %s\n", geteuid() != getuid() ? "yes" : "no");
	printf("key %s len %zu\n", v ? "present" : "absent", v ? strlen(v) : 0);
	if (setenv("ANTHROPIC_API_KEY", "", 1) == 0 && getenv("ANTHROPIC_API_KEY"))
		printf("setenv works\n");
	if (argc > 1) {
		FILE *f = fopen("/proc/self/maps", "r");
		char line[4096];
		int found = 0;
		while (f && fgets(line, sizeof line, f))
			found |= strstr(line, argv[1]) != NULL;
		if (f)
			fclose(f);
		printf("mapped %s: %s\n", argv[1], found ? "yes" : "no");
	}
	return 0;
}
