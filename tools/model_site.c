/* SPDX-License-Identifier: MIT */
/* model_site.c: a record's site (Python frame or native frames) to the one line the report shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "symbolize.h"

void site_parse(const cJSON *o, const struct mod *mods, size_t nmods, int node, struct site *s)
{
	cJSON *site = get(o, "site"), *py = get(site, "py"), *fr = cJSON_GetArrayItem(get(site, "frames"), 0);
	char buf[1024];

	(void)node;
	if (cJSON_IsObject(py)) {
		const char *fn = str(py, "func");
		snprintf(buf, sizeof buf, "%s:%lld%s%s%s", str(py, "file") ? str(py, "file") : "?",
		         json_num(py, "line", 0), fn ? " (" : "", fn ? fn : "", fn ? ")" : "");
		s->module_level = flag(py, "module_level", 0);
		s->text = estrdup(buf);
	} else if (cJSON_IsArray(fr)) {
		long id;
		cJSON *idv = cJSON_GetArrayItem(fr, 0), *offv = cJSON_GetArrayItem(fr, 1);
		unsigned long long off = cJSON_IsString(offv) ? strtoull(offv->valuestring, NULL, 16) : 0;
		const struct mod *m = NULL;
		struct sym_result r;
		memset(&r, 0, sizeof r);
		id = cJSON_IsNumber(idv) ? (long)idv->valuedouble : -1;
		for (size_t i = 0; i < nmods; i++)
			if (mods[i].id == id)
				m = &mods[i];
		if (id == 0) /* in no loaded object: JIT code; the offset is the address */
			snprintf(buf, sizeof buf, "0x%llx (no module: JIT code?)", off);
		else if (!m)
			snprintf(buf, sizeof buf, "module %ld+0x%llx", id, off);
		else if (sym_lookup(m->path, m->build_id, off, &r) && r.func[0] && r.file[0])
			snprintf(buf, sizeof buf, "%s (%s:%d)", r.func, r.file, r.line);
		else if (r.func[0])
			snprintf(buf, sizeof buf, "%s (%s+0x%llx)", r.func, path_base(m->path), off);
		else
			snprintf(buf, sizeof buf, "%s+0x%llx", path_base(m->path), off);
		s->text = estrdup(buf);
	}
}