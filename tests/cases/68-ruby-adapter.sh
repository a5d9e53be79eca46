#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 68-ruby-adapter: the Ruby adapter (shim/credtrace-ruby.rb, RUBYOPT=-r) in Debian's ruby: ENV reads
# of credential names carry the Ruby file:line, method and load-time flag; the program's output is the
# same; credtrace run appends the adapter to the user's RUBYOPT.
# shellcheck disable=SC2119 # canary takes an optional prefix
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

RUBY=/usr/bin/ruby
T=$ROOT/tests/ruby
ADAPTER=$BUILD/credtrace-ruby.rb
if [ ! -x "$RUBY" ]; then
	skip "ruby adapter" "no $RUBY (Debian package ruby)"
	exit 0
fi
line() { grep -n "# @$2\b" "$1" | head -1 | cut -d: -f1; }

export CT_RMOD_API_KEY CT_RFN_API_KEY
CT_RMOD_API_KEY=$(canary) CT_RFN_API_KEY=$(canary)
rc0=0 rc1=0
"$RUBY" "$T/app.rb" >"$W/bare.out" 2>&1 || rc0=$?
LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$W/tr RUBYOPT="-r$ADAPTER" "$RUBY" "$T/app.rb" >"$W/adapter.out" 2>&1 || rc1=$?
if cmp -s "$W/bare.out" "$W/adapter.out"; then ok "output identical with the adapter"; else
	fail "output identical" "$(diff "$W/bare.out" "$W/adapter.out" | head -5 | tr '\n' '|')"
fi
expect_eq "exit status" "$rc0 $rc1" "0 0"
check "runtime record ruby adapter" tq "$W/tr" \
	"[(r['name'], r['reads']) for r in by('runtime')] == [('ruby', 'adapter')]"
rb() { # NAME FILE MARKER FUNC MODULE_LEVEL STATE
	check "$1 at $(basename "$2"):$3 in $4" tq "$W/tr" \
		"[r for r in by('read') if r['name'] == '$1' and r['fn'] == 'ENV' and r['site'].get('rb') == {'file': '$2', 'line': $(line "$2" "$3"), 'func': '$4', 'module_level': $5} and r['state'] == '$6']"
}
rb CT_RMOD_API_KEY "$T/lib_mod.rb" rmod '<module>' True present
rb CT_RFN_API_KEY "$T/lib_mod.rb" rfn key False present
rb CT_RIN_TOKEN "$T/app.rb" rin load False absent
check "one record per read (no getenv twin)" tq "$W/tr" "not [r for r in by('read') if r['fn'] != 'ENV']"
"$CLI" report "$W/tr" >"$W/report.txt" 2>&1 || true
check "report text: load-time read at its line" grep -qF \
	"at $T/lib_mod.rb:$(line "$T/lib_mod.rb" rmod) (<module>) at import time" "$W/report.txt"

# credtrace run keeps the user's RUBYOPT and appends the adapter.
san_rt=""
[ -z "${SANITIZE:-}" ] || san_rt=${PRELOAD%% *}
out=$(RUBYOPT=-W0 LD_PRELOAD=$san_rt "$CLI" run -q -o "$W/run" "$RUBY" -e 'print ENV["RUBYOPT"]' 2>"$W/run.err") || out="$out $(cat "$W/run.err")"
expect_eq "run: RUBYOPT appended" "$out" "-W0 -r$(readlink -f "$ADAPTER")"
