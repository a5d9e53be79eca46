/* SPDX-License-Identifier: MIT */
/* feature.c: "feature" records: whether a feature whose credential is needed only when it is on
 * (LangSmith tracing: CT_FEATURE_FLAGS in cred_table.h) is on, at start and after the program
 * changes one of its flag variables. Flag values are not secrets, but only on/off is written. */
#include <errno.h>
#include <string.h>

#include "ct.h"

extern char **environ;

struct flag_row {
	unsigned char feature;
	const char *var, *on;
};
#define FLAG_ROW(f, v, on) {CT_FEAT_##f, v, on},
static const struct flag_row flag_rows[] = {CT_FEATURE_FLAGS(FLAG_ROW)};
#undef FLAG_ROW
#define FEAT_NAME(id, str, label) str,
static const char *const feat_names[CT_FEAT_COUNT] = {CT_FEATURES(FEAT_NAME)};
#undef FEAT_NAME
#define NFLAGS (sizeof flag_rows / sizeof flag_rows[0])

int ct_feature_var(const char *name, size_t n)
{
	for (size_t i = 0; name && i < NFLAGS; i++)
		if (strlen(flag_rows[i].var) == n && !memcmp(name, flag_rows[i].var, n))
			return 1;
	return 0;
}

/* Is feature f on in envp? Any one of its flags holding exactly its value. */
static int feature_on(char *const *envp, unsigned f)
{
	for (size_t i = 0; i < NFLAGS; i++) {
		const char *v;
		if (flag_rows[i].feature == f && (v = ct_env_lookup(envp, flag_rows[i].var)) &&
		    !strcmp(v, flag_rows[i].on))
			return 1;
	}
	return 0;
}

static void feature_record(unsigned f, int on)
{
	struct ct_rec r;
	ct_rec_begin(&r, "feature");
	ct_rec_str(&r, "name", feat_names[f]);
	ct_rec_bool(&r, "on", on);
	ct_rec_emit(&r);
}

void ct_feature_snapshot(char *const *envp)
{
	for (unsigned f = 1; f < CT_FEAT_COUNT; f++)
		if (feature_on(envp, f))
			feature_record(f, 1);
}

void ct_feature_changed(void)
{
	CT_KEEP_ERRNO; /* also when ct_self's kcmp fails in a vfork child and we return early */
	if (!ct_g_on || ct_g_guard || ct_self() == CT_SELF_VFORK)
		return;
	ct_g_guard = 1;
	for (unsigned f = 1; f < CT_FEAT_COUNT; f++)
		feature_record(f, feature_on(environ, f));
	ct_g_guard = 0;
}
