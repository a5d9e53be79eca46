/* SPDX-License-Identifier: MIT */
/* value_facts.c: a value's facts (secret.c) written into a record, with the builder's public calls
 * only: the builder stays a leaf that knows no credential, and the classifier knows no JSON. */
#include "ct_secret.h"

void ct_rec_facts(struct ct_rec *r, const struct ct_facts *f)
{
	unsigned i;
	ct_rec_str(r, "state", ct_state_name(f->state));
	ct_rec_int(r, "len", (long long)f->len);
	ct_rec_arr(r, "flags");
	for (i = 0; i < CT_F_COUNT; i++)
		if (f->flags & (1u << i))
			ct_rec_str(r, NULL, ct_flag_name(i));
	ct_rec_end(r);
	ct_rec_str(r, "provider", f->provider);
	ct_rec_str(r, "entropy", f->entropy);
	ct_rec_str(r, "fp", f->fp);
}
