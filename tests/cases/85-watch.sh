#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 85-watch: `credtrace report --watch DIR` during a run: each new finding printed once, with its
# time, as its trace appears; SIGINT prints the final report and exits with the --fail-on status.
. "$(dirname "$0")/../lib.sh"

D=$W/soak.d
mkdir -p "$D"
# until_in FILE TEXT: waits (up to 60 s: a start-up wait, not a timing assertion) for TEXT in FILE.
until_in() {
	for _ in $(seq 600); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
CREDTRACE_WATCH_INTERVAL_MS=100 "$CLI" report --watch --fail-on error "$D" >"$W/watch.out" 2>"$W/watch.err" &
WATCH=$!
trap 'kill $WATCH 2>/dev/null || true' EXIT

# 1: a socket reused after a fork appears.
traced "$D" "$PROGS/busy_steady" 0 20 fork >/dev/null 2>&1 || true
if until_in "$W/watch.out" "new error SOCKET_REUSED_AFTER_FORK"; then
	ok "watch: the reused socket is printed as it appears"
else
	fail "watch: the reused socket is printed as it appears" "$(head -c 300 "$W/watch.out") $(head -c 300 "$W/watch.err")"
fi
expect_eq "watch: a new finding line has its time" \
	"$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] new error SOCKET_REUSED_AFTER_FORK pids [0-9,]*: ' "$W/watch.out")" 1

# (busy_steady also blanks OPENAI_API_KEY halfway: CRED_EMPTY and CRED_SET_AT_RUNTIME come with it.)
# 2: later, in the same directory, a process that changes its key: only the new finding prints (its
# sets join the CRED_SET_AT_RUNTIME printed already).
traced "$D" "$PROGS/env_set_loop" 20 >/dev/null 2>&1 || true
until_in "$W/watch.out" "new warning CRED_DIVERGENT OPENAI_API_KEY" &&
	ok "watch: a finding of a later process is printed" ||
	fail "watch: a finding of a later process is printed" "$(head -c 600 "$W/watch.out")"
sleep 0.5 # a few more looks with nothing new: nothing may be printed twice
expect_eq "watch: every finding printed once" \
	"$(grep ' new ' "$W/watch.out" | sed 's/^[0-9:]* //' | sort | uniq -d | wc -l) $(grep -c ' new ' "$W/watch.out")" "0 4"

# 3: SIGINT: the final report, and the --fail-on status (an error finding: 1).
kill -INT $WATCH
rc=0
wait $WATCH || rc=$?
trap - EXIT
expect_eq "watch: SIGINT exits with the --fail-on status" "$rc" 1
expect_eq "watch: the final report follows, with every finding" \
	"$(grep -c '^Processes$' "$W/watch.out") $(grep -E -c '^(error|warning|info) +[A-Z_]+' "$W/watch.out")" "1 4"
expect_eq "watch: nothing on stderr" "$(wc -c <"$W/watch.err")" 0
"$CLI" report --format json "$D" >"$W/once.json" 2>/dev/null || true
expect_eq "watch: same findings as a report of the finished directory" \
	"$($PY -c 'import json,sys; print(sorted(f["code"] for f in json.load(open(sys.argv[1]))["findings"]))' "$W/once.json")" \
	"$(grep -E -o '^(error|warning|info) +[A-Z_]+' "$W/watch.out" | awk '{print $2}' | sort | $PY -c 'import sys; print(sorted(l.strip() for l in sys.stdin))')"

# 4: a PATH that cannot be read does not hide the others, in --watch as in report: the final report
# lists it in its input section and the exit status says input was refused (3).
CREDTRACE_WATCH_INTERVAL_MS=100 "$CLI" report --watch --format json "$W/missing.d" "$D" >"$W/watch2.json" 2>"$W/watch2.err" &
WATCH=$!
trap 'kill $WATCH 2>/dev/null || true' EXIT
until_in "$W/watch2.err" " new " || true
kill -INT $WATCH
rc=0
wait $WATCH || rc=$?
trap - EXIT
expect_eq "watch: a refused PATH gives exit status 3" "$rc" 3
expect_eq "watch: the final report's input section names the refused PATH and the files read" \
	"$($PY -c 'import json,sys; i=json.load(open(sys.argv[1]))["input"]; print([f["file"] for f in i["files_refused"]], len(i["files_read"]) > 0)' "$W/watch2.json" 2>&1)" \
	"['$W/missing.d'] True"

# 5: standard input cannot be watched: a usage error (2), said on stderr.
rc=0
"$CLI" report --watch - </dev/null >/dev/null 2>"$W/watch3.err" || rc=$?
expect_eq "watch: '-' is refused as a usage error" "$rc $(grep -c -- "--watch reads PATHs that grow" "$W/watch3.err")" "2 1"
