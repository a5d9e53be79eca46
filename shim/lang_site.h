/* SPDX-License-Identifier: MIT */
/* lang_site.h: what the runtime adapters' shim side shares (python.c for CPython, node.c for the
 * Node and Ruby adapters): a language-level call site copied into struct ct_pysite (ct.h), and the
 * "runtime" record that says whether a runtime's reads are seen with their file:line. */
#ifndef CT_LANG_SITE_H
#define CT_LANG_SITE_H

#include <stddef.h>

#include "ct.h"

/* Copies s[0..len) into dst (n bytes, NUL-terminated). Too long: a path (keep_tail) keeps its end,
 * which says more than its start; any other text keeps its start. */
void ct_lang_copy(char *dst, size_t n, const char *s, size_t len, int keep_tail) CT_HIDDEN;

/* Fills site from a runtime's frame: file (its tail kept when long), line, function, whether the
 * frame is a module body (import time), and the site's language key (NULL: "py"). */
void ct_lang_site(struct ct_pysite *site, const char *lang, const char *file, size_t file_len, int line,
                  const char *func, size_t func_len, int module_level) CT_HIDDEN;

/* One "runtime" record: name ("python", "node", "ruby"), version (NULL: unknown), how reads are
 * seen ("audit-hook", "adapter", "getenv", "none") and why not (NULL when they are). */
void ct_lang_runtime(const char *name, const char *version, const char *reads, const char *why) CT_HIDDEN;

#endif
