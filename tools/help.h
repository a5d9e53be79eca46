/* SPDX-License-Identifier: MIT */
/* help.h: `credtrace COMMAND --help`: each command's options, exit status and examples. */
#ifndef HELP_H
#define HELP_H
#include <stdio.h>

void help_main(FILE *f);
void help_run(FILE *f);
void help_report(FILE *f);
void help_snap(FILE *f);
void help_attach(FILE *f);
void help_detach(FILE *f);

#endif
