/* SPDX-License-Identifier: MIT */
/* baseline.c: finding keys from a JSON report, and hiding the findings of this report that match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "baseline.h"
#include "cli.h"
#include "where.h"

static const char *base(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;
	return s ? s + 1 : p ? p : "?";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "CODE|VAR|prog1,prog2": the programs sorted, each once. progs is reordered. */
static char *make_key(const char *code, const char *var, const char **progs, size_t n)
{
	size_t len = strlen(code) + strlen(var ? var : "") + 4, o;
	char *k;

	qsort(progs, n, sizeof *progs, cmp_str);
	for (size_t i = 0; i < n; i++)
		len += strlen(progs[i]) + 1;
	k = erealloc(NULL, len);
	o = (size_t)sprintf(k, "%s|%s|", code, var ? var : "");
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(progs[i], progs[i - 1]) != 0)
			o += (size_t)sprintf(k + o, "%s%s", o > 0 && k[o - 1] != '|' ? "," : "", progs[i]);
	return k;
}

/* Adds to progs the programs of every process of the report with that pid: pids repeat across hosts
 * (every container's entrypoint is pid 1), and a finding does not say which host it means. */
static void json_programs(const cJSON *procs, double pid, const char **progs, size_t *n, size_t max)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, procs)
	{
		const cJSON *jp = cJSON_GetObjectItem(p, "pid"), *argv = cJSON_GetObjectItem(p, "argv");
		const cJSON *exe = cJSON_GetObjectItem(p, "exe"), *a;
		char *v[64];
		size_t na = 0;
		if (!cJSON_IsNumber(jp) || jp->valuedouble != pid || *n >= max)
			continue;
		cJSON_ArrayForEach(a, argv)
		{
			if (na < 64 && cJSON_IsString(a))
				v[na++] = a->valuestring;
		}
		progs[(*n)++] = base(program_of(v, na, cJSON_IsString(exe) ? exe->valuestring : NULL));
	}
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, r;

	if (!f)
		return NULL;
	do {
		buf = erealloc(buf, n + 65536 + 1);
		r = fread(buf + n, 1, 65536, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

int baseline_load(const char *path, struct baseline *b)
{
	char *text = read_all(path);
	cJSON *root, *schema, *procs, *finds, *f;

	memset(b, 0, sizeof *b);
	if (!text) {
		weprintf("report: --baseline %s:", path);
		return -1;
	}
	root = cJSON_Parse(text);
	free(text);
	schema = cJSON_GetObjectItem(root, "schema");
	procs = cJSON_GetObjectItem(root, "processes");
	finds = cJSON_GetObjectItem(root, "findings");
	if (!cJSON_IsString(schema) || strncmp(schema->valuestring, "credtrace.report/", 17) != 0 ||
	    !cJSON_IsArray(finds)) {
		weprintf("report: --baseline %s: not a JSON report of credtrace (make one with "
		         "`credtrace report --format json`)",
		         path);
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(f, finds)
	{
		const cJSON *code = cJSON_GetObjectItem(f, "code"), *var = cJSON_GetObjectItem(f, "variable");
		const cJSON *pids = cJSON_GetObjectItem(f, "pids"), *pid;
		const char *progs[256];
		size_t n = 0;
		if (!cJSON_IsString(code))
			continue;
		cJSON_ArrayForEach(pid, pids)
		{
			if (cJSON_IsNumber(pid))
				json_programs(procs, pid->valuedouble, progs, &n, 256);
		}
		b->keys = erealloc(b->keys, (b->n + 1) * sizeof *b->keys);
		b->keys[b->n++] =
		    make_key(code->valuestring, cJSON_IsString(var) ? var->valuestring : NULL, progs, n);
	}
	cJSON_Delete(root);
	return 0;
}

static char *finding_key(const struct model *m, const struct finding *f)
{
	const char *progs[256];
	size_t n = 0;

	/* As json_programs: every process with one of the pids. */
	for (size_t i = 0; i < f->npids; i++)
		for (size_t j = 0; j < m->n && n < 256; j++)
			if (m->procs[j]->pid == f->pids[i])
				progs[n++] = base(proc_program(m->procs[j]));
	return make_key(code_name(f->code), f->var, progs, n);
}

size_t baseline_apply(const struct baseline *b, const struct model *m, struct findings *fs)
{
	struct findings gone = {NULL, 0};
	size_t w = 0;

	for (size_t i = 0; i < fs->n; i++) {
		char *k = finding_key(m, &fs->v[i]);
		int known = 0;
		for (size_t j = 0; j < b->n && !known; j++)
			known = !strcmp(k, b->keys[j]);
		free(k);
		if (known) {
			gone.v = erealloc(gone.v, (gone.n + 1) * sizeof *gone.v);
			gone.v[gone.n++] = fs->v[i];
		} else {
			fs->v[w++] = fs->v[i];
		}
	}
	fs->n = w;
	w = gone.n;
	findings_free(&gone);
	return w;
}

void baseline_free(struct baseline *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->keys[i]);
	free(b->keys);
	memset(b, 0, sizeof *b);
}
