/* SPDX-License-Identifier: MIT */
/* model_site.c: a record's site (Python frame or native frames) to the one line the report shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "symbolize.h"

/* How many innermost native frames may show that a read or set is Node's (process.env, --env-file). */
#define NODE_FRAMES 4

int site_is_node_env(const char *func)
{
	/* libuv's accessors, and Node's environment store (node::EnvGetter, node::RealEnvStore::Get,
	 * node::KVStore::Clone...), demangled or not (_ZN4nodeL9EnvGetter..., _ZNK4node12RealEnvStore...). */
	static const char *const node_env[] = {"EnvGetter",     "EnvSetter",    "EnvDeleter", "EnvQuery",
	                                       "EnvEnumerator", "RealEnvStore", "KVStore"};

	if (!strcmp(func, "uv_os_getenv") || !strcmp(func, "uv_os_setenv") || !strcmp(func, "uv_os_unsetenv"))
		return 1;
	if (!strstr(func, "node"))
		return 0;
	for (size_t i = 0; i < sizeof node_env / sizeof node_env[0]; i++)
		if (strstr(func, node_env[i]))
			return 1;
	return 0;
}

static const struct mod *mod_of(const struct mod *mods, size_t nmods, long id)
{
	for (size_t i = 0; i < nmods; i++)
		if (mods[i].id == id)
			return &mods[i];
	return NULL;
}

/* Frame k of frames, symbolized when its module is known: returns its module (NULL when none). */
static const struct mod *frame(const cJSON *frames, int k, const struct mod *mods, size_t nmods, long *id,
                               unsigned long long *off, struct sym_result *r)
{
	cJSON *fr = cJSON_GetArrayItem(frames, k), *idv = cJSON_GetArrayItem(fr, 0),
	      *offv = cJSON_GetArrayItem(fr, 1);
	const struct mod *m;

	memset(r, 0, sizeof *r);
	*id = cJSON_IsNumber(idv) && idv->valuedouble >= 0 && idv->valuedouble < 1e9 ? (long)idv->valuedouble
	                                                                             : -1;
	*off = cJSON_IsString(offv) ? strtoull(offv->valuestring, NULL, 16) : 0;
	if (*id <= 0 || !(m = mod_of(mods, nmods, *id)))
		return NULL;
	sym_lookup(m->path, m->build_id, *off, r);
	return m;
}

int site_is_node_dotenv(const char *func)
{
	return strstr(func, "node") && strstr(func, "Dotenv");
}

enum node_site { NS_NONE, NS_JS, NS_DOTENV };

/* node --env-file reads and sets through the same store as process.env, from node::Dotenv: look at
 * every innermost frame before deciding. */
static enum node_site node_frames(const cJSON *frames, const struct mod *mods, size_t nmods)
{
	enum node_site ns = NS_NONE;

	for (int k = 0; k < NODE_FRAMES && k < cJSON_GetArraySize(frames); k++) {
		long id;
		unsigned long long off;
		struct sym_result r;
		if (!frame(frames, k, mods, nmods, &id, &off, &r))
			continue;
		if (site_is_node_dotenv(r.func))
			return NS_DOTENV;
		if (site_is_node_env(r.func))
			ns = NS_JS;
	}
	return ns;
}

void site_parse(const cJSON *o, const struct mod *mods, size_t nmods, enum site_kind kind, struct site *s)
{
	cJSON *site = get(o, "site"), *py = get(site, "py"), *frames = get(site, "frames");
	enum node_site ns = NS_NONE;
	char buf[1024];

	if (!cJSON_IsObject(py))
		py = get(site, "js"); /* the Node adapter's JavaScript frame: the same fields */
	if (!cJSON_IsObject(py))
		py = get(site, "rb"); /* the Ruby adapter's */
	if (kind != SITE_OTHER && !cJSON_IsObject(py) && cJSON_IsArray(frames))
		ns = node_frames(frames, mods, nmods);
	if (ns == NS_NONE && kind == SITE_READ_NODE && !cJSON_IsObject(py))
		ns = NS_JS; /* a Node process reads through process.env, frames or not */
	if (ns == NS_DOTENV) {
		s->text = estrdup("node --env-file (node::Dotenv, before any JavaScript runs)");
	} else if (ns == NS_JS) {
		/* Every process.env access has the same native frames, and none carries the JavaScript line.
		 */
		s->js = 1;
		s->text =
		    estrdup("process.env (JavaScript; file:line not recorded, see docs/runtimes.md#nodejs)");
	} else if (cJSON_IsObject(py)) {
		const char *fn = str(py, "func");
		snprintf(buf, sizeof buf, "%s:%lld%s%s%s", str(py, "file") ? str(py, "file") : "?",
		         json_num(py, "line", 0), fn ? " (" : "", fn ? fn : "", fn ? ")" : "");
		s->module_level = flag(py, "module_level", 0);
		s->text = estrdup(buf);
	} else if (cJSON_GetArraySize(frames) > 0) {
		long id;
		unsigned long long off;
		struct sym_result r;
		const struct mod *m = frame(frames, 0, mods, nmods, &id, &off, &r);
		if (id == 0) /* in no loaded object: JIT code; the offset is the address */
			snprintf(buf, sizeof buf, "0x%llx (no module: JIT code?)", off);
		else if (!m)
			snprintf(buf, sizeof buf, "module %ld+0x%llx", id, off);
		else if (r.func[0] && r.file[0])
			snprintf(buf, sizeof buf, "%s (%s:%d)", r.func, r.file, r.line);
		else if (r.func[0])
			snprintf(buf, sizeof buf, "%s (%s+0x%llx)", r.func, path_base(m->path), off);
		else
			snprintf(buf, sizeof buf, "%s+0x%llx", path_base(m->path), off);
		s->text = estrdup(buf);
	}
}
