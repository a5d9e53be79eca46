/* SPDX-License-Identifier: MIT */
/* backtrace.c: call sites for records (stub until the libunwind-based capture lands). */
#include "ct.h"

__thread struct ct_pysite ct_pysite;
int ct_bt_child_fresh;

static void copy_why(char *why, size_t whylen, const char *s)
{
	size_t i = 0;
	if (!why || whylen == 0)
		return;
	for (; s[i] && i + 1 < whylen; i++)
		why[i] = s[i];
	why[i] = 0;
}

int ct_bt_init(char *why, size_t whylen)
{
	copy_why(why, whylen, "off: not yet");
	return 0;
}

int ct_bt_capture(uintptr_t *ips, int max)
{
	(void)ips;
	(void)max;
	return 0;
}

void ct_rec_frames(struct ct_rec *r, const uintptr_t *ips, int n)
{
	(void)r;
	(void)ips;
	(void)n;
}

void ct_rec_site(struct ct_rec *r, int skip)
{
	(void)skip;
	ct_rec_obj(r, "site");
	if (ct_pysite.set) {
		ct_rec_obj(r, "py");
		ct_rec_str(r, "file", ct_pysite.file);
		ct_rec_int(r, "line", ct_pysite.line);
		ct_rec_str(r, "func", ct_pysite.func);
		ct_rec_bool(r, "module_level", ct_pysite.module_level);
		ct_rec_end(r);
		ct_pysite.set = 0;
	} else {
		ct_rec_str(r, "bt", "off");
	}
	ct_rec_end(r);
}
