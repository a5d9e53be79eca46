/* SPDX-License-Identifier: MIT */
/* cred_info.c: lookups in the credential table the shim compiles from too (shim/cred_table.h). */
#include <string.h>
#include <strings.h>

#include "cred_info.h"

#define ROW(n, prov, role, of, feat, routed, src) {n, PROV_##prov, CT_ROLE_##role, of, CT_FEAT_##feat, src},
#define PROV_STR(id, str)                         static const char PROV_##id[] = str;
CT_PROVIDERS(PROV_STR)
#undef PROV_STR
static const struct cred_info rows[] = {CT_CREDS(ROW)};
#undef ROW

#define N(a) (sizeof(a) / sizeof((a)[0]))

const struct cred_info *cred_info(const char *name)
{
	for (size_t i = 0; name && i < N(rows); i++)
		if (!strcasecmp(rows[i].name, name)) /* the shim matches names case-insensitively too */
			return &rows[i];
	return NULL;
}

size_t cred_info_count(void)
{
	return N(rows);
}

const struct cred_info *cred_info_at(size_t i)
{
	return i < N(rows) ? &rows[i] : NULL;
}

const char *cred_credential(const char *name)
{
	const struct cred_info *c = cred_info(name);
	return c && c->of[0] ? c->of : name;
}

int cred_same(const char *a, const char *b)
{
	return cred_info(a) && cred_info(b) && !strcmp(cred_credential(a), cred_credential(b));
}

enum ct_role cred_base_role(const char *name, enum ct_feature *feature)
{
	const struct cred_info *c = cred_info(name), *base;

	*feature = CT_FEAT_NONE;
	if (!c)
		return CT_ROLE_COUNT;
	base = c;
	if (c->role == CT_ROLE_ALTERNATIVE && !(base = cred_info(c->of)))
		base = c; /* a table error the unit test catches; treat as primary-like */
	*feature = base->feature;
	return base->role == CT_ROLE_ALTERNATIVE ? CT_ROLE_PRIMARY : base->role;
}

#define STR2(id, str)         str,
#define STR3(id, str, label)  str,
#define LABEL(id, str, label) label,
const char *cred_role_name(enum ct_role r)
{
	static const char *const names[] = {CT_ROLES(STR2)};
	return (unsigned)r < N(names) ? names[r] : "unknown";
}

const char *cred_feature_name(enum ct_feature f)
{
	static const char *const names[] = {CT_FEATURES(STR3)};
	return (unsigned)f < N(names) ? names[f] : "";
}

const char *cred_feature_label(enum ct_feature f)
{
	static const char *const names[] = {CT_FEATURES(LABEL)};
	return (unsigned)f < N(names) ? names[f] : "";
}

int cred_provider_host(const char *provider, const char *host)
{
#define HOST_ROW(id, h) {PROV_##id, h},
	static const struct {
		const char *prov, *host;
	} hosts[] = {CT_PROVIDER_HOSTS(HOST_ROW)};
#undef HOST_ROW
	size_t hl;
	if (!host || !provider)
		return 0;
	hl = strlen(host);
	for (size_t i = 0; provider[0] && i < N(hosts); i++) {
		size_t l = strlen(hosts[i].host);
		if (strcmp(hosts[i].prov, provider) != 0)
			continue;
		if (hosts[i].host[0] == '.' ? hl > l && !strcasecmp(host + hl - l, hosts[i].host)
		                            : !strcasecmp(host, hosts[i].host))
			return 1;
	}
	return 0;
}

enum ct_feature cred_feature_by_name(const char *s)
{
	for (int f = 1; s && f < CT_FEAT_COUNT; f++)
		if (!strcmp(s, cred_feature_name((enum ct_feature)f)))
			return (enum ct_feature)f;
	return CT_FEAT_NONE;
}
