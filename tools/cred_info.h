/* SPDX-License-Identifier: MIT */
/* cred_info.h: the CLI's view of shim/cred_table.h: each known credential name's provider, role,
 * the credential it belongs to, and the feature that makes it needed. */
#ifndef CRED_INFO_H
#define CRED_INFO_H
#include <stddef.h>

#include "../shim/cred_table.h"

struct cred_info {
	const char *name;
	const char *provider; /* "openai", ...; "" when none */
	enum ct_role role;
	const char *of;          /* the credential this name is one name of (its own name when "") */
	enum ct_feature feature; /* CT_FEAT_NONE unless role is feature */
	const char *source;      /* the SDK file it was read from (docs) */
};

const struct cred_info *cred_info(const char *name); /* NULL when the table does not know name */
size_t cred_info_count(void);
const struct cred_info *cred_info_at(size_t i); /* in table order, i < cred_info_count() */
/* The credential a known name stands for: its `of`, or itself; name when unknown. */
const char *cred_credential(const char *name);
/* 1 when a and b are two names of one credential (alternatives, or a name and its alternative). */
int cred_same(const char *a, const char *b);
/* The role and feature that decide whether a missing name matters: an alternative's are those of the
 * row it is an alternative of. Unknown names: CT_ROLE_COUNT. */
enum ct_role cred_base_role(const char *name, enum ct_feature *feature);
const char *cred_role_name(enum ct_role r);
const char *cred_feature_name(enum ct_feature f);    /* trace name: "langsmith_tracing" */
const char *cred_feature_label(enum ct_feature f);   /* for messages: "LangSmith tracing" */
enum ct_feature cred_feature_by_name(const char *s); /* CT_FEAT_NONE when unknown */
/* 1 when host is one of provider's API hosts (CT_PROVIDER_HOSTS), case-insensitively. */
int cred_provider_host(const char *provider, const char *host);

#endif
