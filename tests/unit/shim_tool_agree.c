/* SPDX-License-Identifier: MIT */
/* shim_tool_agree.c: the shim and the CLI read the same answers from shim/cred_table.h: every known
 * credential is recorded by the shim and known to the CLI with the same provider; flag, state and
 * schema words match; the table is consistent (every `of` names a row, no alternative of an
 * alternative); two names of one credential are never near misses of each other. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ct.h"
#include "cred_info.h"
#include "model.h"
#include "names.h"
#include "reader.h"

const char *ct_cred_provider(const char *name);

#define EXACT_STR(s) s,
static const char *const exact[] = {CT_NAME_EXACT(EXACT_STR)};
#define FLAGVAR(f, v, on) v,
static const char *const flag_vars[] = {CT_FEATURE_FLAGS(FLAGVAR)};

/* The table as docs/findings.md shows it (tests/cases/43-cred-table-doc.sh keeps the two equal). */
static int markdown(void)
{
	printf("| variable | provider | role | credential | needed | read by (SDK source) |\n");
	printf("|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < cred_info_count(); i++) {
		const struct cred_info *c = cred_info_at(i);
		enum ct_feature feat;
		enum ct_role base = cred_base_role(c->name, &feat);
		const char *need = c->role == CT_ROLE_OPTIONAL && !c->provider[0] ? "never (a setting)"
		                   : base == CT_ROLE_PRIMARY ? "unless another name of it is set"
		                   : base == CT_ROLE_FEATURE ? cred_feature_label(feat)
		                                             : "never (a probe)";
		printf("| `%s` | %s | %s | %s | %s%s | %s |\n", c->name, c->provider[0] ? c->provider : "-",
		       cred_role_name(c->role), c->of[0] ? c->of : "-", need,
		       base == CT_ROLE_FEATURE ? " on" : "", c->source);
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = cred_info_count();

	if (argc > 1 && !strcmp(argv[1], "--markdown"))
		return markdown();
	ct_cred_configure(NULL);
	OK(n > 20, "the table has rows");
	for (size_t i = 0; i < n; i++) {
		const struct cred_info *c = cred_info_at(i), *of;
		OK(ct_cred_name(c->name), "the shim records every table name (a rule or CT_NAME_EXACT): %s",
		   c->name);
		OK(cred_info(c->name) == c, "one row per name: %s", c->name);
		OK(!strcmp(ct_cred_provider(c->name), c->provider), "shim and CLI give the same provider: %s",
		   c->name);
		of = c->of[0] ? cred_info(c->of) : c;
		OK(of != NULL, "`of` names a row: %s", c->name);
		OK(!of || of->role != CT_ROLE_ALTERNATIVE, "an alternative is of a non-alternative row: %s",
		   c->name);
		OK(c->role != CT_ROLE_ALTERNATIVE || c->of[0], "an alternative says what of: %s", c->name);
		OK((c->role == CT_ROLE_FEATURE) == (c->feature != CT_FEAT_NONE),
		   "feature rows name a feature: %s", c->name);
		OK(c->source && c->source[0], "every row cites its source: %s", c->name);
		for (size_t k = 0; k < n; k++) {
			const struct cred_info *d = cred_info_at(k);
			if (k != i && cred_same(c->name, d->name))
				OK(!names_near(c->name, d->name),
				   "alternatives are never a name mismatch: %s", d->name);
		}
	}
	for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
		OK(ct_cred_name(exact[i]), "CT_NAME_EXACT names are recorded: %s", exact[i]);
	for (size_t i = 0; i < sizeof flag_vars / sizeof *flag_vars; i++)
		OK(!ct_cred_name(flag_vars[i]), "feature flags are seen by feature.c, not as credentials: %s",
		   flag_vars[i]);
	OK(CT_F_COUNT == F_COUNT, "flag count");
	for (unsigned b = 0; b < CT_F_COUNT; b++)
		OK(!strcmp(ct_flag_name(b), flag_names[b]), "flag names: %s", flag_names[b]);
	OK(CT_F_SHORT == F_SHORT && CT_F_FOREIGN_PREFIX == F_FOREIGN && CT_F_WHITESPACE == F_WHITESPACE,
	   "flag bits");
	for (int s = CT_ABSENT; s <= CT_PRESENT; s++)
		OK(!strcmp(ct_state_name((enum ct_state)s), state_name((enum cstate)s)), "state names");
	OK(!strcmp(CT_SCHEMA, READER_SCHEMA), "trace schema");
	OK(cred_feature_by_name("langsmith_tracing") == CT_FEAT_LANGSMITH_TRACING, "feature names");
	return CHECK_DONE();
}
