/* SPDX-License-Identifier: MIT */
/* cli_shared.c: what `report` and `snap` share: --name VALUE, whether to colour, the exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "rules.h"

int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

int stdout_colour(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && *nc);
}

int written_status(const char *cmd, const struct findings *fs, int fail_level, int rc)
{
	if (fflush(stdout) == EOF) {
		weprintf("%s: write error:", cmd);
		rc = 2;
	}
	for (size_t i = 0; !rc && i < fs->n; i++)
		if ((int)fs->v[i].sev >= fail_level)
			rc = 1;
	return rc;
}
