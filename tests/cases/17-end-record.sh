#!/usr/bin/env bash
# JSON "end" is null only when a process did not exit normally: every process with a trace file
# writes an "end" record at normal exit, reads or not. Read counts are said to be lower bounds where
# no "end" came (text "read at least Nx", JSON count_final false).
. "$(dirname "$0")/../lib.sh"

key=$(canary)
j() { "$CLI" report --format json "$1" 2>/dev/null | $PY -c 'import json,sys; r=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }

LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$W/true /bin/true
expect_eq "a process that read nothing and exited normally: end is set" "$(j "$W/true" '[p["end"] is not None for p in r["processes"]]')" "[True]"

env OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/exit" "$PY" -c 'import os; os.environ.get("OPENAI_API_KEY")'
expect_eq "normal exit after a read: end set, count final" \
	"$(j "$W/exit" '[(p["end"] is not None, [rd["count_final"] for c in p["credentials"] for rd in c["reads"]]) for p in r["processes"]]')" "[(True, [True])]"
"$CLI" report "$W/exit" 2>/dev/null | grep -q 'read 1x' && ok "final count printed as exact" || fail "final count" "$("$CLI" report "$W/exit" | grep read)"

env OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/_exit" "$PY" -c 'import os; os.environ.get("OPENAI_API_KEY"); os._exit(0)'
expect_eq "_exit after a read: end null, count not final" \
	"$(j "$W/_exit" '[(p["end"], [rd["count_final"] for c in p["credentials"] for rd in c["reads"]]) for p in r["processes"]]')" "[(None, [False])]"
"$CLI" report "$W/_exit" 2>/dev/null | grep -q 'read at least 1x' && ok "a count that may not be final says 'at least'" ||
	fail "not final count" "$("$CLI" report "$W/_exit" | grep read)"

# A fork child that records nothing gets no file just for its end record.
LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$W/fork "$PY" -c 'import os,sys
pid = os.fork()
if pid == 0: sys.exit(0)
os.waitpid(pid, 0)'
expect_eq "silent fork child: no file of its own" "$(find "$W/fork" -name '*.jsonl' ! -name '*.fork.jsonl' | wc -l)" 1
# ... and nothing in its parent's fork region (docs/trace-format.md#fork-region) either.
expect_eq "silent fork child: no lines in the fork region" "$(tq "$W/fork" "len(H)")" 1
