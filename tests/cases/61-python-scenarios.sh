#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 61-python-scenarios: the ways a Python LLM app loses its key when scaled, with requests against
# tests/fake_api.py, traced; the report must name the cause, and the negative controls must be clean.
# shellcheck disable=SC2119 # canary takes an optional prefix
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/py/scenarios.py
APPS=$ROOT/tests/py/apps
if ! $PY -c 'import requests' 2>/dev/null; then
	skip "python scenarios" "python3-requests not installed"
	exit 0
fi

KEY=$(canary)
GUN=
trap 'kill $GUN 2>/dev/null || true; stop_fake_api' EXIT
start_fake_api "$KEY"
export OPENAI_BASE_URL OPENAI_API_KEY=$KEY
OPENAI_BASE_URL=http://127.0.0.1:$API_PORT/v1

# findings DIR: "CODE:severity" of every finding of the JSON report, sorted, on one line.
findings() {
	"$CLI" report --format json "$1" 2>"$1.report-err" |
		$PY -c 'import json,sys; print(" ".join(sorted({f["code"] + ":" + f["severity"] for f in json.load(sys.stdin)["findings"]})))' 2>/dev/null
}
has() { # NAME LIST ITEM
	case " $2 " in *" $3 "*) ok "$1" ;; *) fail "$1" "findings: [$2]" ;; esac
}
has_code() { # NAME LIST CODE (any severity)
	case " $2 " in *" $3:"*) ok "$1" ;; *) fail "$1" "findings: [$2]" ;; esac
}
no_err_warn() { # NAME LIST
	case " $2" in *":error"* | *":warning"*) fail "$1" "findings: [$2]" ;; *) ok "$1" ;; esac
}
# scenario NAME WANT_STATUS [ENV=VALUE...] -- runs scenarios.py NAME traced into $W/NAME, untraced too.
scenario() {
	local name=$1 want=$2 rc0=0 rc1=0
	shift 2
	env "$@" "$PY" "$S" "${name##*.}" >"$W/$name.plain" 2>&1 || rc0=$?
	LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$W/$name env "$@" "$PY" "$S" "${name##*.}" >"$W/$name.traced" 2>&1 || rc1=$?
	expect_eq "$name: status" "$rc0" "$want"
	expect_eq "$name: status the same traced" "$rc1" "$rc0"
	if cmp -s "$W/$name.plain" "$W/$name.traced"; then ok "$name: output the same traced"; else
		fail "$name: output the same traced" "$(diff "$W/$name.plain" "$W/$name.traced" | head -4 | tr '\n' '|')"
	fi
	got=$(findings "$W/$name")
}

scenario mpfork 0
has "mpfork: a session used before fork is shared by the workers" "$got" SOCKET_REUSED_AFTER_FORK:error
has "mpfork: the key was read only before the fork" "$got" CRED_READ_BEFORE_FORK:warning
check "mpfork: the read site is the client's constructor" tq "$W/mpfork" \
	"[r for r in by('read') if r['name'] == 'OPENAI_API_KEY' and r['site']['py']['func'] == 'Client.__init__' and r['forks'] == 0]"
scenario mpfork-ok 0
no_err_warn "mpfork-ok: each worker builds its own client: no error or warning" "$got"

scenario subproc 1
has "subproc: the batch job lost the key on exec" "$got" CRED_LOST_ON_EXEC:error
has "subproc: the batch job read a key it lacks" "$got" CRED_MISSING:error
check "subproc: the exec site is the subprocess.run line" tq "$W/subproc" \
	"[r for r in by('exec') if 'OPENAI_API_KEY' in r.get('lost', []) and (r.get('site') or {}).get('py', {}).get('file') == '$S']"
scenario subproc-ok 0
no_err_warn "subproc-ok: the child inherits the key: no error or warning" "$got"

scenario merge 1
has "merge: the key was set to the empty string" "$got" CRED_EMPTY:error
has "merge: set at run time, with the site" "$got" CRED_SET_AT_RUNTIME:info
check "merge: the set site is the config line" tq "$W/merge" \
	"[r for r in by('set') if r['name'] == 'OPENAI_API_KEY' and r['state'] == 'empty' and (r.get('site') or {}).get('py', {}).get('file') == '$S']"

scenario misname.single 1 -u OPENAI_API_KEY OPEN_AI_API_KEY="$KEY"
has "OPEN_AI_API_KEY: name mismatch" "$got" CRED_NAME_MISMATCH:error

scenario malformed.single 1 OPENAI_API_KEY="$KEY
"
has "trailing newline: malformed" "$got" CRED_MALFORMED:warning

scenario quoted.single 1 OPENAI_API_KEY="\"$KEY\""
has "quoted key: malformed" "$got" CRED_MALFORMED:warning

scenario divergent 1 CT_OTHER_KEY="$(canary)"
has "divergent: another key in the worker" "$got" CRED_DIVERGENT:warning

scenario good.single 0
no_err_warn "good: one process with the right key: no error or warning" "$got"

# gunicorn --preload with a client built and warmed up at import: workers share its connection.
if command -v gunicorn >/dev/null; then
	GP=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	(cd "$APPS" && LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$W/preload exec gunicorn --preload -w 2 \
		-b "127.0.0.1:$GP" preload_app:app) >"$W/gunicorn.log" 2>&1 &
	GUN=$!
	up=0
	for _ in $(seq 300); do # start-up wait, not a timing assertion
		$PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$GP/', timeout=5)" 2>/dev/null && up=1 && break
		sleep 0.1
	done
	for _ in 1 2 3 4 5 6 7 8; do
		$PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$GP/', timeout=10)" >/dev/null 2>&1 || true
	done
	kill -TERM "$GUN" 2>/dev/null || true
	wait "$GUN" 2>/dev/null || true
	GUN=
	expect_eq "gunicorn --preload: served" "$up" 1
	got=$(findings "$W/preload")
	# error when both workers served a request on it, warning when one did (the scheduler decides)
	has_code "gunicorn --preload: workers use the master's connection" "$got" SOCKET_REUSED_AFTER_FORK
	has "gunicorn --preload: key read at import, before fork" "$got" CRED_READ_BEFORE_FORK:warning
	check "gunicorn --preload: the read is at import time in the app module" tq "$W/preload" \
		"[r for r in by('read') if r['name'] == 'OPENAI_API_KEY' and r['site']['py']['file'] == '$APPS/preload_app.py' and r['site']['py']['module_level']]"
else
	skip "gunicorn --preload" "gunicorn not installed"
fi
