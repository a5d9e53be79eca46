/* SPDX-License-Identifier: MIT */
/* model_site.c: a record's site (Python frame or native frames) to the one line the report shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "symbolize.h"

/* How many innermost native frames may show that a read is Node's process.env getter. */
#define NODE_FRAMES 4

int site_is_node_env(const char *func)
{
	/* libuv's getter, and Node's environment store (node::EnvGetter, node::RealEnvStore::Get,
	 * node::KVStore::Clone...), demangled or not (_ZN4nodeL9EnvGetter..., _ZNK4node12RealEnvStore...). */
	static const char *const node_env[] = {"EnvGetter", "EnvQuery", "EnvEnumerator", "RealEnvStore",
	                                       "KVStore"};

	if (!strcmp(func, "uv_os_getenv"))
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

static int node_env_frames(const cJSON *frames, const struct mod *mods, size_t nmods)
{
	for (int k = 0; k < NODE_FRAMES && k < cJSON_GetArraySize(frames); k++) {
		long id;
		unsigned long long off;
		struct sym_result r;
		if (frame(frames, k, mods, nmods, &id, &off, &r) && site_is_node_env(r.func))
			return 1;
	}
	return 0;
}

void site_parse(const cJSON *o, const struct mod *mods, size_t nmods, enum site_kind kind, struct site *s)
{
	cJSON *site = get(o, "site"), *py = get(site, "py"), *frames = get(site, "frames");
	char buf[1024];

	if (kind != SITE_OTHER && !cJSON_IsObject(py) &&
	    (kind == SITE_READ_NODE || (cJSON_IsArray(frames) && node_env_frames(frames, mods, nmods)))) {
		/* Every process.env read has the same native frames, and none carries the JavaScript line. */
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
