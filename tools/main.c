/* SPDX-License-Identifier: MIT */
/* main.c: credtrace entry point; dispatches to the run and report subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "help.h"

#ifndef CT_VERSION
#define CT_VERSION "unknown"
#endif

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
    {"run", cmd_run},       {"report", cmd_report}, {"snap", cmd_snap},
    {"attach", cmd_attach}, {"detach", cmd_detach},
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: %s run [-o DIR] [-q] [--wait SECONDS] [--] CMD [ARGS...]\n"
	        "       %s report [--format text|json|sarif|junit|html] [--fail-on LEVEL]\n"
	        "              [--baseline FILE] [--pid PID] [--findings-only] PATH...|-\n"
	        "       %s snap [-o DIR] [--format text|json] [--fail-on LEVEL] (--all | PID...)\n"
	        "       %s attach [-o DIR] [--for SECONDS] [--children] [--seccomp-ok] PID...\n"
	        "       %s detach PID...\n"
	        "       %s --version | --help\n"
	        "'credtrace COMMAND --help' shows a command's options and examples; see credtrace(1).\n",
	        argv0, argv0, argv0, argv0, argv0, argv0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("credtrace %s\n", CT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help_main(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	weprintf("unknown command '%s' (expected run, report, snap, attach or detach)", argv[1]);
	usage(stderr);
	return 2;
}
