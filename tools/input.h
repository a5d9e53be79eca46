/* SPDX-License-Identifier: MIT */
/* input.h: what the reader did with its input (files read, lines skipped, files refused), for the
 * report: the JSON "input" section, the text "Not seen" and the exit status. */
#ifndef INPUT_H
#define INPUT_H
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* Exit status of `report` when it printed a report but refused some input (a file or PATH); a
 * finding at the --fail-on level (1) comes first. */
#define REPORT_INPUT_REFUSED 3

/* Lines of one file said on stderr; the rest are counted and said once at the end of the file. */
#define INPUT_SAY_PER_FILE 3
/* Skipped lines of one file listed in the JSON report; the rest are counted. */
#define INPUT_LIST_PER_FILE 20

void input_reset(void);
/* `report -`: files under dir are named "-/FILE" in the report (dir is removed after reading);
 * kept across input_reset, NULL forgets it. */
void input_alias_stdin(const char *dir);
void input_read(const char *path);                               /* a file kept */
void input_skip(const char *path, size_t line, const char *why); /* a line skipped */
/* a file or PATH refused whole; line: the line that made it so, or 0 */
void input_refuse(const char *path, size_t line, const char *why);
void input_file_done(const char *path);                /* after a file's last line */
void input_setting(const char *path, const char *msg); /* a header's "config" message */
void input_key_id(const char *kid);                    /* a header's "kid" */

size_t input_refused(void); /* files or paths refused so far */
size_t input_key_ids(void); /* distinct fingerprint key ids seen */
cJSON *input_json(void);    /* the report's "input" object */
/* Lines for the text report's "Not seen" list ("  - ..."); returns how many were printed. */
int input_text(FILE *out, const char *(*esc)(const char *, void *), void *ctx);

#endif
