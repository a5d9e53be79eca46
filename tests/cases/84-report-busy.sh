#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 84-report-busy: a process that set its key 2,000 times gives a text report of a few dozen lines
# (repeated evidence as examples and a count) while the JSON report keeps every event (issue 14).
. "$(dirname "$0")/../lib.sh"

D=$W/sets.d
mkdir -p "$D"
traced "$D" "$PROGS/env_set_loop" 2000 >/dev/null 2>&1 || true
expect_eq "busy sets: every set is its own record" "$(tq "$D" "len(by('set'))")" 2000
NO_COLOR=1 "$CLI" report "$D" >"$W/sets.txt" 2>"$W/sets.err" || true
"$CLI" report --format json "$D" >"$W/sets.json" 2>>"$W/sets.err" || true
lines=$(wc -l <"$W/sets.txt")
longest=$(awk '{ if (length > m) m = length } END { print m }' "$W/sets.txt")
if [ "$lines" -lt 60 ] && [ "$longest" -lt 2000 ]; then
	ok "busy sets: text report stays short ($lines lines, longest $longest bytes)"
else
	fail "busy sets: text report stays short" "$lines lines, longest $longest bytes"
fi
expect_eq "busy sets: evidence runs say how many lines they stand for" \
	"$(grep -c -- '- \.\.\. 1996 more like these \.\.\.' "$W/sets.txt")" 3
expect_eq "busy sets: the process line names the changes it leaves out" \
	"$(grep -c -- '\.\.\. 1995 more changes \.\.\.' "$W/sets.txt")" 1
expect_eq "busy sets: the first and the last change are shown" \
	"$(grep -c 'absent -> present (length 23)' "$W/sets.txt") $(grep -c 'present -> present (length 26)$' "$W/sets.txt")" "1 1"
expect_eq "busy sets: JSON keeps every set and every evidence line" \
	"$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["processes"][0]["credentials"][0]; print(len(c["sets"]), sorted(len(f["evidence"]) for f in r["findings"]))' "$W/sets.json")" \
	"2000 [2000, 3998]"
expect_eq "busy sets: findings unchanged by the text aggregation" \
	"$($PY -c 'import json,sys; print(sorted(f["code"] for f in json.load(open(sys.argv[1]))["findings"]))' "$W/sets.json")" \
	"['CRED_DIVERGENT', 'CRED_SET_AT_RUNTIME']"

# Progress: one self-erasing line on a terminal once reading takes longer than the delay (1 s; 0 here
# so that the check does not depend on the machine's speed), nothing when stderr is not a terminal.
if command -v script >/dev/null; then
	CREDTRACE_PROGRESS_AFTER_MS=0 script -qec "'$CLI' report '$D' >/dev/null" /dev/null >"$W/tty.out" 2>&1 || true
	expect_eq "progress: shown on a terminal, then erased" \
		"$($PY -c 'import sys; s=open(sys.argv[1],"rb").read(); print(b"credtrace: read 1 file, " in s, s.endswith(b"\r\x1b[K") or b"\r\x1b[K\r\n" in s or s.rstrip(b"\r\n").endswith(b"\x1b[K"))' "$W/tty.out")" \
		"True True"
else
	skip "progress: shown on a terminal" "script(1) missing (util-linux)"
fi
CREDTRACE_PROGRESS_AFTER_MS=0 "$CLI" report "$D" >/dev/null 2>"$W/notty.err" || true
expect_eq "progress: nothing when stderr is not a terminal" "$(wc -c <"$W/notty.err")" 0
