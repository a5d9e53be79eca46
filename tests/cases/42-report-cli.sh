#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# credtrace report's command line: --fail-on levels and exit codes, usage errors, text sections, colour.
set -eu
. "$(dirname "$0")/../lib.sh"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }
G=$ROOT/tests/golden

rc_of() {
	local rc=0
	"$@" >"$W/out" 2>"$W/err" || rc=$?
	echo "$rc"
}

# missing-primary has an error; malformed-newline a warning; missing-optional-probe only infos; clean none.
expect_eq "default --fail-on never: 0 with an error" "$(rc_of "$CLI" report "$G/missing-primary/trace")" 0
for lvl in error warning info; do
	expect_eq "--fail-on $lvl with an error: 1" "$(rc_of "$CLI" report --fail-on $lvl "$G/missing-primary/trace")" 1
done
expect_eq "--fail-on never: 0" "$(rc_of "$CLI" report --fail-on never "$G/missing-primary/trace")" 0
expect_eq "--fail-on error with a warning: 0" "$(rc_of "$CLI" report --fail-on error "$G/malformed-newline/trace")" 0
expect_eq "--fail-on=warning with a warning: 1" "$(rc_of "$CLI" report --fail-on=warning "$G/malformed-newline/trace")" 1
expect_eq "--fail-on warning with infos only: 0" \
	"$(rc_of "$CLI" report --fail-on warning "$G/missing-optional-probe/trace")" 0
expect_eq "--fail-on info with infos: 1" "$(rc_of "$CLI" report --fail-on info "$G/missing-optional-probe/trace")" 1
expect_eq "--fail-on info, no finding: 0" "$(rc_of "$CLI" report --fail-on info "$G/clean/trace")" 0
expect_eq "several paths merged" "$(rc_of "$CLI" report --format json "$G/clean/trace" "$G/divergent/trace")" 0
n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"]))' "$W/out")
expect_eq "several paths merged: all processes" "$n" 3

# Usage errors: exit 2 and a message that says what is wrong.
usage() { # name expected-stderr-substring args...
	local n=$1 want=$2
	shift 2
	local rc
	rc=$(rc_of "$CLI" "$@")
	if [ "$rc" = 2 ] && grep -qF -- "$want" "$W/err"; then ok "$n"; else fail "$n" "rc=$rc stderr=$(head -c 200 "$W/err")"; fi
}
usage "unknown format" "unknown format 'xml'" report --format xml "$G/clean/trace"
usage "unknown fail-on level" "unknown --fail-on level 'fatal'" report --fail-on fatal "$G/clean/trace"
usage "option without value" "--format needs a value" report "$G/clean/trace" --format
usage "unknown option" "unknown option '--colour'" report --colour "$G/clean/trace"
usage "no path" "no trace directory or file given" report
usage "unknown command" "unknown command 'reprot'" reprot
usage "no command" "usage:"
expect_eq "--help: 0" "$(rc_of "$CLI" --help)" 0
check "--help names report" grep -q "^  report " "$W/out"
check "--help names run" grep -q "^  run " "$W/out"
expect_eq "--version: 0" "$(rc_of "$CLI" --version)" 0
check "--version prints the version" grep -qE '^credtrace [0-9]+\.[0-9]+' "$W/out"
expect_eq "report --help: 0" "$(rc_of "$CLI" report --help)" 0
expect_eq "-- ends options" "$(rc_of "$CLI" report -- "$G/clean/trace")" 0

# Text output: findings (most severe first), the process tree, what could not be seen.
NO_COLOR=1 "$CLI" report "$G/lost-vfork-untraced/trace" >"$W/t.txt" 2>&1 || true
check "text: summary line" grep -qE '^credtrace: 2 findings \(0 errors, 2 warnings, 0 info\)' "$W/t.txt"
check "text: a fix per finding" test "$(grep -c '^  fix: ' "$W/t.txt")" = 2
check "text: Processes section" grep -q '^Processes$' "$W/t.txt"
check "text: Not seen section" grep -q '^Not seen$' "$W/t.txt"
check "text: untraced child listed as not seen" grep -q 'untraced child (LD_PRELOAD removed)' "$W/t.txt"
order=$(grep -nE '^(credtrace:|error|warning|info|Processes|Not seen)' "$W/t.txt" | cut -d: -f2 | cut -c1-7 | tr '\n' ' ')
expect_eq "text: sections in order" "$order" "credtra warning warning Process Not see "
NO_COLOR=1 "$CLI" report "$G/lost-spawn-read/trace" "$G/malformed-newline/trace" >"$W/t2.txt" 2>&1 || true
sev=$(grep -oE '^(error|warning|info) ' "$W/t2.txt" | tr -d ' ' | tr '\n' ' ')
expect_eq "text: most severe first" "$sev" "error error warning "
check "text: credential line shows state, length, fingerprint" \
	grep -qE 'OPENAI_API_KEY: present len 164 openai fp 3f9a0c11d2e4' "$W/t2.txt"
check "text: blind runtime said, never 'did not read'" \
	sh -c "NO_COLOR=1 '$CLI' report '$G/lost-blind-child/trace' | grep -q 'os.environ reads are not visible' && ! NO_COLOR=1 '$CLI' report '$G/lost-blind-child/trace' | grep -qi 'did not read'"

# Colour: none when piped or with NO_COLOR; ANSI on a terminal (script(1) gives a pty).
"$CLI" report "$G/missing-primary/trace" >"$W/pipe.txt" 2>&1 || true
check "no colour when piped" sh -c "! grep -q $'\033' '$W/pipe.txt'"
if command -v script >/dev/null 2>&1; then
	script -qec "$CLI report $G/missing-primary/trace" /dev/null >"$W/tty.txt" 2>&1 </dev/null || true
	check "colour on a terminal" grep -q $'\033\[' "$W/tty.txt"
	NO_COLOR=1 script -qec "$CLI report $G/missing-primary/trace" /dev/null >"$W/tty2.txt" 2>&1 </dev/null || true
	check "NO_COLOR on a terminal: no colour" sh -c "! grep -q $'\033\[' '$W/tty2.txt'"
else
	skip "colour on a terminal" "script(1) not installed"
fi

# Node reads: process.env, with the JavaScript line not recorded, never libuv's own file:line as the
# app's site. Recognised by the exe (node), and by the innermost frames (uv_os_getenv, node::EnvGetter)
# for a renamed node binary (an embedding, a single-executable app).
NODE=/usr/bin/node
if [ ! -x "$NODE" ] || [ ! -e "$SHIM" ]; then
	skip "node read sites" "no $NODE or no shim"
else
	cp "$NODE" "$W/app-server"
	for exe in "$NODE" "$W/app-server"; do
		n=$(basename "$exe")
		rm -rf "$W/node-$n"
		OPENAI_API_KEY=$(canary) traced "$W/node-$n" "$exe" -e 'if (!process.env.OPENAI_API_KEY) process.exit(3); process.env.ANTHROPIC_API_KEY' ||
			true
		"$CLI" report --format json "$W/node-$n" >"$W/node-$n.json" 2>/dev/null || true
		NO_COLOR=1 "$CLI" report "$W/node-$n" >"$W/node-$n.txt" 2>/dev/null || true
		check "node read site ($n): JSON says process.env, line not recorded" "$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
sites = [rd["site"] for p in r["processes"] for c in p["credentials"] for rd in c["reads"]]
assert sites and all(s.startswith("process.env (JavaScript; file:line not recorded") for s in sites), sites' "$W/node-$n.json"
		check "node read site ($n): text evidence names process.env" grep -q "read ANTHROPIC_API_KEY via process.env (JavaScript" "$W/node-$n.txt"
		if grep -q "uv_os_getenv\|core.c" "$W/node-$n.txt"; then
			fail "node read site ($n): no libuv site shown" "$(grep -m1 uv_os_getenv "$W/node-$n.txt")"
		else
			ok "node read site ($n): no libuv site shown"
		fi
	done
	rm -f "$W/app-server"
	# node --env-file reads each variable (absent) and sets it, in node::Dotenv before any JavaScript:
	# named so, and no CRED_MISSING.
	printf 'ANTHROPIC_API_KEY=not-a-real-key\n' >"$W/dot.env"
	rm -rf "$W/node-envfile"
	traced "$W/node-envfile" "$NODE" --env-file="$W/dot.env" -e 'process.env.ANTHROPIC_API_KEY' || true
	NO_COLOR=1 "$CLI" report "$W/node-envfile" >"$W/node-envfile.txt" 2>/dev/null || true
	check "node --env-file: read and set named as node --env-file" \
		grep -q "ANTHROPIC_API_KEY: absent; read 1x at node --env-file .*setenv -> present at node --env-file" "$W/node-envfile.txt"
	if grep -q "CRED_MISSING" "$W/node-envfile.txt"; then
		fail "node --env-file: no CRED_MISSING" "$(grep -A2 CRED_MISSING "$W/node-envfile.txt" | head -3)"
	else
		ok "node --env-file: no CRED_MISSING"
	fi
fi
