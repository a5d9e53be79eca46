#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 68-celery-prefork: `credtrace run -- python3 -m celery -A celery_prefork worker --pool=prefork -c 2`
# with a filesystem broker: the key is read at import time by the celery main process only and used
# by the pool workers, which gives CRED_READ_BEFORE_FORK whether the workers leave traces of their own
# (they call the fake API) or none at all (they only sign with the key: the parent's fork records
# name them). The broker URL probes of celery are not findings.
# shellcheck source=tests/lib.sh disable=SC2119
. "$(dirname "$0")/../lib.sh"

if ! $PY -c 'import celery' 2>/dev/null; then
	skip "celery prefork" "python3-celery not installed (scripts/deps.txt)"
	exit 0
fi
APPS=$ROOT/tests/py/apps
KEY=$(canary)
trap 'stop_fake_api; [ -z "${WPID:-}" ] || kill "$WPID" 2>/dev/null || true' EXIT
start_fake_api "$KEY"

# celery_run NAME NET: a worker under credtrace run, 4 tasks sent by an untraced client without the
# key, then a warm shutdown (SIGTERM to the celery main process) once every task is done.
celery_run() {
	local name=$1 net=$2 d=$W/$1-broker n=0
	mkdir -p "$d/q" "$d/done-q"
	# env execs credtrace: WPID is credtrace run, which forwards SIGTERM to the celery main process.
	env -C "$APPS" CELERY_FS_DIR="$d" FAKE_API_URL="http://127.0.0.1:$API_PORT" OPENAI_API_KEY="$KEY" \
		"$CLI" run -q -o "$W/$name" -- "$PY" -m celery -A celery_prefork worker --pool=prefork -c 2 \
		--loglevel=WARNING >"$W/$name.log" 2>&1 &
	WPID=$!
	env -C "$APPS" -u OPENAI_API_KEY CELERY_FS_DIR="$d" "$PY" -c \
		"from celery_prefork import call_api
for i in range(4): call_api.delay(i, $net)"
	for _ in $(seq 600); do # waits for the work, not a timing assertion
		n=$(find "$d" -maxdepth 1 -name 'done.*' | wc -l)
		[ "$n" -ge 4 ] && break
		sleep 0.1
	done
	expect_eq "$name: the workers ran the 4 tasks" "$n" 4
	kill -TERM "$WPID" 2>/dev/null || true
	wait "$WPID" || true
	WPID=""
}

report_json() { "$CLI" report --format json "$1" 2>/dev/null; }

celery_run net True
celery_run local False
for name in net local; do
	r=$(report_json "$W/$name")
	check "$name: CRED_READ_BEFORE_FORK warning for OPENAI_API_KEY" $PY -c '
import json, sys
r = json.loads(sys.argv[1])
f = [f for f in r["findings"] if f["code"] == "CRED_READ_BEFORE_FORK" and f["variable"] == "OPENAI_API_KEY"]
assert f and f[0]["severity"] == "warning", r["findings"]
assert len(f[0]["pids"]) >= 3, f  # the celery main process and its two pool workers
assert any("celery_prefork.py" in e and "import time" in e for e in f[0]["evidence"]), f
' "$r"
	check "$name: no CRED_MISSING for the broker URL probes" $PY -c '
import json, sys
r = json.loads(sys.argv[1])
assert not [f for f in r["findings"] if f["variable"] in ("BROKER_URL", "CELERY_BROKER_URL")], r["findings"]
' "$r"
done
check "local: the pool workers left no trace file (the parent's fork records name them)" $PY -c '
import json, sys
r = json.loads(sys.argv[1])
f = [f for f in r["findings"] if f["code"] == "CRED_READ_BEFORE_FORK"][0]
traced = {p["pid"] for p in r["processes"]}
assert len([p for p in f["pids"] if p not in traced]) >= 2, (f["pids"], traced)
' "$(report_json "$W/local")"
check "local: the text report lists the silent workers" grep -q "no records of its own" \
	<("$CLI" report "$W/local" 2>/dev/null)
