# shellcheck shell=bash disable=SC2034 # variables here are used by the scripts that source this
# SPDX-License-Identifier: MIT
# Sourced by tests/cases/*.sh. Gives: paths, a fresh work dir, canary values, traced runs, and the
# ok/fail/skip reporting that tests/run.sh counts. A case must report at least one result.
set -eu
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${CT_BUILD:-build} # CT_BUILD: the Makefile's B (a sanitizer build in its own dir)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SHIM=$BUILD/libcredtrace.so
CLI=$BUILD/credtrace
PROGS=$BUILD/tests/progs
CASE=$(basename "${0%.sh}")
OUT=${CT_TEST_OUT:-$BUILD/test-out}
W=$OUT/$CASE
rm -rf "$W"
mkdir -p "$W"
CANARIES=$OUT/canaries
PY=/usr/bin/python3 # Debian's python3: its packages (httpx, requests, gunicorn) are what CI installs
export PYTHONDONTWRITEBYTECODE=1

# LD_PRELOAD value for the shim; a sanitizer build needs its runtime first.
preload_value() {
	if [ -n "${SANITIZE:-}" ]; then
		local rt=""
		case $SANITIZE in *address*) rt=$(${CC:-cc} -print-file-name=libasan.so) ;; esac
		case $SANITIZE in *undefined*) [ -n "$rt" ] || rt=$(${CC:-cc} -print-file-name=libubsan.so) ;; esac
		echo "$rt $SHIM"
	else
		echo "$SHIM"
	fi
}
PRELOAD=$(preload_value)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:verify_asan_link_order=0}
if [ -n "${SANITIZE:-}" ]; then
	# `env -i` would drop ASAN_OPTIONS: leak checks would then end the (leaky by design) test programs
	# before stdio flushes, and preloads would fail the link-order check. Keep them, in bare and
	# traced runs alike, with an `env` first in PATH (a script that execs: `$!` stays the program's pid).
	mkdir -p "$BUILD/test-out/sanbin"
	printf '#!/bin/sh\nif [ "$1" = -i ]; then shift; exec /usr/bin/env -i ASAN_OPTIONS="$ASAN_OPTIONS" "$@"; fi\nexec /usr/bin/env "$@"\n' >"$BUILD/test-out/sanbin/env"
	chmod +x "$BUILD/test-out/sanbin/env"
	PATH=$BUILD/test-out/sanbin:$PATH
fi

ok() { echo "ok - $1"; }
fail() { echo "not ok - $1: ${2:-}"; }
skip() { echo "skip - $1: $2"; }
# check NAME CMD...: ok when CMD succeeds.
check() {
	local n=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$n"; else fail "$n" "command failed: $*"; fi
}
# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got [$2] want [$3]"; fi
}

# canary [PREFIX]: a fresh random credential-looking value, remembered for the final leak search.
canary() {
	local v
	v="${1:-sk-proj-}$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)T3BlbkFJ$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)"
	echo "$v" >>"$CANARIES"
	printf '%s' "$v"
}

# traced DIR CMD...: runs CMD under the shim writing to DIR.
traced() {
	local d=$1
	shift
	LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$d "$@"
}

# tq DIR PYTHON-EXPR: evaluates EXPR with R = all records of all traces in DIR (each with "_file"),
# H = the hdr records, and prints the result. Fails on a malformed line.
tq() {
	$PY "$ROOT/tests/tq.py" "$@"
}

# start_fake_api KEY: tests/fake_api.py (the stand-in model API) on a free loopback port, accepting
# KEY; sets API_PID and API_PORT. Its key file lives outside the test output, which the final canary
# search reads; stop_fake_api (call it from the script's EXIT trap) ends both.
start_fake_api() {
	API_KD=$(mktemp -d)
	(umask 077 && printf '%s' "$1" >"$API_KD/key")
	$PY "$ROOT/tests/fake_api.py" --key-file "$API_KD/key" --port-file "$W/port" --log "$W/api.log" &
	API_PID=$!
	for _ in $(seq 600); do # start-up wait, not a timing assertion
		[ -s "$W/port" ] && break
		sleep 0.1
	done
	API_PORT=$(cat "$W/port")
}
stop_fake_api() {
	kill "${API_PID:-}" 2>/dev/null || true
	rm -rf "${API_KD:-}"
}

# For cases that run one SDK app per credential setup under `credtrace run` (67-node-sdks,
# 69-python-sdk-reads). sdk_api KEY-PREFIX: a fresh fake API accepting a fresh canary key, SDK_KEY.
sdk_api() {
	SDK_KEY=$(canary "$1")
	stop_fake_api
	rm -f "$W/port"
	start_fake_api "$SDK_KEY"
}
# sdk_env VAR=VALUE|VAR=@key...: SDK_ENV, the arguments with each "VAR=@key" given SDK_KEY.
sdk_env() {
	local a
	SDK_ENV=()
	for a in "$@"; do
		case $a in *=@key) SDK_ENV+=("${a%=@key}=$SDK_KEY") ;; *) SDK_ENV+=("$a") ;; esac
	done
}
# sdk_findings DIR: "CODE:VARIABLE:severity" of every finding of DIR's report, sorted, one line.
sdk_findings() {
	"$CLI" report --format json "$1" 2>"$1.report-err" |
		$PY -c 'import json,sys; print(" ".join(sorted({f["code"] + ":" + str(f["variable"]) + ":" + f["severity"] for f in json.load(sys.stdin)["findings"]})))' 2>/dev/null
}
# sdk_expect NAME DIR STATUS WANT-STATUS EXPECT: the run's exit status, and EXPECT, "clean" (no error
# or warning finding) or the finding "CODE:VAR:severity" DIR's report must hold.
sdk_expect() {
	local name=$1 f
	expect_eq "$name: status" "$3" "$4"
	f=$(sdk_findings "$2" || echo report-failed:error)
	if [ "$5" = clean ]; then
		case " $f" in *":error"* | *":warning"*) fail "$name: no error or warning finding" "[$f]" ;;
		*) ok "$name: no error or warning finding" ;; esac
	else
		case " $f " in *" $5 "*) ok "$name: $5" ;; *) fail "$name: $5" "[$f]" ;; esac
	fi
}
