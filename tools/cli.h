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

/* --name VALUE or --name=VALUE: 1 with *val set (and *i advanced past VALUE), 0 when argv[*i] is not
 * --name, -1 when VALUE is missing. The status is apart from the value so that no caller (nor a static
 * analyzer) takes a NULL value for "not this option" (cli_shared.c). */
int opt_value(int argc, char **argv, int *i, const char *name, const char **val);
/* Colour on standard output: a terminal, and NO_COLOR unset or empty (no-color.org). */
int stdout_colour(void);
/* After a report was written: 2 when standard output could not be flushed (said as cmd's error), else
 * rc when it is not 0, else 1 when a finding is at fail_level or above (docs/findings.md), else 0. */
struct findings;
int written_status(const char *cmd, const struct findings *fs, int fail_level, int rc);

/* libcredtrace.so next to this executable (the build tree) or in ../lib (an install prefix), as an
 * absolute path in out (n bytes): 0, or -1 when neither is readable (shim_path.c). */
int find_shim(char *out, size_t n);

#endif
