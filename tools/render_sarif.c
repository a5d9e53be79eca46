/* SPDX-License-Identifier: MIT */
/* render_sarif.c: SARIF 2.1.0 for code scanning (GitHub, the SARIF multitool): one rule per finding
 * code, one result per finding, located at the most telling site or, lacking one, at the program. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "code_help.h"
#include "json_out.h"
#include "render.h"
#include "where.h"

#ifndef CT_VERSION
#define CT_VERSION "unknown"
#endif
#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define ROOT_ID      "SRCROOT" /* the uriBaseId of files under the directory the report ran in */

static const char *level(enum sev s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

/* RFC 3986: everything but unreserved characters and '/' percent-encoded. */
static void uri_escape(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < n; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* An artifactLocation: relative to ROOT_ID for a file under cwd (or already relative), else an
 * absolute file: URI. */
static cJSON *artifact(const char *path, const char *cwd)
{
	cJSON *a = cJSON_CreateObject();
	size_t cl = strlen(cwd);
	char uri[4096], abs[4200];

	if (path[0] != '/' || (cl > 1 && !strncmp(path, cwd, cl) && path[cl] == '/')) {
		uri_escape(path[0] == '/' ? path + cl + 1 : path, uri, sizeof uri);
		cJSON_AddStringToObject(a, "uri", uri);
		cJSON_AddStringToObject(a, "uriBaseId", ROOT_ID);
	} else {
		uri_escape(path, uri, sizeof uri);
		snprintf(abs, sizeof abs, "file://%s", uri);
		cJSON_AddStringToObject(a, "uri", abs);
	}
	return a;
}

/* FNV-1a, 64 bits: a stable hash (not a secret: its inputs are names and paths in the report). */
static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull; /* a separator, so that "ab"+"c" != "a"+"bc" */
}

/* Stable across runs: what the finding is about, never pids or times. */
static cJSON *fingerprints(const struct finding *f, const struct where *w)
{
	cJSON *o = cJSON_CreateObject();
	const char *prog = w->proc ? proc_program(w->proc) : NULL;
	char buf[40], line[24];
	uint64_t h = 0xcbf29ce484222325ull;

	snprintf(line, sizeof line, "%ld", w->line);
	h = fnv(h, code_name(f->code));
	h = fnv(h, f->var);
	h = fnv(h, w->file);
	h = fnv(h, line);
	h = fnv(h, prog ? strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog : "");
	snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
	cJSON_AddStringToObject(o, "credtraceFinding/v1", buf);
	return o;
}

static cJSON *rule_json(enum code c)
{
	const struct code_help *h = code_help(c);
	cJSON *r = cJSON_CreateObject(), *o;
	char md[1200], text[1000];

	cJSON_AddStringToObject(r, "id", code_name(c));
	cJSON_AddStringToObject(r, "name", h->title);
	o = cJSON_AddObjectToObject(r, "shortDescription");
	cJSON_AddStringToObject(o, "text", h->meaning);
	o = cJSON_AddObjectToObject(r, "fullDescription");
	cJSON_AddStringToObject(o, "text", h->meaning);
	snprintf(text, sizeof text, "%s Fix: %s See docs/findings.md, section %s.", h->meaning, h->fix,
	         code_name(c));
	snprintf(md, sizeof md, "%s\n\n**Fix**: %s\n\nSee `docs/findings.md`, section `%s`.", h->meaning,
	         h->fix, code_name(c));
	o = cJSON_AddObjectToObject(r, "help");
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddStringToObject(o, "markdown", md);
	o = cJSON_AddObjectToObject(r, "properties");
	cJSON_AddItemToObject(o, "tags", cJSON_CreateStringArray((const char *[]){"security"}, 1));
	return r;
}

/* message, evidence and fix as one text; SARIF wants it to end with a period. */
static char *result_text(const struct finding *f)
{
	size_t n = strlen(f->message ? f->message : "") + strlen(f->hint ? f->hint : "") + 64;
	char *s, *p;

	for (size_t i = 0; i < f->nev; i++)
		n += strlen(f->evidence[i]) + 4;
	p = s = erealloc(NULL, n);
	p += sprintf(p, "%s.", f->message ? f->message : code_name(f->code));
	for (size_t i = 0; i < f->nev; i++)
		p += sprintf(p, "\n- %s", f->evidence[i]);
	if (f->hint && *f->hint)
		p += sprintf(p, "\nFix: %s", f->hint);
	if (p[-1] != '.')
		strcpy(p, ".");
	return s;
}

static cJSON *result_json(const struct model *m, const struct finding *f, const char *cwd)
{
	cJSON *r = cJSON_CreateObject(), *o, *loc, *phys, *props, *pids;
	struct where w;
	char *text = result_text(f);

	finding_where(m, f, &w);
	cJSON_AddStringToObject(r, "ruleId", code_name(f->code));
	cJSON_AddNumberToObject(r, "ruleIndex", f->code);
	cJSON_AddStringToObject(r, "level", level(f->sev));
	o = cJSON_AddObjectToObject(r, "message");
	cJSON_AddStringToObject(o, "text", text);
	free(text);
	loc = cJSON_CreateObject();
	phys = cJSON_AddObjectToObject(loc, "physicalLocation");
	cJSON_AddItemToObject(phys, "artifactLocation", artifact(w.file[0] ? w.file : "unknown", cwd));
	/* GitHub wants a region on every location: line 1 of the program when no line is known. */
	o = cJSON_AddObjectToObject(phys, "region");
	cJSON_AddNumberToObject(o, "startLine", (double)(w.line > 0 ? w.line : 1));
	cJSON_AddItemToObject(r, "locations", cJSON_CreateArray());
	cJSON_AddItemToArray(cJSON_GetObjectItem(r, "locations"), loc);
	cJSON_AddItemToObject(r, "partialFingerprints", fingerprints(f, &w));
	props = cJSON_AddObjectToObject(r, "properties");
	if (f->var)
		cJSON_AddStringToObject(props, "variable", f->var);
	pids = cJSON_AddArrayToObject(props, "pids");
	for (size_t i = 0; i < f->npids; i++)
		cJSON_AddItemToArray(pids, cJSON_CreateNumber((double)f->pids[i]));
	cJSON_AddBoolToObject(props, "lineKnown", w.line > 0);
	return r;
}

int render_sarif(FILE *out, const struct model *m, const struct findings *fs)
{
	cJSON *root = cJSON_CreateObject(), *run = cJSON_CreateObject(), *driver, *rules, *results, *o;
	char cwd[PATH_MAX], cwd_uri[PATH_MAX * 3 + 16], esc[PATH_MAX * 3];
	int rc;

	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, "/");
	cJSON_AddStringToObject(root, "$schema", SARIF_SCHEMA);
	cJSON_AddStringToObject(root, "version", "2.1.0");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "runs"), run);
	driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
	cJSON_AddStringToObject(driver, "name", "credtrace");
	cJSON_AddStringToObject(driver, "version", CT_VERSION);
	cJSON_AddStringToObject(driver, "semanticVersion", CT_VERSION);
	rules = cJSON_AddArrayToObject(driver, "rules");
	for (int c = 0; c < C_COUNT; c++)
		cJSON_AddItemToArray(rules, rule_json((enum code)c));
	uri_escape(cwd, esc, sizeof esc);
	snprintf(cwd_uri, sizeof cwd_uri, "file://%s%s", esc, strcmp(cwd, "/") ? "/" : "");
	o = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "originalUriBaseIds"), ROOT_ID);
	cJSON_AddStringToObject(o, "uri", cwd_uri);
	results = cJSON_AddArrayToObject(run, "results");
	for (size_t i = 0; i < fs->n; i++)
		cJSON_AddItemToArray(results, result_json(m, &fs->v[i], cwd));
	cJSON_AddStringToObject(run, "columnKind", "unicodeCodePoints");
	rc = json_put(out, root, 0) < 0 || putc('\n', out) == EOF ? -1 : 0;
	cJSON_Delete(root);
	return rc;
}
