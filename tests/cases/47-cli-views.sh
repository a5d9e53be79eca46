#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CLI around the report: each command's --help (every option the parser takes, with examples),
# bash completion, `report -` (traces on stdin), --findings-only, --pid, and `run -q` naming the
# trace directory.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }
G=tests/golden
nproc_json() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["processes"]), len(r["findings"]))' "$1"; }

# --help: stdout, status 0, every option and an example.
for c in run report snap attach detach; do
	rc=0
	"$CLI" $c --help >"$W/help-$c" 2>"$W/help-$c.err" || rc=$?
	expect_eq "$c --help: status 0" "$rc" 0
	missing=""
	case $c in
	run) opts="-o --output -q --quiet --wait -- --help" ;;
	snap) opts="--all -o --format --fail-on -- --help" ;;
	attach) opts="-o --for --children --seccomp-ok -- --help" ;;
	detach) opts="--help" ;;
	report) opts="--format --fail-on --baseline --pid --findings-only --help sarif junit html" ;;
	esac
	for o in $opts; do grep -qe " ${o}[ ,]" -e " ${o}\$" -e "${o} " "$W/help-$c" || missing="$missing $o"; done
	expect_eq "$c --help names every option" "$missing" ""
	check "$c --help has examples" grep -q "^  credtrace $c " "$W/help-$c"
	check "$c --help says the exit status" grep -q "^Exit status" "$W/help-$c"
done
"$CLI" --help >"$W/help-main"
check "credtrace --help lists the commands" grep -q "^  report " "$W/help-main"
check "credtrace --help points to COMMAND --help" grep -q "COMMAND --help" "$W/help-main"

# Bash completion, driven as bash drives it.
comp() { # words... (the last one is being completed)
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _credtrace; echo "${COMPREPLY[*]}"' \
		_ scripts/credtrace.bash-completion "$@"
}
expect_eq "completion: commands" "$(comp credtrace re)" "report"
expect_eq "completion: report options" "$(comp credtrace report --f)" "--format --fail-on --findings-only"
expect_eq "completion: formats" "$(comp credtrace report --format '')" "text json sarif junit html"
expect_eq "completion: levels" "$(comp credtrace report --fail-on w)" "warning"
expect_eq "completion: run options" "$(comp credtrace run --q)" "--quiet"
expect_eq "completion: snap, attach, detach" "$(comp credtrace a; comp credtrace attach --c; comp credtrace snap --a)" "attach
--children
--all"

# report -: the traces of a directory, piped in one after the other, give the same report.
"$CLI" report --format json $G/read-before-fork/trace >"$W/dir.json"
cat $G/read-before-fork/trace/*.jsonl | "$CLI" report --format json - >"$W/stdin.json"
expect_eq "report -: same processes and findings as the directory" "$(nproc_json "$W/stdin.json")" "$(nproc_json "$W/dir.json")"
left=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'credtrace-stdin.*' -newer "$W/dir.json" 2>/dev/null | wc -l)
expect_eq "report -: its temporary directory is removed" "$left" 0
expect_eq "report -: the input section names standard input, not the removed directory" \
	"$($PY -c 'import json,sys; print(sorted({f.split("/")[0] for f in json.load(open(sys.argv[1]))["input"]["files_read"]}))' "$W/stdin.json")" "['-']"
rc=0
"$CLI" report - </dev/null >/dev/null 2>"$W/empty.err" || rc=$?
expect_eq "report - with nothing on stdin: status 2" "$rc" 2
"$CLI" report --format json - $G/clean/trace <$G/missing-primary/trace/api.1.0000000000001eef.jsonl >"$W/mix.json"
expect_eq "report - merged with a directory" "$(nproc_json "$W/mix.json" | cut -d' ' -f1)" 2

# --findings-only: the findings, not the tree.
"$CLI" report --findings-only $G/read-before-fork/trace >"$W/fo.txt"
check "--findings-only: findings shown" grep -q '^warning CRED_READ_BEFORE_FORK' "$W/fo.txt"
if grep -q '^Processes' "$W/fo.txt" || grep -q '^Not seen' "$W/fo.txt"; then
	fail "--findings-only" "process tree or blind spots printed"
else ok "--findings-only: no process tree, no blind spots"; fi

# --pid: one worker of a gunicorn tree (700 forks 701 and 702).
"$CLI" report --format json --pid 701 $G/read-before-fork/trace >"$W/p701.json"
got=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print([p["pid"] for p in r["processes"]], sorted({f["code"] for f in r["findings"]}))' "$W/p701.json")
expect_eq "--pid 701: that process and the findings naming it" "$got" "[701] ['CRED_READ_BEFORE_FORK']"
"$CLI" report --format json --pid 700 $G/read-before-fork/trace >"$W/p700.json"
expect_eq "--pid 700: its descendants too" "$(nproc_json "$W/p700.json")" "$(nproc_json "$W/dir.json")"
"$CLI" report --pid 701 $G/read-before-fork/trace >"$W/p701.txt"
check "--pid: text tree starts at the process" grep -q '^  pid 701 ' "$W/p701.txt"
rc=0
"$CLI" report --pid 4242 $G/read-before-fork/trace >/dev/null 2>"$W/nopid.err" || rc=$?
expect_eq "--pid of no process: status 2" "$rc" 2
check "--pid of no process: says so" grep -q 'no process with that pid' "$W/nopid.err"

# run -q: no report, but where the traces went.
rc=0
out=$("$CLI" run -q -o "$W/q" sh -c 'echo out' 2>"$W/q.err") || rc=$?
expect_eq "run -q: the command's stdout" "$out" out
expect_eq "run -q: one line naming the directory" "$(cat "$W/q.err")" "credtrace: traces in $(realpath "$W/q")"
