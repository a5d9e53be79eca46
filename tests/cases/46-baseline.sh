#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# report --baseline FILE: findings already in FILE (a JSON report) are hidden from the report and the
# exit status, and counted on stderr; a new finding still shows; the same program run again (new pids,
# times) matches its baseline; a bad FILE is a usage error.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }
G=tests/golden

nfind() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$1"; }

# Each golden case against its own report: everything hidden.
bad=""
for dir in "$G"/*/; do
	c=$(basename "$dir")
	[ -d "$dir/trace" ] || continue
	inputs=("$dir/trace")
	if compgen -G "$dir/trace/*/" >/dev/null; then inputs=("$dir"/trace/*/); fi
	"$CLI" report --format json "${inputs[@]}" >"$W/$c.base.json" 2>/dev/null || true
	"$CLI" report --format json --baseline "$W/$c.base.json" "${inputs[@]}" >"$W/$c.json" 2>"$W/$c.err" || true
	[ "$(nfind "$W/$c.json")" = 0 ] || bad="$bad $c"
	want=$(nfind "$W/$c.base.json")
	grep -q "^credtrace: $want finding.* hidden" "$W/$c.err" || bad="$bad $c(count)"
done
expect_eq "every golden report hides all its own findings, and counts them" "$bad" ""

# One case's baseline does not hide another's findings (same code and variable, other programs).
"$CLI" report --format json --baseline "$W/missing-primary.base.json" $G/lost-spawn-read/trace >"$W/x.json" 2>/dev/null || true
expect_eq "another trace's findings stay" "$(nfind "$W/x.json")" "$(nfind "$W/lost-spawn-read.base.json")"

# The same program twice: other pids and times, same findings known; a new variable is new.
cat >"$W/app.py" <<'PY'
import os, sys
for name in sys.argv[1:]:
    os.environ.get(name)
PY
run() { # DIR VAR...
	local d=$1
	shift
	env -i PATH=/usr/bin:/bin "LD_PRELOAD=$PRELOAD" "CREDTRACE_DIR=$d" "$PY" "$W/app.py" "$@"
}
run "$W/r1" OPENAI_API_KEY
run "$W/r2" OPENAI_API_KEY
run "$W/r3" OPENAI_API_KEY ANTHROPIC_API_KEY
"$CLI" report --format json "$W/r1" >"$W/r1.json"
expect_eq "first run has a finding" "$(nfind "$W/r1.json")" 1
rc=0
"$CLI" report --fail-on error --baseline "$W/r1.json" "$W/r2" >"$W/r2.txt" 2>"$W/r2.err" || rc=$?
expect_eq "second run against the first: exit 0 with --fail-on error" "$rc" 0
check "second run: the hidden finding is counted" grep -q "^credtrace: 1 finding hidden: already in the baseline" "$W/r2.err"
check "second run: text report shows no finding" grep -q "^credtrace: 0 findings" "$W/r2.txt"
rc=0
"$CLI" report --format json --fail-on error --baseline "$W/r1.json" "$W/r3" >"$W/r3.json" 2>/dev/null || rc=$?
expect_eq "a new finding still fails" "$rc" 1
v=$($PY -c 'import json,sys; print(" ".join(f["variable"] for f in json.load(open(sys.argv[1]))["findings"]))' "$W/r3.json")
expect_eq "only the new variable is reported" "$v" "ANTHROPIC_API_KEY"

# Bad baselines: exit 2 and a message that says why.
rc=0
"$CLI" report --baseline "$W/nonexistent.json" "$W/r1" >/dev/null 2>"$W/e1" || rc=$?
if [ "$rc" = 2 ] && grep -q 'nonexistent.json: No such file' "$W/e1"; then ok "missing baseline: exit 2"; else fail "missing baseline" "rc=$rc $(cat "$W/e1")"; fi
echo '{"not": "a report"}' >"$W/junk.json"
rc=0
"$CLI" report --baseline "$W/junk.json" "$W/r1" >/dev/null 2>"$W/e2" || rc=$?
if [ "$rc" = 2 ] && grep -q 'not a JSON report of credtrace' "$W/e2"; then ok "not a report: exit 2"; else fail "junk baseline" "rc=$rc $(cat "$W/e2")"; fi
rc=0
"$CLI" report --baseline >/dev/null 2>&1 || rc=$?
expect_eq "--baseline without FILE: exit 2" "$rc" 2
