#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh [DIR]: reproduces the scaled-out 401 on this machine and shows what credtrace says about it.
# Starts tests/fake_api.py on a free loopback port with a random key made now (never printed), runs
# demo/app.py under `credtrace run -o DIR` (DIR: a new build/demo.XXXXXX unless given; it must not
# hold traces yet), prints the app's output and credtrace's report, then stops the server.
# Exits 0 when the demo reproduced the failure and left traces, 1 otherwise.
# CT_DEMO_KEY, when set, is used as the key instead of a random one (the tests pass a canary).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI=$ROOT/build/credtrace
PY=/usr/bin/python3 # Debian's python3: what the Python adapter is built and tested against
[ -x "$PY" ] || PY=$(command -v python3)
for f in "$CLI" "$ROOT/build/libcredtrace.so"; do
	[ -e "$f" ] || {
		echo "demo: $f is missing; run make first" >&2
		exit 1
	}
done

if [ $# -gt 0 ]; then
	DIR=$1
	if [ -d "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
		echo "demo: $DIR is not empty; give a new directory" >&2
		exit 1
	fi
else
	mkdir -p "$ROOT/build"
	DIR=$(mktemp -d "$ROOT/build/demo.XXXXXX")
fi

TMP=$(mktemp -d)
SRV=
cleanup() {
	if [ -n "$SRV" ]; then kill "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# An OpenAI-shaped project key (sk-proj-...T3BlbkFJ..., 164 bytes), random and never shown.
rand() { head -c 256 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
KEY=${CT_DEMO_KEY:-sk-proj-$(rand 74)T3BlbkFJ$(rand 74)}
(umask 077 && printf '%s' "$KEY" >"$TMP/key")

"$PY" "$ROOT/tests/fake_api.py" --key-file "$TMP/key" --port-file "$TMP/port" --log "$TMP/api.log" &
SRV=$!
for _ in $(seq 300); do # waits for start-up, not a timing assertion: 30 s on a very busy machine
	[ -s "$TMP/port" ] && break
	kill -0 "$SRV" 2>/dev/null || break
	sleep 0.1
done
[ -s "$TMP/port" ] || {
	echo "demo: the fake API did not start" >&2
	exit 1
}
PORT=$(cat "$TMP/port")

cat <<EOF
== credtrace demo ==
A fake OpenAI-style API listens on 127.0.0.1:$PORT and accepts one random key, which OPENAI_API_KEY
holds. demo/app.py builds its client at import time, forks two workers that reuse the client and its
open connection, and starts a batch job whose environment was "hardened" by dropping *_API_KEY.

== the app, under: credtrace run -o $DIR -- python3 demo/app.py ==
EOF
rc=0
OPENAI_API_KEY=$KEY OPENAI_BASE_URL=http://127.0.0.1:$PORT/v1 \
	"$CLI" run -o "$DIR" -- "$PY" "$ROOT/demo/app.py" 2>&1 || rc=$?
unset KEY

echo
echo "== what the API saw =="
"$PY" - "$TMP/api.log" <<'EOF'
import collections, json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
per = collections.Counter(r["conn"] for r in reqs)
for c, n in sorted(per.items()):
    codes = collections.Counter(r["status"] for r in reqs if r["conn"] == c)
    print("connection %d: %d request(s), status %s" % (c, n,
          ", ".join("%d x%d" % kv for kv in sorted(codes.items()))))
if per.get(1, 0) >= 3:
    print("(connection 1 carried the requests of the parent and both forked workers: one socket, "
          "three processes)")
EOF
echo
echo "The app exited with status $rc. Traces: $DIR"
echo "JSON report: $CLI report --format json $DIR"
if [ "$rc" -ne 1 ] || ! ls "$DIR"/*.jsonl >/dev/null 2>&1; then
	echo "demo: expected exit status 1 (the batch job's 401) and traces in $DIR" >&2
	exit 1
fi
