/* SPDX-License-Identifier: MIT */
/* input.c: the record of what the reader read, skipped and refused; bounded messages per file. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "reader.h" /* progress_clear: the progress line goes before a message */

struct skip {
	char *file;
	size_t line;
	const char *why; /* static text */
};
struct refusal {
	char *file, *why;
};
struct note {
	char *file, *msg;
};

static struct {
	char **read;
	size_t nread;
	struct skip *skips; /* at most INPUT_LIST_PER_FILE per file */
	size_t nskips, skipped_total;
	struct refusal *refused;
	size_t nrefused;
	struct note *settings;
	size_t nsettings;
	char **kids;
	size_t nkids;
	/* the file being read: how many of its lines were skipped */
	char *cur;
	size_t cur_skipped;
	/* `report -`: the private directory that holds standard input, named "-" in the report */
	char *alias_dir;
} in;

void input_alias_stdin(const char *dir)
{
	free(in.alias_dir);
	in.alias_dir = dir ? estrdup(dir) : NULL;
}

/* A copy of path as the report names it: "-/stdin-000001.jsonl" for a file of standard input, not
 * the temporary directory that is gone once the traces are read. */
static char *own_path(const char *path)
{
	size_t n = in.alias_dir ? strlen(in.alias_dir) : 0;
	char *s;

	if (!n || strncmp(path, in.alias_dir, n) != 0 || (path[n] && path[n] != '/'))
		return estrdup(path);
	s = erealloc(NULL, strlen(path + n) + 2);
	s[0] = '-';
	strcpy(s + 1, path + n);
	return s;
}

void input_reset(void)
{
	char *alias = in.alias_dir; /* set before the reader starts: kept until input_alias_stdin(NULL) */

	for (size_t i = 0; i < in.nread; i++)
		free(in.read[i]);
	for (size_t i = 0; i < in.nskips; i++)
		free(in.skips[i].file);
	for (size_t i = 0; i < in.nrefused; i++)
		free(in.refused[i].file), free(in.refused[i].why);
	for (size_t i = 0; i < in.nsettings; i++)
		free(in.settings[i].file), free(in.settings[i].msg);
	for (size_t i = 0; i < in.nkids; i++)
		free(in.kids[i]);
	free(in.read), free(in.skips), free(in.refused), free(in.settings), free(in.kids), free(in.cur);
	memset(&in, 0, sizeof in);
	in.alias_dir = alias;
}

static void set_cur(const char *path)
{
	if (in.cur && !strcmp(in.cur, path))
		return;
	free(in.cur);
	in.cur = estrdup(path);
	in.cur_skipped = 0;
}

void input_read(const char *path)
{
	in.read = erealloc(in.read, (in.nread + 1) * sizeof *in.read);
	in.read[in.nread++] = own_path(path);
}

void input_skip(const char *path, size_t line, const char *why)
{
	set_cur(path);
	in.skipped_total++;
	if (++in.cur_skipped <= INPUT_SAY_PER_FILE) {
		progress_clear();
		fprintf(stderr, "%s:%zu: %s\n", path, line, why);
	}
	if (in.cur_skipped <= INPUT_LIST_PER_FILE) {
		in.skips = erealloc(in.skips, (in.nskips + 1) * sizeof *in.skips);
		in.skips[in.nskips++] = (struct skip){own_path(path), line, why};
	}
}

void input_file_done(const char *path)
{
	if (in.cur && !strcmp(in.cur, path) && in.cur_skipped > INPUT_SAY_PER_FILE) {
		progress_clear();
		fprintf(stderr, "%s: %zu more unreadable lines skipped (%zu in all)\n", path,
		        in.cur_skipped - INPUT_SAY_PER_FILE, in.cur_skipped);
	}
	free(in.cur);
	in.cur = NULL;
	in.cur_skipped = 0;
}

void input_refuse(const char *path, size_t line, const char *why)
{
	progress_clear();
	if (line)
		fprintf(stderr, "%s:%zu: %s\n", path, line, why);
	else
		fprintf(stderr, "%s: %s\n", path, why);
	in.refused = erealloc(in.refused, (in.nrefused + 1) * sizeof *in.refused);
	in.refused[in.nrefused++] = (struct refusal){own_path(path), estrdup(why)};
}

void input_setting(const char *path, const char *msg)
{
	for (size_t i = 0; i < in.nsettings; i++)
		if (!strcmp(in.settings[i].msg, msg))
			return; /* every process of a run has the same settings: say each once */
	in.settings = erealloc(in.settings, (in.nsettings + 1) * sizeof *in.settings);
	in.settings[in.nsettings++] = (struct note){own_path(path), estrdup(msg)};
}

void input_key_id(const char *kid)
{
	for (size_t i = 0; i < in.nkids; i++)
		if (!strcmp(in.kids[i], kid))
			return;
	in.kids = erealloc(in.kids, (in.nkids + 1) * sizeof *in.kids);
	in.kids[in.nkids++] = estrdup(kid);
}

size_t input_refused(void)
{
	return in.nrefused;
}

size_t input_key_ids(void)
{
	return in.nkids;
}

cJSON *input_json(void)
{
	cJSON *o = cJSON_CreateObject(), *a;
	a = cJSON_AddArrayToObject(o, "files_read");
	for (size_t i = 0; i < in.nread; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(in.read[i]));
	a = cJSON_AddArrayToObject(o, "lines_skipped");
	for (size_t i = 0; i < in.nskips; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "file", in.skips[i].file);
		cJSON_AddNumberToObject(s, "line", (double)in.skips[i].line);
		cJSON_AddStringToObject(s, "reason", in.skips[i].why);
		cJSON_AddItemToArray(a, s);
	}
	cJSON_AddNumberToObject(o, "lines_skipped_total", (double)in.skipped_total);
	a = cJSON_AddArrayToObject(o, "files_refused");
	for (size_t i = 0; i < in.nrefused; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "file", in.refused[i].file);
		cJSON_AddStringToObject(s, "reason", in.refused[i].why);
		cJSON_AddItemToArray(a, s);
	}
	a = cJSON_AddArrayToObject(o, "settings");
	for (size_t i = 0; i < in.nsettings; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "file", in.settings[i].file);
		cJSON_AddStringToObject(s, "message", in.settings[i].msg);
		cJSON_AddItemToArray(a, s);
	}
	a = cJSON_AddArrayToObject(o, "key_ids");
	for (size_t i = 0; i < in.nkids; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(in.kids[i]));
	return o;
}

int input_text(FILE *out, const char *(*esc)(const char *, void *), void *ctx)
{
	int n = 0;
	for (size_t i = 0; i < in.nrefused; i++, n++)
		fprintf(out, "  - input refused: %s: %s\n", esc(in.refused[i].file, ctx),
		        esc(in.refused[i].why, ctx));
	for (size_t i = 0; i < in.nsettings; i++, n++)
		fprintf(out, "  - a setting was ignored (%s): %s\n", esc(in.settings[i].file, ctx),
		        esc(in.settings[i].msg, ctx));
	if (in.nkids > 1) {
		fprintf(out, "  - fingerprints under %zu different keys (key ids", in.nkids);
		for (size_t i = 0; i < in.nkids; i++)
			fprintf(out, "%s %s", i ? "," : "", esc(in.kids[i], ctx));
		fprintf(out, "): values are compared only between processes that share a key "
		             "(set one CREDTRACE_KEY_FILE for the hosts to compare)\n");
		n++;
	}
	return n;
}
