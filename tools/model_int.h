/* SPDX-License-Identifier: MIT */
/* model_int.h: what the model's files (model.c, model_site.c, model_link.c, model_query.c) share. */
#ifndef MODEL_INT_H
#define MODEL_INT_H
#include <stddef.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "model.h"

/* Appends a zeroed element and returns it. The capacity is the next power of two of n (arrays only
 * grow by PUSH): a realloc at each power of two, not at each element, whose copies made reading a
 * busy trace quadratic (issue 14). */
#define PUSH(arr, n)                                                                                         \
	(((n) & ((n)-1)) == 0                                                                                \
	     ? (void)((arr) = erealloc((arr), ((n) ? 2 * (n) : 1) * sizeof(__typeof__(*(arr)))))             \
	     : (void)0,                                                                                      \
	 (arr)[(n)] = (__typeof__(*(arr))){0}, &(arr)[(n)++])

/* Field access: a missing or mistyped field reads as absent (NULL, the default). */
static inline cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static inline const char *str(const cJSON *o, const char *k)
{
	cJSON *v = get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long json_num(const cJSON *o, const char *k, long long dflt); /* clamped to long long */

static inline int flag(const cJSON *o, const char *k, int dflt)
{
	cJSON *v = get(o, k);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

/* A module named by a trace file's mod records; its strings belong to the records. */
struct mod {
	long id;
	const char *path, *build_id;
};

/* What a site belongs to. A read or set (SITE_ENV) comes from JavaScript's process.env when its
 * innermost frames are Node's accessors, from node --env-file when they are node::Dotenv; a read in a
 * Node.js process (exe node or nodejs, SITE_READ_NODE) is process.env also without frames. */
enum site_kind { SITE_OTHER, SITE_ENV, SITE_READ_NODE };

/* Renders rec's "site" (Python frame, process.env, or the innermost native frame, symbolized). */
void site_parse(const cJSON *rec, const struct mod *mods, size_t nmods, enum site_kind kind, struct site *s);
/* 1 when a symbolized native function is Node's process.env accessor (uv_os_getenv, uv_os_setenv,
 * node::EnvGetter, node::KVStore..., mangled or not). */
int site_is_node_env(const char *func);
int site_is_node_dotenv(const char *func); /* node::Dotenv::SetEnvironment: node --env-file */

void parse_facts(const cJSON *o, struct facts *f); /* the facts fields of o (model.c) */
void free_facts(struct facts *f);
/* A `wire` or `wire_status` record (model_wire.c), and freeing them. */
void model_wire_add(struct proc *p, const cJSON *r, long long ts);
void model_wire_free(struct proc *p);
/* An `agg` record of kind "wire": the count of the `wire` record of its id. */
void model_wire_agg(struct proc *p, const cJSON *r);
const char *path_base(const char *p); /* "python3" for "/usr/bin/python3" */
void model_link(struct model *m);     /* parents, children and blind spots, once every proc is read */

#endif
