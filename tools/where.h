/* SPDX-License-Identifier: MIT */
/* where.h: where a finding points to in source, for renderers that need a location (SARIF, HTML). */
#ifndef WHERE_H
#define WHERE_H
#include <stddef.h>

#include "model.h"
#include "rules.h"

struct where {
	char file[1024];         /* a source file, or the program when no site gives one; "" when nothing */
	long line;               /* 0 when file is the program (no line known) */
	const struct proc *proc; /* the process the location comes from, NULL when no pid is in the model */
};

/* The most telling site of f with a file and line (a Python file:line, or a C frame with debug
 * information), searched in the processes f names; else the program of its first process. */
void finding_where(const struct model *m, const struct finding *f, struct where *w);
/* The program a process runs, as a user names it: the script for an interpreter ("app.py"), else the
 * executable. NULL when the trace holds neither. */
const char *proc_program(const struct proc *p);
/* The same from an argv and an exe (a process of a JSON report). */
const char *program_of(char *const *argv, size_t argc, const char *exe);
/* "app.py:12 (f)" or "f (app.c:7)" -> file and line; 0 when the text holds no file:line. */
int site_file_line(const char *text, char *file, size_t n, long *line);

#endif
