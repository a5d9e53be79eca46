#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 67-node-adapter: the Node adapter (shim/credtrace-node.cjs + shim/node.c) in real node: process.env
# reads carry the JavaScript file:line, function and import-time flag (CommonJS and ES modules,
# child_process and cluster children); bulk copies are not reads; a child whose NODE_OPTIONS the app
# replaced is still traced and the report says why it has no line; process.env behaves the same with
# and without the adapter; credtrace run appends the adapter to the user's NODE_OPTIONS.
# shellcheck disable=SC2119 # canary takes an optional prefix
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

NODE=/usr/bin/node
A=$ROOT/tests/node/adapter
ADAPTER=$BUILD/credtrace-node.cjs
if [ ! -x "$NODE" ]; then
	skip "node adapter" "no $NODE (Debian package nodejs)"
	exit 0
fi
line() { grep -n "// @$2\b" "$1" | head -1 | cut -d: -f1; }
# with_adapter DIR CMD...: traced, with the adapter required as credtrace run does it.
with_adapter() {
	local d=$1
	shift
	LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$d NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require $ADAPTER" "$@"
}
# same_run NAME CMD...: output and status of CMD bare, traced, and traced with the adapter are equal.
same_run() {
	local n=$1 rc0=0 rc1=0 rc2=0
	shift
	"$@" >"$W/$n.bare" 2>&1 || rc0=$?
	traced "$W/$n-noadapter" "$@" >"$W/$n.shim" 2>&1 || rc1=$?
	with_adapter "$W/$n" "$@" >"$W/$n.adapter" 2>&1 || rc2=$?
	if cmp -s "$W/$n.bare" "$W/$n.shim" && cmp -s "$W/$n.bare" "$W/$n.adapter"; then
		ok "$n: output identical bare, traced, traced with the adapter"
	else
		fail "$n: output identical" "$(diff "$W/$n.bare" "$W/$n.adapter" | head -5 | tr '\n' '|')"
	fi
	expect_eq "$n: exit status the same ($rc0 $rc1 $rc2)" "$rc0 $rc1 $rc2" "0 0 0"
}
# js DIR NAME FILE MARKER FUNC MODULE_LEVEL STATE [COUNT]: a process.env read of NAME with that site,
# in COUNT trace files (default 1).
js() {
	check "$(basename "$1"): $2 at $(basename "$3"):$4 in $5" tq "$1" \
		"len({r['_file'] for r in by('read') if r['name'] == '$2' and r['fn'] == 'process.env' and r['site'].get('js') == {'file': '$3', 'line': $(line "$3" "$4"), 'func': '$5', 'module_level': $6} and r['state'] == '$7'}) == ${8:-1}"
}

export CT_MOD_API_KEY CT_FN_API_KEY CT_LOOP_API_KEY CT_BULK_API_KEY CT_CHILD_API_KEY CT_EMOD_API_KEY CT_EFN_API_KEY
CT_MOD_API_KEY=$(canary) CT_FN_API_KEY=$(canary) CT_LOOP_API_KEY=$(canary) CT_BULK_API_KEY=$(canary)
CT_CHILD_API_KEY=$(canary) CT_EMOD_API_KEY=$(canary) CT_EFN_API_KEY=$(canary)

# --- process.env behaves the same: every operation of env_behaviour.js, byte for byte.
E=(env -i PATH=/usr/bin:/bin HOME=/nonexistent CT_T_PLAIN=plain CT_T_EMPTY= "CT_T_API_KEY=$(canary)")
rc0=0 rc1=0
"${E[@]}" "$NODE" "$ROOT/tests/node/env_behaviour.js" >"$W/behaviour.bare" 2>&1 || rc0=$?
"${E[@]}" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/tr-behaviour" NODE_OPTIONS="--require $ADAPTER" \
	"$NODE" "$ROOT/tests/node/env_behaviour.js" >"$W/behaviour.adapter" 2>&1 || rc1=$?
if cmp -s "$W/behaviour.bare" "$W/behaviour.adapter"; then
	ok "process.env behaviour identical with the adapter ($(wc -l <"$W/behaviour.bare") operations)"
else
	fail "process.env behaviour identical" "$(diff "$W/behaviour.bare" "$W/behaviour.adapter" | head -6 | tr '\n' '|')"
fi
expect_eq "process.env behaviour: exit status" "$rc0 $rc1" "0 0"
check "process.env behaviour: the adapter was on" tq "$W/tr-behaviour" \
	"any(r['reads'] == 'adapter' for r in by('runtime')) and any(r['name'] == 'CT_T_API_KEY' and r['site'].get('js') for r in by('read'))"

# --- CommonJS: import-time read in one module, function read in it, a method, a copy, a loop.
m=$A/cjs_mod.js c=$A/cjs_main.js
same_run cjs "$NODE" "$c" plain
d=$W/cjs
check "cjs: runtime record reads adapter" tq "$d" \
	"[(r['name'], r['version'], r['reads'], r['why']) for r in by('runtime')] == [('node', '$("$NODE" -p process.version)', 'adapter', None)]"
js "$d" CT_MOD_API_KEY "$m" mod '<module>' True present
js "$d" CT_FN_API_KEY "$m" fn getKey False present
js "$d" CT_IN_TOKEN "$c" in Settings.load False absent
js "$d" CT_LOOP_API_KEY "$c" loop main False present
for w in set:setenv del:unsetenv; do
	check "cjs: ${w#*:} of a credential at cjs_main.js:$(line "$c" "${w%:*}")" tq "$d" \
		"[r for r in by('set') if r['name'] == 'CT_SET_API_KEY' and r['fn'] == '${w#*:}' and r['site'].get('js') == {'file': '$c', 'line': $(line "$c" "${w%:*}"), 'func': 'main', 'module_level': False}]"
done
check "cjs: a bulk copy ({...process.env}) is not a read" tq "$d" \
	"not [r for r in by('read') if r['name'] == 'CT_BULK_API_KEY']"
check "cjs: no second (getenv) record for the adapter's own access" tq "$d" \
	"not [r for r in by('read') if r['fn'] != 'process.env']"
check "cjs without the adapter: reads seen through getenv, no line" tq "$W/cjs-noadapter" \
	"[r for r in by('read') if r['name'] == 'CT_MOD_API_KEY' and r['fn'] == 'getenv' and 'js' not in r['site']]"
check "cjs without the adapter: runtime record says why" tq "$W/cjs-noadapter" \
	"[(r['reads'], 'not loaded' in r['why']) for r in by('runtime')] == [('getenv', True)]"

# The report: text and JSON show the line and the import-time flag; without the adapter, why not.
"$CLI" report "$d" >"$W/cjs.txt" 2>&1 || true
check "cjs report text: import-time read at its line" grep -qF \
	"read 1x at $m:$(line "$m" mod) (<module>) at import time" "$W/cjs.txt"
"$CLI" report --format json "$d" >"$W/cjs.json" 2>&1 || true
check "cjs report json: site and import_time" $PY -c "
import json, sys
p = json.load(open('$W/cjs.json'))['processes'][0]
r = [c for c in p['credentials'] if c['name'] == 'CT_FN_API_KEY'][0]['reads'][0]
m = [c for c in p['credentials'] if c['name'] == 'CT_MOD_API_KEY'][0]['reads'][0]
sys.exit(not (r['site'] == '$m:$(line "$m" fn) (getKey)' and r['import_time'] is False and m['import_time'] is True))"
"$CLI" report "$W/cjs-noadapter" >"$W/cjs-noadapter.txt" 2>&1 || true
check "cjs report without the adapter: says it was not loaded" grep -q "the Node adapter was not loaded" \
	"$W/cjs-noadapter.txt"

# --- ES modules: the same through import, and a top-level read after a top-level await.
e=$A/esm_main.mjs em=$A/esm_mod.mjs
same_run esm "$NODE" "$e"
js "$W/esm" CT_EMOD_API_KEY "$em" emod '<module>' True present
js "$W/esm" CT_EFN_API_KEY "$em" efn makeClient False present
js "$W/esm" CT_LATE_API_KEY "$e" late '<module>' True absent

# --- children: child_process.fork, cluster workers (each its own trace, its own line).
same_run fork "$NODE" "$c" fork
js "$W/fork" CT_CHILD_API_KEY "$c" child childWork False present
check "fork: the child loaded the adapter too" tq "$W/fork" "sum(1 for r in by('runtime') if r['reads'] == 'adapter') == 2"
same_run cluster "$NODE" "$c" cluster
js "$W/cluster" CT_CHILD_API_KEY "$c" child childWork False present 2

# --- worker threads: with SHARE_ENV the worker's read has its line; a default worker reads a copy,
# which Node's C++ made (KVStore::Clone, one getenv per variable, no line) when it was created.
CT_WORKER_API_KEY=$(canary) same_run worker "$NODE" "$A/worker.js"
check "worker: SHARE_ENV read at worker_job.js:$(line "$A/worker_job.js" wjob), one only" tq "$W/worker" \
	"[(r['site']['js']['line'], r['site']['js']['func']) for r in by('read') if r['name'] == 'CT_WORKER_API_KEY' and r['fn'] == 'process.env'] == [($(line "$A/worker_job.js" wjob), 'job')]"
check "worker: the default worker's copy is Node's getenv, without a line" tq "$W/worker" \
	"[r for r in by('read') if r['name'] == 'CT_WORKER_API_KEY' and r['fn'] == 'getenv' and 'js' not in r['site']]"

# --- an app that sets NODE_OPTIONS for its child: the child is traced, through getenv, and says why.
same_run nodeopts "$NODE" "$c" nodeopts
check "nodeopts: the child's read seen through getenv" tq "$W/nodeopts" \
	"[r for r in by('read') if r['name'] == 'CT_CHILD_API_KEY' and r['fn'] == 'getenv']"
check "nodeopts: the child's runtime record says the adapter was not loaded" tq "$W/nodeopts" \
	"sorted(r['reads'] for r in by('runtime')) == ['adapter', 'getenv']"

# --- credtrace run: the adapter is appended to the user's NODE_OPTIONS, never replacing it.
san_rt=""
[ -z "${SANITIZE:-}" ] || san_rt=${PRELOAD%% *}
out=$(NODE_OPTIONS=--max-old-space-size=300 LD_PRELOAD=$san_rt "$CLI" run -q -o "$W/run" "$NODE" -p \
	'process.env.NODE_OPTIONS + " " + require("v8").getHeapStatistics().heap_size_limit' 2>"$W/run.err") ||
	out="$out $(cat "$W/run.err")"
case $out in
"--max-old-space-size=300 --require $(readlink -f "$ADAPTER") "*) ok "run: NODE_OPTIONS keeps the user's options, adapter appended" ;;
*) fail "run: NODE_OPTIONS appended" "$out" ;;
esac
lim=$("$NODE" --max-old-space-size=300 -p 'require("v8").getHeapStatistics().heap_size_limit')
expect_eq "run: the user's option still applies" "${out##* }" "$lim"
LD_PRELOAD=$san_rt "$CLI" run -q -o "$W/run-cjs" "$NODE" "$c" plain >"$W/run-cjs.out" 2>&1 || true
# -q's one line of its own, where the traces went, is credtrace's, not the program's.
grep -v "^credtrace: traces in $W/run-cjs\$" "$W/run-cjs.out" >"$W/run-cjs.prog" || true
check "run: output the same" cmp "$W/cjs.bare" "$W/run-cjs.prog"
js "$W/run-cjs" CT_MOD_API_KEY "$m" mod '<module>' True present

# --- LangGraph.js with @langchain/openai: the SDK's own read sites (needs tests/node/node_modules).
if [ -d "$ROOT/tests/node/node_modules/@langchain/openai" ]; then
	OPENAI_API_KEY=$(canary) with_adapter "$W/lg" "$NODE" -e \
		'const { ChatOpenAI } = require("@langchain/openai"); new ChatOpenAI({ model: "gpt-4o-mini" });' \
		>"$W/lg.out" 2>&1 || true
	check "langchain: OPENAI_API_KEY read inside @langchain/openai" tq "$W/lg" \
		"[r for r in by('read') if r['name'] == 'OPENAI_API_KEY' and '/node_modules/' in r['site'].get('js', {}).get('file', '')]"
else
	skip "langchain: SDK read sites" "tests/node/node_modules has no @langchain/openai (npm packages not installed)"
fi
