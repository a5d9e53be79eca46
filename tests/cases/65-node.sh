#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 65-node: Node.js under the shim: process.env reads reach libc getenv; child_process.fork with a key-less
# environment, a scrubbing cluster primary, spawn; the app's output and status are the same untraced.
# shellcheck source=tests/lib.sh disable=SC2119
. "$(dirname "$0")/../lib.sh"

NODE=/usr/bin/node
APP=$ROOT/tests/node/app.js
if [ ! -x "$NODE" ]; then
	skip "node" "no $NODE (Debian package nodejs)"
	exit 0
fi

KEY=$(canary)
trap stop_fake_api EXIT
start_fake_api "$KEY"
export OPENAI_BASE_URL OPENAI_API_KEY=$KEY
OPENAI_BASE_URL=http://127.0.0.1:$API_PORT/v1

# Does the shim write traces at all yet? (It is integrated separately; trace checks skip until then.)
traced "$W/probe" /bin/true 2>/dev/null || true
SHIM_OK=0
ls "$W/probe"/*.jsonl >/dev/null 2>&1 && SHIM_OK=1

# findings DIR: "CODE:severity" of every finding of the JSON report, sorted, one line.
findings() {
	"$CLI" report --format json "$1" 2>"$1.report-err" |
		$PY -c 'import json,sys; print(" ".join(sorted({f["code"] + ":" + f["severity"] for f in json.load(sys.stdin)["findings"]})))' 2>/dev/null
}
has() { # NAME LIST ITEM
	case " $2 " in *" $3 "*) ok "$1" ;; *) fail "$1" "findings: [$2]" ;; esac
}
no_err_warn() { # NAME LIST
	case " $2" in *":error"* | *":warning"*) fail "$1" "findings: [$2]" ;; *) ok "$1" ;; esac
}
tcheck() { # NAME DIR EXPR: a trace check, skipped while the shim writes nothing
	if [ "$SHIM_OK" = 1 ]; then check "$1" tq "$2" "$3"; else skip "$1" "the shim writes no trace yet"; fi
}

for mode in lost ok cluster cluster-ok spawn; do
	case $mode in lost | cluster) want=1 ;; *) want=0 ;; esac
	rc0=0 rc1=0
	"$NODE" "$APP" "$mode" >"$W/$mode.plain" 2>&1 || rc0=$?
	traced "$W/$mode" "$NODE" "$APP" "$mode" >"$W/$mode.traced" 2>&1 || rc1=$?
	expect_eq "$mode: status untraced" "$rc0" "$want"
	expect_eq "$mode: status the same traced" "$rc1" "$rc0"
	if cmp -s "$W/$mode.plain" "$W/$mode.traced"; then
		ok "$mode: output the same traced"
	else
		fail "$mode: output the same traced" "$(diff "$W/$mode.plain" "$W/$mode.traced" | head -5 | tr '\n' '|')"
	fi
done

# The reads: Node's process.env getter calls libc getenv (through libuv's uv_os_getenv), in the
# reading process, with native frames only (the JS line is not known).
tcheck "lost: parent's process.env read seen as getenv" "$W/lost" \
	'any(r["fn"] == "getenv" and r["name"] == "OPENAI_API_KEY" and r["state"] == "present" for r in by("read"))'
tcheck "lost: children's reads seen absent" "$W/lost" \
	'len({r["_file"] for r in by("read") if r["name"] == "OPENAI_API_KEY" and r["state"] == "absent"}) == 2'
# libuv's fork child assigns environ = options.env and calls execvp: the trace shows the loss as a
# "set" (fn "environ", state absent) in the fork child before an "exec" with env "inherit"; a shim
# that diffs against the environment before that assignment lists it in the exec's "lost".
tcheck "lost: the key's loss on exec is recorded for both children" "$W/lost" \
	'sum(1 for h in H if h["origin"] == "fork" and any(r["_file"] == h["_file"] and ("OPENAI_API_KEY" in r.get("lost", []) or (r["t"] == "set" and r["fn"] == "environ" and r["name"] == "OPENAI_API_KEY" and r["state"] == "absent")) for r in R)) == 2'
tcheck "lost: no JS site in reads (native frames only)" "$W/lost" \
	'all("py" not in r.get("site", {}) for r in by("read"))'
tcheck "cluster: primary's delete seen as unsetenv" "$W/cluster" \
	'any(r["fn"] == "unsetenv" and r["name"] == "OPENAI_API_KEY" for r in by("set"))'
tcheck "spawn: node, sh and node-under-sh traced" "$W/spawn" \
	'sum(1 for h in H if "child" in h["argv"]) >= 2 and any(h["argv"][:1] == ["/bin/sh"] for h in H)'
tcheck "ok: every child traced" "$W/ok" 'sum(1 for h in H if "child" in h["argv"]) == 2'

# The report.
if [ "$SHIM_OK" = 1 ]; then
	f=$(findings "$W/lost" || true)
	has "lost: CRED_LOST_ON_EXEC error" "$f" CRED_LOST_ON_EXEC:error
	has "lost: CRED_MISSING error" "$f" CRED_MISSING:error
	f=$(findings "$W/cluster" || true)
	has "cluster: CRED_MISSING error" "$f" CRED_MISSING:error
	has "cluster: CRED_SET_AT_RUNTIME" "$f" CRED_SET_AT_RUNTIME:info
	for mode in ok cluster-ok spawn; do
		no_err_warn "$mode: no error or warning finding" "$(findings "$W/$mode" || echo report-failed:error)"
	done
	# The same through credtrace run: output and status unchanged.
	rc=0
	# A sanitizer build's shim needs its runtime first: credtrace run keeps a leading one there.
	san_rt=""
	[ -z "${SANITIZE:-}" ] || san_rt=${PRELOAD%% *}
	LD_PRELOAD=$san_rt "$CLI" run -q -o "$W/run-lost" "$NODE" "$APP" lost >"$W/run-lost.out" 2>&1 || rc=$?
	expect_eq "run lost: status" "$rc" 1
	# -q's one line of its own, where the traces went, is credtrace's, not the program's.
	grep -v "^credtrace: traces in $W/run-lost\$" "$W/run-lost.out" >"$W/run-lost.prog" || true
	check "run lost: output the same" cmp "$W/lost.plain" "$W/run-lost.prog"
else
	skip "node report checks" "the shim writes no trace yet"
fi
