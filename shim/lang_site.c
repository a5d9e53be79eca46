/* SPDX-License-Identifier: MIT */
/* lang_site.c: language-level call sites and runtime records, shared by the runtime adapters
 * (python.c, node.c); see lang_site.h. */
#include <string.h>

#include "lang_site.h"

void ct_lang_copy(char *dst, size_t n, const char *s, size_t len, int keep_tail)
{
	if (len >= n) {
		if (keep_tail)
			s += len - (n - 1);
		len = n - 1;
	}
	memcpy(dst, s, len);
	dst[len] = 0;
}

void ct_lang_site(struct ct_pysite *site, const char *lang, const char *file, size_t file_len, int line,
                  const char *func, size_t func_len, int module_level)
{
	ct_lang_copy(site->file, sizeof site->file, file, file_len, 1);
	ct_lang_copy(site->func, sizeof site->func, func, func_len, 0);
	site->line = line;
	site->module_level = module_level;
	site->lang = lang;
	site->set = 1;
}

void ct_lang_runtime(const char *name, const char *version, const char *reads, const char *why)
{
	struct ct_rec r;
	ct_rec_begin(&r, "runtime");
	ct_rec_str(&r, "name", name);
	ct_rec_str(&r, "version", version);
	ct_rec_str(&r, "reads", reads);
	ct_rec_str(&r, "why", why);
	ct_rec_emit(&r);
}
