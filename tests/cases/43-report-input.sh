#!/usr/bin/env bash
# Refused or skipped input is part of the report: JSON "input" (files read, lines skipped with
# file:line and reason, files refused and why, ignored settings, key ids), "Not seen" in text, a few
# messages per file on stderr, exit status 3 when input was refused (--fail-on first), and an
# unreadable PATH does not hide the report of the others.
# shellcheck disable=SC2016
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1

good=$W/good
mkdir -p "$good"
cp tests/golden/malformed-newline/trace/*.jsonl "$good/" # one CRED_MALFORMED warning
rep() { # ARGS...: prints "rc=N", stdout in $W/out, stderr in $W/err
	local rc=0
	"$CLI" report "$@" >"$W/out" 2>"$W/err" || rc=$?
	echo "rc=$rc"
}
j() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$W/out" "$1"; }

expect_eq "clean input: exit 0" "$(rep "$good")" "rc=0"
expect_eq "clean input: JSON input lists the file read" "$(rep --format json "$good"; j 'len(r["input"]["files_read"]), r["input"]["files_refused"]')" "rc=0
(1, [])"

# A newer schema next to readable input: refused, said, exit 3; --fail-on still applies first.
mixed=$W/mixed
cp -r "$good" "$mixed"
printf '{"t":"hdr","ts":1,"schema":"credtrace.trace/9","pid":9,"host":"h","nonce":"n"}\n' >"$mixed/h.9.n.jsonl"
expect_eq "newer schema: exit 3 (input refused)" "$(rep "$mixed")" "rc=3"
grep -q 'input refused: .*h.9.n.jsonl: schema credtrace.trace/9 is newer' "$W/out" && ok "newer schema: in Not seen" ||
	fail "newer schema in Not seen" "$(tail -4 "$W/out")"
expect_eq "newer schema with --fail-on warning and a warning: exit 1" "$(rep --fail-on warning "$mixed")" "rc=1"
expect_eq "newer schema with --fail-on error, no error: exit 3" "$(rep --fail-on error "$mixed")" "rc=3"
rep --format json "$mixed" >/dev/null
expect_eq "newer schema: JSON files_refused names it and why" \
	"$(j '[(f["file"].endswith("h.9.n.jsonl"), "newer than this reader" in f["reason"]) for f in r["input"]["files_refused"]]')" "[(True, True)]"

# 100 KB of binary garbage: a bounded number of messages, the lines counted in the report.
bin=$W/bin
cp -r "$good" "$bin"
head -c 100000 /dev/urandom >"$bin/junk.1.x.jsonl"
rep --format json "$bin" >/dev/null
n=$(wc -l <"$W/err")
[ "$n" -le 6 ] && ok "100 KB binary file: $n stderr lines (at most 6)" || fail "binary file messages" "$n lines"
grep -q 'more unreadable lines skipped' "$W/err" && ok "binary file: the rest are counted on stderr" || fail "binary file: count" "$(tail -2 "$W/err")"
expect_eq "binary file: refused in JSON, lines listed up to 20, total counted" \
	"$(j '(len(r["input"]["files_refused"]), len(r["input"]["lines_skipped"]) <= 20, r["input"]["lines_skipped_total"] > 20)')" "(1, True, True)"

# A corrupt line in a good file: skipped with file:line and reason, the file still read.
bad=$W/badline
cp -r "$good" "$bad"
f=$(ls "$bad"/*.jsonl)
printf 'not json\n' >>"$f"
expect_eq "corrupt line: exit 0 (skipped, not refused)" "$(rep --format json "$bad")" "rc=0"
expect_eq "corrupt line: JSON lines_skipped has file, line, reason" \
	"$(j '[(s["file"].endswith(".jsonl"), s["line"], s["reason"]) for s in r["input"]["lines_skipped"]]')" \
	"[(True, $(wc -l <"$f"), 'not valid JSON: skipped')]"

# An unreadable PATH does not hide the report of a readable one.
expect_eq "report /nonexistent gooddir: exit 3" "$(rep /nonexistent-credtrace "$good")" "rc=3"
grep -q 'CRED_MALFORMED' "$W/out" && ok "report /nonexistent gooddir: gooddir's report printed" || fail "report of gooddir" "$(head -3 "$W/out")"
grep -q 'input refused: /nonexistent-credtrace: No such file or directory' "$W/out" && ok "the unreadable PATH is in Not seen" ||
	fail "unreadable PATH in Not seen" "$(tail -3 "$W/out")"
expect_eq "only unreadable PATHs: exit 2" "$(rep /nonexistent-credtrace)" "rc=2"

# Settings the shim ignored, and fingerprints under different keys, are said.
s=$W/settings
mkdir -p "$s"
sed 's/"preload":true}/"preload":true,"config":["CREDTRACE_MAX_BYTES: not a size (digits with an optional k, M or G); using 16M"]}/' \
	"$f" | head -n -1 >"$s/worker.40.000000000004d558.jsonl"
rep "$s" >/dev/null
grep -q 'a setting was ignored (.*): CREDTRACE_MAX_BYTES: not a size' "$W/out" && ok "ignored setting: in Not seen" || fail "ignored setting" "$(tail -3 "$W/out")"
rep tests/golden/divergent-kid/trace/api tests/golden/divergent-kid/trace/worker >/dev/null
grep -q 'fingerprints under 2 different keys (key ids 41104bc4, 77aa0011)' "$W/out" && ok "different key ids: said" ||
	fail "different key ids" "$(tail -3 "$W/out")"
