#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 50-run: `credtrace run`: exit statuses as a shell gives them, signals, -q, -o, LD_PRELOAD, warnings.
# shellcheck source=tests/lib.sh disable=SC2016,SC2119
. "$(dirname "$0")/../lib.sh"

# A sanitizer build of the shim needs its runtime first in LD_PRELOAD; run keeps it first.
BASE_LP=
case $PRELOAD in *" "*) BASE_LP=${PRELOAD% *} ;; esac
run() { LD_PRELOAD=$BASE_LP "$CLI" run "$@"; }
# st CMD...: prints the exit status of CMD.
st() {
	local rc=0
	"$@" >/dev/null 2>&1 </dev/null || rc=$?
	echo "$rc"
}
# wait_file F: waits for a child to say it is ready (start-up, not a timing assertion).
wait_file() {
	local _
	for _ in $(seq 600); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# A background run left behind by a failed check is stopped (credtrace forwards SIGTERM to its command).
stop_jobs() {
	local j
	for j in $(jobs -p); do kill -TERM "$j" 2>/dev/null || true; done
}
trap stop_jobs EXIT
export OPENAI_API_KEY
OPENAI_API_KEY=$(canary)

expect_eq "status 0" "$(st run -q -o "$W/d" true)" 0
expect_eq "status 3" "$(st run -q -o "$W/d" sh -c 'exit 3')" 3
expect_eq "status after --" "$(st run -q -o "$W/d" -- sh -c 'exit 5')" 5
rc=0
run -q -o "$W/d" credtrace-no-such-command-x 2>"$W/e127" || rc=$?
expect_eq "missing command: 127" "$rc" 127
check "missing command: message" grep -q 'credtrace-no-such-command-x: command not found' "$W/e127"
printf 'echo hi\n' >"$W/noexec"
chmod 644 "$W/noexec"
expect_eq "not executable: 126" "$(st run -q -o "$W/d" "$W/noexec")" 126
expect_eq "directory: 126" "$(st run -q -o "$W/d" "$W")" 126

# Usage errors: 2 and a message that names the problem.
rc=0
run 2>"$W/eu" || rc=$?
expect_eq "no command: 2" "$rc" 2
check "no command: message" grep -q 'no command' "$W/eu"
rc=0
run --bogus true 2>"$W/eu" || rc=$?
expect_eq "unknown option: 2" "$rc" 2
check "unknown option: message" grep -q 'unknown option --bogus' "$W/eu"
expect_eq "-o without DIR: 2" "$(st run -o)" 2

# Signals: a command killed by SIGTERM gives 143; SIGTERM and SIGINT sent to credtrace reach it.
expect_eq "killed by SIGTERM: 143" "$(st run -q -o "$W/d" sh -c 'kill -TERM $$')" 143
expect_eq "killed by SIGKILL: 137" "$(st run -q -o "$W/d" sh -c 'kill -KILL $$')" 137
# Started directly, not through the run function: $! must be credtrace's pid, not a subshell's.
LD_PRELOAD=$BASE_LP "$CLI" run -q -o "$W/d" sh -c "trap 'exit 9' TERM; touch '$W/ready-term'; while :; do sleep 0.1; done" &
pid=$!
if wait_file "$W/ready-term"; then
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	expect_eq "SIGTERM forwarded" "$rc" 9
else
	kill -KILL "$pid" 2>/dev/null || true
	fail "SIGTERM forwarded" "the child never started"
fi
# A background job of a script starts with SIGINT ignored, and run keeps ignored signals ignored (as
# a shell does); env --default-signal gives the job a default SIGINT as an interactive shell would.
LD_PRELOAD=$BASE_LP env --default-signal=INT "$CLI" run -q -o "$W/d" "$PY" -c "
import signal, sys, time
signal.signal(signal.SIGINT, lambda *a: sys.exit(7))
open('$W/ready-int', 'w').close()
while True: time.sleep(0.1)" &
pid=$!
if wait_file "$W/ready-int"; then
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	expect_eq "SIGINT forwarded" "$rc" 7
else
	kill -KILL "$pid" 2>/dev/null || true
	fail "SIGINT forwarded" "the child never started"
fi

# Output: -q says only where the traces are; without it the start line, the report and the closing line go to stderr
# and the command's stdout is untouched.
rc=0
out=$(run -q -o "$W/q" sh -c 'echo out' 2>"$W/eq") || rc=$?
expect_eq "-q: stdout is the command's" "$out" out
expect_eq "-q: stderr only names the directory" "$(cat "$W/eq")" "credtrace: traces in $(realpath "$W/q")"
out=$(run -o "$W/v" sh -c 'echo out' 2>"$W/ev") || rc=$?
expect_eq "report: stdout is the command's" "$out" out
check "report: start line names DIR" grep -q "^credtrace: tracing into $(realpath "$W/v")\$" "$W/ev"
check "report: closing line" grep -q "^credtrace: traces kept in $(realpath "$W/v")" "$W/ev"
if [ "$(wc -l <"$W/ev")" -gt 2 ]; then ok "report: printed to stderr"; else fail "report: printed to stderr" "$(cat "$W/ev")"; fi

# -o: created 0700, relative paths made absolute, the environment the command sees.
mkdir -p "$W/cwd"
(cd "$W/cwd" && run -q -o rel sh -c 'printf "%s\n%s\n" "$CREDTRACE_DIR" "$LD_PRELOAD"' >"$W/envout")
expect_eq "-o: mode 0700" "$(stat -c %a "$W/cwd/rel")" 700
expect_eq "-o: CREDTRACE_DIR absolute" "$(sed -n 1p "$W/envout")" "$(realpath "$W/cwd/rel")"
want=$(realpath "$SHIM")
[ -z "$BASE_LP" ] || want="$BASE_LP $want"
expect_eq "LD_PRELOAD: shim added" "$(sed -n 2p "$W/envout")" "$want"
mkdir -p "$W/shared"
chmod 777 "$W/shared"
expect_eq "-o: world-writable dir refused" "$(st run -q -o "$W/shared" true)" 125
# Default directory: a new one in the current directory, named on stderr.
(cd "$W/cwd" && run true 2>"$W/edef") || true
n=$(find "$W/cwd" -maxdepth 1 -name 'credtrace-*' -type d | wc -l)
expect_eq "default dir: one new credtrace-* in cwd" "$n" 1
check "default dir: named on stderr" grep -q "tracing into $W/cwd/credtrace-" "$W/edef"

# LD_PRELOAD entries the user had are kept, after the shim.
printf 'int credtrace_test_other;\n' >"$W/other.c"
cc -shared -fPIC -o "$W/other.so" "$W/other.c"
got=$(LD_PRELOAD="${BASE_LP:+$BASE_LP }$W/other.so" "$CLI" run -q -o "$W/d" sh -c 'printf %s "$LD_PRELOAD"')
expect_eq "LD_PRELOAD: existing entries kept" "$got" "$want $W/other.so"
got=$(LD_PRELOAD="$want" "$CLI" run -q -o "$W/d" sh -c 'printf %s "$LD_PRELOAD"')
expect_eq "LD_PRELOAD: shim not repeated" "$got" "$want"

# Traces land in DIR, when the shim writes them at all (it is integrated separately).
rm -rf "$W/probe"
traced "$W/probe" /bin/true 2>/dev/null || true
if ls "$W/probe"/*.jsonl >/dev/null 2>&1; then
	run -q -o "$W/t" sh -c 'exec true'
	check "-o: traces written into DIR" tq "$W/t" 'len(H) >= 1 and any(h["argv"][:1] == ["sh"] for h in H)'
else
	skip "-o: traces written into DIR" "the shim writes no trace yet (LD_PRELOAD=$SHIM)"
fi

# Untraceable programs are named before they run, and still run.
if [ -e "$(cc -print-file-name=libc.a)" ] && [ "$(cc -print-file-name=libc.a)" != libc.a ]; then
	printf '#include <stdio.h>\nint main(void) { puts("static"); return 4; }\n' >"$W/static.c"
	cc -static -o "$W/static" "$W/static.c"
	rc=0
	out=$(run -o "$W/s" "$W/static" 2>"$W/es") || rc=$?
	expect_eq "static: runs, status passed" "$rc:$out" "4:static"
	check "static: named as untraceable" grep -q "$W/static is statically linked" "$W/es"
else
	skip "static: named as untraceable" "no libc.a (libc6-dev static library) for cc -static"
fi
if [ "$(id -u)" = 0 ]; then
	cp /bin/true "$W/sutrue"
	chown nobody "$W/sutrue"
	chmod 4755 "$W/sutrue"
	rc=0
	run -q -o "$W/d" "$W/sutrue" 2>"$W/esu" || rc=$?
	expect_eq "setuid: runs" "$rc" 0
	check "setuid: named as untraceable" grep -q "sutrue is setuid" "$W/esu"
else
	skip "setuid: named as untraceable" "needs root to make a setuid file owned by someone else"
fi
