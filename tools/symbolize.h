/* SPDX-License-Identifier: MIT */
/* symbolize.h: turn (module path, build id, offset) into function and file:line with elfutils libdw. */
#ifndef SYMBOLIZE_H
#define SYMBOLIZE_H
#include <stddef.h>
#include <stdint.h>

struct sym_result {
	char func[256]; /* "" when unknown */
	char file[512]; /* "" when no debug info */
	int line;       /* 0 when unknown */
};
/* Looks the module up by path (checking its build id when given; a mismatch, e.g. the file changed
 * since the trace was taken, gives no result) and then by build id in the debuginfo directories.
 * Returns 1 with *out filled, 0 when nothing is known. Results are cached per module. */
int sym_lookup(const char *path, const char *build_id, uint64_t offset, struct sym_result *out);
void sym_cleanup(void); /* frees every cached module */
#endif
