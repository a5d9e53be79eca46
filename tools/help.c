/* SPDX-License-Identifier: MIT */
/* help.c: the help texts; docs/credtrace.1 says the same at length. */
#include "help.h"

void help_main(FILE *f)
{
	fputs("usage: credtrace COMMAND [OPTIONS] ...\n"
	      "\n"
	      "Traces credential environment variables across a process tree and explains 401s.\n"
	      "\n"
	      "Commands:\n"
	      "  run      run a command with the shim preloaded, then print the report\n"
	      "  report   turn trace files (from one host or many) into findings\n"
	      "  snap     a read-only snapshot of running processes from /proc: no restart\n"
	      "  attach   load the shim into running processes (ptrace) and trace them from then on\n"
	      "  detach   stop tracing processes attached before\n"
	      "\n"
	      "  credtrace COMMAND --help   a command's options and examples\n"
	      "  credtrace --version        the version\n"
	      "\n"
	      "See credtrace(1), docs/findings.md and docs/recipes.md.\n",
	      f);
}

void help_run(FILE *f)
{
	fputs("usage: credtrace run [-o DIR] [-q] [--wait SECONDS] [--] CMD [ARGS...]\n"
	      "\n"
	      "Runs CMD with libcredtrace.so preloaded; every descendant that keeps LD_PRELOAD is traced\n"
	      "too. Signals are forwarded to CMD. At the end the text report goes to standard error.\n"
	      "\n"
	      "Options:\n"
	      "  -o DIR, --output DIR   write the traces to DIR (created 0700); default: a new\n"
	      "                         credtrace-DATE-PID directory in the current directory\n"
	      "  -q, --quiet            no report at the end, only the line that says where the\n"
	      "                         traces are\n"
	      "  --wait SECONDS         after CMD ends, wait at most this long for the processes it\n"
	      "                         left (daemons, background jobs) before the report; default 3,\n"
	      "                         0 not at all\n"
	      "  --                     end of options: what follows is CMD, even if it starts with -\n"
	      "  -h, --help             this help\n"
	      "\n"
	      "Exit status: CMD's own (128+N when a signal N killed it); 126 when CMD cannot be executed,\n"
	      "127 when it is not found, 125 when credtrace itself failed (or refused DIR), 2 on a usage\n"
	      "error.\n"
	      "\n"
	      "Examples:\n"
	      "  credtrace run -- gunicorn --preload -w 4 app:app\n"
	      "  credtrace run -o /tmp/traces -q -- celery -A tasks worker -c 2\n"
	      "  credtrace report /tmp/traces            # the report again, later\n",
	      f);
}

void help_report(FILE *f)
{
	fputs("usage: credtrace report [OPTIONS] PATH...\n"
	      "\n"
	      "Reads trace files (PATH: a file, or a directory searched for *.jsonl; '-': traces on\n"
	      "standard input, one or several files one after the other), merges them, and prints the\n"
	      "findings: which credential went wrong in which process, with evidence and a fix.\n"
	      "\n"
	      "Options:\n"
	      "  --format FORMAT    text (default), json, sarif (SARIF 2.1.0, GitHub code scanning),\n"
	      "                     junit (JUnit XML) or html (one self-contained page)\n"
	      "  --fail-on LEVEL    exit 1 when a finding of LEVEL or above is reported: error,\n"
	      "                     warning, info, or never (default); junit marks those as failed\n"
	      "  --baseline FILE    hide the findings already in FILE (a --format json report) and\n"
	      "                     count them on stderr: for CI runs that accept known findings\n"
	      "  --pid PID          only process PID and its descendants, and the findings that\n"
	      "                     name them (rules still see every process)\n"
	      "  --findings-only    text: the findings, without the process tree and the blind spots\n"
	      "  --watch            during a soak: read what the files gain (appended bytes only)\n"
	      "                     and print each new finding once, with its time; on SIGINT or\n"
	      "                     SIGTERM, the final report (not with '-')\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 on a usage error\n"
	      "or no readable trace, 3 when a report was printed but some input was refused (listed\n"
	      "under \"Not seen\" and in the JSON input section).\n"
	      "\n"
	      "Examples:\n"
	      "  credtrace report ./credtrace-20260101-120000-4242/\n"
	      "  credtrace report --format html traces-api/ traces-worker/ > report.html\n"
	      "  credtrace report --format sarif --fail-on error traces/ > credtrace.sarif\n"
	      "  credtrace report --format json traces/ > accepted.json   # later:\n"
	      "  credtrace report --baseline accepted.json --fail-on warning traces/\n"
	      "  kubectl exec pod -- cat /traces/*.jsonl | credtrace report -\n"
	      "  credtrace report --pid 4242 --findings-only traces/\n",
	      f);
}

void help_snap(FILE *f)
{
	fputs("usage: credtrace snap [-o DIR] [--format text|json] [--fail-on LEVEL] (--all | PID...)\n"
	      "\n"
	      "A read-only snapshot of running processes from /proc: no restart, nothing injected. For\n"
	      "each process: the tree, its credential variables as it started (state, length, shape,\n"
	      "fingerprint; never the value) and its TCP sockets; then the report, as for report.\n"
	      "\n"
	      "Options:\n"
	      "  --all              every process the caller may see, instead of PID...\n"
	      "  -o DIR             also save the snapshot as trace files in DIR (for report)\n"
	      "  --format FORMAT    text (default) or json\n"
	      "  --fail-on LEVEL    exit 1 when a finding of LEVEL or above is reported: error,\n"
	      "                     warning, info, or never (default)\n"
	      "  --                 end of options\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 on a usage error,\n"
	      "when none of the given processes exists, or when DIR cannot be written.\n"
	      "\n"
	      "Examples:\n"
	      "  credtrace snap $(pgrep -o gunicorn)\n"
	      "  credtrace snap -o /traces/snap --format json --all > snap.json\n",
	      f);
}

void help_attach(FILE *f)
{
	fputs("usage: credtrace attach [-o DIR] [--for SECONDS] [--children] [--seccomp-ok] PID...\n"
	      "\n"
	      "Loads the shim into running processes with ptrace (one thread stopped briefly at a safe\n"
	      "point) and traces them from then on; see docs/attach.md.\n"
	      "\n"
	      "Options:\n"
	      "  -o DIR             write the traces to DIR\n"
	      "  --for SECONDS      wait that long, then detach\n"
	      "  --children         add the shim to the processes' LD_PRELOAD so that programs they\n"
	      "                     start are traced too (undone at detach)\n"
	      "  --seccomp-ok       attach even when the target has a seccomp filter\n"
	      "  --                 end of options\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "Exit status: 0, or 2 when a target was refused (no such process, a static, Go, musl or\n"
	      "non-x86-64 program, missing permission, a seccomp filter) or on a usage error.\n"
	      "\n"
	      "Examples:\n"
	      "  credtrace attach -o /tmp/traces --for 60 $(pgrep -f 'celery worker')\n"
	      "  credtrace attach -o /tmp/traces --children 4242\n",
	      f);
}

void help_detach(FILE *f)
{
	fputs("usage: credtrace detach PID...\n"
	      "\n"
	      "Stops tracing processes attached before with credtrace attach: the hooks are bound back\n"
	      "to libc and nothing more is written.\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "Exit status: 0, or 2 when a process could not be detached or on a usage error.\n"
	      "\n"
	      "Examples:\n"
	      "  credtrace detach 4242\n",
	      f);
}
