/* SPDX-License-Identifier: MIT */
/* cli.h: the subcommands and the small helpers the CLI's files share. */
#ifndef CLI_H
#define CLI_H
#include <stddef.h>

/* Subcommands: argv[0] is the subcommand name. Return the process exit status. */
int cmd_run(int argc, char **argv);    /* run.c */
int cmd_report(int argc, char **argv); /* report.c */
int cmd_snap(int argc, char **argv);   /* snap.c */
int cmd_attach(int argc, char **argv); /* attach.c */
int cmd_detach(int argc, char **argv); /* attach.c */

/* Errors, sbase style: a message ending in ':' gets ": strerror(errno)" appended. */
void weprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern const char *argv0;

/* Allocation that cannot fail: out of memory ends the program with status 2 (util.c). */
void *erealloc(void *p, size_t n);
char *estrdup(const char *s); /* NULL stays NULL */

#endif
