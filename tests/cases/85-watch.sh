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
# (A finding seen half-written, a fork child's use read before its parent's, is printed again when
# its severity rises, ending "(was warning)"; every finding is printed once at each severity.)
expect_eq "watch: every finding printed once" \
	"$(grep ' new ' "$W/watch.out" | sed 's/^[0-9:]* //' | sort | uniq -d | wc -l) $(grep ' new ' "$W/watch.out" | grep -vc ' (was [a-z]*)$')" "0 4"

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

# 6: a live trace: a process that keeps running is watched while its trace grows; it then forks a
# child that writes on the inherited connection. The finding appears once, after the fork, and the
# files already read are read on from where the last look stopped (CREDTRACE_WATCH_DEBUG says each
# read on stderr: "watch: FILE: read N bytes from OFFSET", "(whole)" when read from the start).
L=$W/live.d
mkdir -p "$L"
CREDTRACE_WATCH_DEBUG=1 CREDTRACE_WATCH_INTERVAL_MS=100 "$CLI" report --watch "$L" >"$W/live.out" 2>"$W/live.err" &
WATCH=$!
traced "$L" "$PY" "$ROOT/tests/progs/watch_live.py" "$W/live.go" >/dev/null 2>&1 &
LIVE=$!
trap 'kill $WATCH $LIVE 2>/dev/null || true' EXIT
until_in "$W/live.err" "watch: $L/" || true
sleep 0.5 # a few looks at the running process before its fork: nothing to say yet
expect_eq "watch: no finding before the fork" "$(grep -c ' new ' "$W/live.out")" 0
touch "$W/live.go"
until_in "$W/live.out" "new error SOCKET_REUSED_AFTER_FORK" &&
	ok "watch: the reuse by a live process's fork child is printed" ||
	fail "watch: the reuse by a live process's fork child is printed" "$(head -c 600 "$W/live.out") $(head -c 600 "$W/live.err")"
until_in "$W/live.go.forked" "" || true
sleep 0.5
touch "$W/live.go.stop"
wait $LIVE || true
sleep 0.5
expect_eq "watch: the live finding printed once" "$(grep -c ' new error SOCKET_REUSED_AFTER_FORK' "$W/live.out")" 1
# The parent's file was read before the fork and then again only from where that read stopped.
parent=$(grep -o "watch: $L/[^:]*" "$W/live.err" | head -1 | sed 's/^watch: //')
expect_eq "watch: the live process's file is read on, not again whole" \
	"$(grep -c "watch: $parent: read .*(whole)" "$W/live.err") $(grep -c "watch: $parent: read [0-9]* bytes from [1-9]" "$W/live.err" | awk '{print ($1 > 0)}')" "1 1"
kill -INT $WATCH
wait $WATCH || true
trap - EXIT

# 7: a large file whose start does not change is not read again: 2 MB of records, then one more
# record appended; the look after the append reads that record's bytes only. A file that shrank is
# read again whole.
B=$W/big.d
mkdir -p "$B"
big=$(find "$D" -maxdepth 1 -name '*.jsonl' ! -name '*.fork.jsonl' -printf '%s %p\n' | sort -rn | head -1 | cut -d' ' -f2-) # a process's own trace, not a fork region
{
	cat "$big"
	line=$(tail -n 1 "$big")
	for _ in $(seq $((2000000 / (${#line} + 1)))); do printf '%s\n' "$line"; done
} >"$B/big.jsonl"
size=$(stat -c %s "$B/big.jsonl")
CREDTRACE_WATCH_DEBUG=1 CREDTRACE_WATCH_INTERVAL_MS=100 "$CLI" report --watch "$B" >/dev/null 2>"$W/big.err" &
WATCH=$!
trap 'kill $WATCH 2>/dev/null || true' EXIT
until_in "$W/big.err" "watch: $B/big.jsonl: read" || true
tail -n 1 "$big" >>"$B/big.jsonl"
add=$(tail -n 1 "$big" | wc -c)
until_in "$W/big.err" "bytes from $size" || true
expect_eq "watch: an append to a 2 MB file reads the appended bytes only" \
	"$(grep -c "watch: $B/big.jsonl: read" "$W/big.err") $(grep "watch: $B/big.jsonl: read" "$W/big.err" | sed -n 2p)" \
	"2 watch: $B/big.jsonl: read $add bytes from $size"
head -n 3 "$big" >"$B/big.jsonl.tmp" && cat "$B/big.jsonl.tmp" >"$B/big.jsonl" && rm "$B/big.jsonl.tmp"
until_in "$W/big.err" "bytes from 0 (whole)" && ok "watch: a file that shrank is read again whole" ||
	fail "watch: a file that shrank is read again whole" "$(cat "$W/big.err")"
kill -INT $WATCH
wait $WATCH || true
trap - EXIT

# 8: a capped file in its tail ring (shim/cap_ring.c) is rewritten in place at a constant size: once
# the cap record is seen, the file is read whole at each change, and the watch finds what a report
# of the finished file finds.
R=$W/ring.d
mkdir -p "$R"
CREDTRACE_WATCH_DEBUG=1 CREDTRACE_WATCH_INTERVAL_MS=50 "$CLI" report --watch "$R" >"$W/ring.out" 2>"$W/ring.err" &
WATCH=$!
trap 'kill $WATCH 2>/dev/null || true' EXIT
prog='import os, time
for i in range(3000):
    os.environ["OPENAI_API_KEY"] = "x" * (i % 50 + 1)
    if i % 100 == 0:
        time.sleep(0.05)
os.environ["OPENAI_API_KEY"] = ""
time.sleep(0.3)'
CREDTRACE_MAX_BYTES=16k traced "$R" "$PY" -c "$prog" >/dev/null 2>&1 || true
until_in "$W/ring.out" "new error CRED_EMPTY" || true
sleep 0.3
kill -INT $WATCH
wait $WATCH || true
trap - EXIT
expect_eq "watch: a file in its ring is read whole at each change" \
	"$(grep -c "read [0-9]* bytes from 0 (whole)" "$W/ring.err" | awk '{print ($1 > 1)}') $(tq "$R" "len(by('cap'))")" "1 1"
expect_eq "watch: a ring file's findings are the report's" \
	"$(grep -o ' new [a-z]* [A-Z_]*' "$W/ring.out" | awk '{print $3}' | sort -u | tr '\n' ' ')" \
	"$("$CLI" report --format json "$R" 2>/dev/null | $PY -c 'import json,sys; print(" ".join(sorted({f["code"] for f in json.load(sys.stdin)["findings"]})), end=" ")')"

# 9: a file written in place (zero bytes where its records stop, as in a region a parent maps for
# its fork children): a record stored over the zeros is found even when the file's size and mtime
# stay the same (a store through a mapping need not change mtime; here the mtime is put back).
P=$W/inplace.d
mkdir -p "$P"
hdr=$(head -n 1 "$(find "$L" -maxdepth 1 -name '*.jsonl' ! -name '*.fork.jsonl' | sort | head -1)")
printf '%s\n' "$hdr" >"$P/region.jsonl"
truncate -s +65536 "$P/region.jsonl"
touch -d '1 hour ago' "$P/region.jsonl"
CREDTRACE_WATCH_DEBUG=1 CREDTRACE_WATCH_INTERVAL_MS=100 "$CLI" report --watch "$P" >"$W/inplace.out" 2>"$W/inplace.err" &
WATCH=$!
trap 'kill $WATCH 2>/dev/null || true' EXIT
until_in "$W/inplace.err" "(in place)" || true
$PY - "$P/region.jsonl" "$hdr" <<'PY'
import json, os, sys
path, hdr = sys.argv[1], sys.argv[2]
st = os.stat(path)
rec = {"t": "env", "ts": json.loads(hdr)["ts"] + 5, "name": "OPENAI_API_KEY", "state": "empty", "len": 0,
       "flags": [], "provider": None, "entropy": None, "fp": ""}
with open(path, "r+b") as f:
    f.seek(len(hdr) + 1)
    f.write(json.dumps(rec, separators=(",", ":")).encode() + b"\n")
os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
expect_eq "watch: the written-in-place file kept its size and mtime" "$(stat -c %s "$P/region.jsonl")" "$((${#hdr} + 1 + 65536))"
until_in "$W/inplace.out" "new error CRED_EMPTY OPENAI_API_KEY" &&
	ok "watch: a record stored in place over the zeros is found" ||
	fail "watch: a record stored in place over the zeros is found" "$(cat "$W/inplace.out" "$W/inplace.err" | head -c 600)"
kill -INT $WATCH
wait $WATCH || true
trap - EXIT
