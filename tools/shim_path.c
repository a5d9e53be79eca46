/* SPDX-License-Identifier: MIT */
/* shim_path.c: where libcredtrace.so is, for `run` (LD_PRELOAD) and `attach` (injection). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int find_shim(char *out, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	static const char *const rel[] = {"/libcredtrace.so", "/../lib/libcredtrace.so"};
	if (len < 0)
		return -1;
	self[len] = 0;
	*strrchr(self, '/') = 0;
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		char cand[PATH_MAX + 32];
		snprintf(cand, sizeof cand, "%s%s", self, rel[i]);
		if (realpath(cand, out) && access(out, R_OK) == 0 && strlen(out) < n)
			return 0;
	}
	return -1;
}
