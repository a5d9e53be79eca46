#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 53-snap: `credtrace snap` on real process trees started here, never under credtrace: gunicorn
# --preload with an import-time httpx client (SOCKET_SHARED) and its post_fork twin, a fork server
# sharing a listener, an accepted and a client socket, credential values (empty, divergent,
# absent in one process of a program), another user's process, processes that exit mid-snapshot,
# -o DIR + report DIR, and fingerprints that compare with a traced run under one key file.
# shellcheck disable=SC2119 # canary takes an optional prefix
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
APPS=$ROOT/tests/py/apps
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	stop_fake_api
}
trap cleanup EXIT

# codes FILE: "CODE:severity" of every finding of a JSON report, sorted, on one line.
codes() {
	$PY -c 'import json,sys; print(" ".join(sorted(f["code"] + ":" + f["severity"] for f in json.load(open(sys.argv[1]))["findings"])))' "$1" 2>/dev/null || echo "BAD-JSON"
}
has() { # NAME LIST ITEM
	case " $2 " in *" $3 "*) ok "$1" ;; *) fail "$1" "findings: [$2]" ;; esac
}
lacks_code() { # NAME LIST CODE
	case " $2 " in *" $3:"*) fail "$1" "findings: [$2]" ;; *) ok "$1" ;; esac
}
# jq_py FILE EXPR: evaluates EXPR with d = the JSON report; prints the result.
jq_py() {
	$PY -c 'import json,sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() { # PORT: start-up wait, not a timing assertion
	for _ in $(seq 300); do
		$PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$1/', timeout=5)" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

KEY=$(canary)
start_fake_api "$KEY"
BASE=http://127.0.0.1:$API_PORT/v1

# ---- gunicorn --preload, client built and warmed up at import: master and workers hold its socket
if command -v gunicorn >/dev/null && $PY -c 'import httpx' 2>/dev/null; then
	GP=$(free_port)
	(cd "$APPS" && OPENAI_API_KEY=$KEY OPENAI_BASE_URL=$BASE exec gunicorn --preload -w 3 \
		-b "127.0.0.1:$GP" snap_httpx_app:app) >"$W/gunicorn.log" 2>&1 &
	GUN=$!
	PIDS+=("$GUN")
	if wait_http "$GP"; then ok "gunicorn --preload: up"; else fail "gunicorn --preload: up" "$(tail -5 "$W/gunicorn.log")"; fi
	# requests until every worker has used the inherited client (each answers with its pid)
	served=""
	for _ in $(seq 120); do
		r=$($PY -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:$GP/', timeout=10).read().decode().strip())" 2>/dev/null || true)
		case $r in "200 "*) served="$served ${r#200 }" ;; esac
		[ "$(echo "$served" | tr ' ' '\n' | sort -u | grep -c .)" -ge 3 ] && break
	done
	expect_eq "gunicorn --preload: each of 3 workers served with the inherited client" \
		"$(echo "$served" | tr ' ' '\n' | sort -u | grep -c .)" 3
	# an accepted connection held open while the snapshot runs (a worker blocks reading it)
	$PY -c "import socket, time; s = socket.create_connection(('127.0.0.1', $GP)); time.sleep(60)" &
	PIDS+=("$!")
	workers=$(pgrep -P "$GUN" | sort -n | tr '\n' ' ')
	for _ in $(seq 50); do # until a worker has accepted it (start-up wait)
		"$CLI" snap --format json "$GUN" >"$W/pre.json" 2>"$W/pre.err" || true
		[ "$(jq_py "$W/pre.json" "sum(s['role'] == 'accepted' for p in d['processes'] for s in p['snapshot']['sockets'])" 2>/dev/null)" -ge 1 ] 2>/dev/null && break
		sleep 0.1
	done
	rc=0
	"$CLI" snap --format json --fail-on error "$GUN" >"$W/pre.json" 2>"$W/pre.err" || rc=$?
	expect_eq "snap --fail-on error: exit 1 on an error finding" "$rc" 1
	got=$(codes "$W/pre.json")
	has "gunicorn --preload: SOCKET_SHARED error" "$got" SOCKET_SHARED:error
	expect_eq "gunicorn --preload: exactly one shared socket (the upstream one)" \
		"$(jq_py "$W/pre.json" "sum(f['code'] == 'SOCKET_SHARED' for f in d['findings'])")" 1
	expect_eq "SOCKET_SHARED names the master first, then the workers" \
		"$(jq_py "$W/pre.json" "' '.join(str(p) for f in d['findings'] if f['code'] == 'SOCKET_SHARED' for p in f['pids'])")" \
		"$GUN ${workers% }"
	check "SOCKET_SHARED is the connection to the API" grep -q "127.0.0.1:$API_PORT (inode" "$W/pre.json"
	expect_eq "the listener is seen in all 4 processes, and raises nothing" \
		"$(jq_py "$W/pre.json" "sum(s['role'] == 'listen' for p in d['processes'] for s in p['snapshot']['sockets'])")" 4
	expect_eq "the accepted connection is seen as accepted, and raises nothing" \
		"$(jq_py "$W/pre.json" "sum(s['role'] == 'accepted' for p in d['processes'] for s in p['snapshot']['sockets'])")" 1
	expect_eq "workers are fork children of the master (same image)" \
		"$(jq_py "$W/pre.json" "sum(p['snapshot']['forked'] and p['link'] == 'fork' for p in d['processes'])")" 3
	# -o DIR + report DIR: the same findings
	"$CLI" snap -o "$W/pre-dir" --format json "$GUN" >"$W/pre-o.json" 2>/dev/null || true
	"$CLI" report --format json "$W/pre-dir" >"$W/pre-report.json" 2>"$W/pre-report.err" || true
	expect_eq "snap -o DIR, then report DIR: the same findings" \
		"$(jq_py "$W/pre-report.json" "d['findings']")" "$(jq_py "$W/pre-o.json" "d['findings']")"
	check "snap -o: one trace file per process, origin snap" tq "$W/pre-dir" "len(H) == 4 and all(h['origin'] == 'snap' for h in H)"
	check "snap -o: files 0600, directory 0700" test "$(stat -c %a "$W/pre-dir")" = 700 -a \
		"$(stat -c %a "$W/pre-dir"/*.jsonl | sort -u)" = 600
	"$CLI" snap "$GUN" >"$W/pre.txt" 2>&1 || true
	check "text: SOCKET_SHARED with its fix" grep -q "SOCKET_SHARED.*" "$W/pre.txt"
	check "text: Not seen says what a snapshot cannot show, and what to run" grep -q 'credtrace run -o DIR' "$W/pre.txt"
	kill "$GUN" 2>/dev/null || true
	wait "$GUN" 2>/dev/null || true

	# ---- the twin: the client is built in post_fork, in each worker: nothing is shared
	GP=$(free_port)
	(cd "$APPS" && SNAP_CLIENT=post_fork OPENAI_API_KEY=$KEY OPENAI_BASE_URL=$BASE exec gunicorn \
		--preload -w 3 -c snap_httpx_conf.py -b "127.0.0.1:$GP" snap_httpx_app:app) >"$W/gunicorn2.log" 2>&1 &
	GUN=$!
	PIDS+=("$GUN")
	wait_http "$GP" || fail "gunicorn post_fork: up" "$(tail -5 "$W/gunicorn2.log")"
	for _ in $(seq 12); do
		$PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$GP/', timeout=10)" >/dev/null 2>&1 || true
	done
	"$CLI" snap --format json "$GUN" >"$W/post.json" 2>"$W/post.err" || true
	lacks_code "gunicorn post_fork: no SOCKET_SHARED" "$(codes "$W/post.json")" SOCKET_SHARED
	expect_eq "gunicorn post_fork: each worker holds a client socket of its own" \
		"$(jq_py "$W/post.json" "len({s['ino'] for p in d['processes'] for s in p['snapshot']['sockets'] if s['role'] == 'client'})")" 3
	kill "$GUN" 2>/dev/null || true
	wait "$GUN" 2>/dev/null || true
else
	skip "gunicorn snapshots" "gunicorn or python3-httpx not installed"
fi

# ---- a fork server: listener, accepted and client socket all held by three processes
$PY -c '
import os, socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(8)
c = socket.create_connection(l.getsockname())
a, _ = l.accept()
for _ in range(2):
    if os.fork() == 0:
        time.sleep(120); os._exit(0)
print(l.getsockname()[1], flush=True)
time.sleep(120)
' >"$W/forksrv.port" &
FS=$!
PIDS+=("$FS")
for _ in $(seq 100); do [ -s "$W/forksrv.port" ] && break; sleep 0.1; done
"$CLI" snap --format json "$FS" >"$W/forksrv.json" 2>/dev/null || true
expect_eq "fork server: one SOCKET_SHARED (the client side), none for the listener or the accepted side" \
	"$(jq_py "$W/forksrv.json" "[(f['severity'], f['message'].split(' (inode')[0].split(' to ')[-1]) for f in d['findings'] if f['code'] == 'SOCKET_SHARED']")" \
	"[('error', '127.0.0.1:$(cat "$W/forksrv.port")')]"

# ---- the same over IPv6 (tcp6), one child: a warning
if $PY -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	$PY -c '
import os, socket, time
l = socket.socket(socket.AF_INET6); l.bind(("::1", 0)); l.listen(8)
c = socket.create_connection(l.getsockname()[:2])
a, _ = l.accept()
if os.fork() == 0:
    time.sleep(120); os._exit(0)
print(l.getsockname()[1], flush=True)
time.sleep(120)
' >"$W/forksrv6.port" &
	FS6=$!
	PIDS+=("$FS6")
	for _ in $(seq 100); do [ -s "$W/forksrv6.port" ] && break; sleep 0.1; done
	"$CLI" snap --format json "$FS6" >"$W/forksrv6.json" 2>/dev/null || true
	expect_eq "IPv6 fork server, one child: one SOCKET_SHARED warning for the client side" \
		"$(jq_py "$W/forksrv6.json" "[(f['severity'], f['message'].split(' (inode')[0].split(' to ')[-1]) for f in d['findings'] if f['code'] == 'SOCKET_SHARED']")" \
		"[('warning', '[::1]:$(cat "$W/forksrv6.port")')]"
else
	skip "IPv6 fork server" "no IPv6 loopback"
fi

# ---- credential values from /proc/PID/environ
OPENAI_API_KEY="" sleep 300 &
E=$!
PIDS+=("$E")
"$CLI" snap --format json "$E" >"$W/empty.json" 2>/dev/null || true
has "OPENAI_API_KEY=\"\": CRED_EMPTY" "$(codes "$W/empty.json")" CRED_EMPTY:error
check "the finding says it comes from a snapshot" grep -q "seen in a snapshot of /proc" "$W/empty.json"

K1=$(canary)
K2=$(canary)
OPENAI_API_KEY=$K1 sleep 301 &
D1=$!
OPENAI_API_KEY=$K2 sleep 302 &
D2=$!
PIDS+=("$D1" "$D2")
"$CLI" snap --format json "$D1" "$D2" >"$W/div.json" 2>/dev/null || true
has "two trees with different keys: CRED_DIVERGENT" "$(codes "$W/div.json")" CRED_DIVERGENT:warning

OPENAI_API_KEY=$K1 sleep 303 &
M1=$!
env -u OPENAI_API_KEY sleep 303 &
M2=$!
PIDS+=("$M1" "$M2")
"$CLI" snap --format json "$M1" "$M2" >"$W/miss.json" 2>/dev/null || true
has "one program, the key absent in one of its processes: CRED_MISSING" "$(codes "$W/miss.json")" CRED_MISSING:error
expect_eq "CRED_MISSING names the process without it" \
	"$(jq_py "$W/miss.json" "[f['pids'] for f in d['findings'] if f['code'] == 'CRED_MISSING']")" "[[$M2]]"

printf -v NL 'K%s\n' "$(canary)"
OPENAI_API_KEY=${NL#K} sleep 304 &
N1=$!
PIDS+=("$N1")
"$CLI" snap --format json "$N1" >"$W/nl.json" 2>/dev/null || true
has "a key with a trailing newline: CRED_MALFORMED" "$(codes "$W/nl.json")" CRED_MALFORMED:warning

# ---- fingerprints compare with a traced run under one CREDTRACE_KEY_FILE
KF=$W/keyfile
(umask 077 && head -c 32 /dev/urandom >"$KF")
OPENAI_API_KEY=$K1 CREDTRACE_KEY_FILE=$KF LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$W/traced /bin/true
CREDTRACE_KEY_FILE=$KF "$CLI" snap -o "$W/snapk" --format json "$D1" >/dev/null 2>&1 || true
fp_traced=$(tq "$W/traced" "[r['fp'] for r in R if r['t'] == 'env' and r['name'] == 'OPENAI_API_KEY']")
fp_snap=$(tq "$W/snapk" "[r['fp'] for r in R if r['t'] == 'env' and r['name'] == 'OPENAI_API_KEY']")
case $fp_snap in "['"????????????"']") ok "snap under CREDTRACE_KEY_FILE: a fingerprint" ;; *) fail "snap under CREDTRACE_KEY_FILE: a fingerprint" "$fp_snap" ;; esac
expect_eq "snap and a traced run under one key file: the same fingerprint" "$fp_snap" "$fp_traced"
"$CLI" report --format json "$W/traced" "$W/snapk" >"$W/merged.json" 2>/dev/null || true
lacks_code "merged with the traced run: same value, no CRED_DIVERGENT" "$(codes "$W/merged.json")" CRED_DIVERGENT
CREDTRACE_KEY_FILE=$KF "$CLI" snap -o "$W/snapk2" --format json "$D2" >/dev/null 2>&1 || true
"$CLI" report --format json "$W/traced" "$W/snapk2" >"$W/merged2.json" 2>/dev/null || true
has "merged with the traced run: another value, CRED_DIVERGENT" "$(codes "$W/merged2.json")" CRED_DIVERGENT:warning

# ---- another user's process, snapped by a non-root user: listed as unreadable, with the reason
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups env OPENAI_API_KEY="$K1" sleep 305 &
	NB=$!
	setpriv --reuid=12345 --regid=12345 --clear-groups env OPENAI_API_KEY="$K2" sleep 305 &
	OWN=$!
	PIDS+=("$NB" "$OWN")
	sleep 0.2 # both have exec'd sleep (setpriv and env exec in place)
	rc=0
	setpriv --reuid=12345 --regid=12345 --clear-groups "$CLI" snap --format json "$NB" "$OWN" \
		>"$W/user.json" 2>"$W/user.err" || rc=$?
	expect_eq "snap as a non-root user: a partial snapshot is still a report" "$rc" 0
	check "another user's process: listed as unreadable, with the reason" test \
		"$(jq_py "$W/user.json" "[p['snapshot']['unreadable'] for p in d['processes'] if p['pid'] == $NB][0]")" != None
	check "the reason says another user and what would read it" grep -q "another user's process (uid 65534).*CAP_SYS_PTRACE" "$W/user.json"
	expect_eq "the caller's own process is read" \
		"$(jq_py "$W/user.json" "[(p['snapshot']['environ'], [c['name'] for c in p['credentials']]) for p in d['processes'] if p['pid'] == $OWN]")" \
		"[(True, ['OPENAI_API_KEY'])]"
	setpriv --reuid=12345 --regid=12345 --clear-groups "$CLI" snap "$NB" "$OWN" >"$W/user.txt" 2>&1 || true
	check "text: Not seen lists the unreadable process" grep -q "pid $NB: environ: permission denied" "$W/user.txt"
else
	skip "another user's process" "setpriv not installed"
fi

# ---- processes that come and go while the snapshot runs; a pid that does not exist
bash -c 'while :; do sleep 0.03 & sleep 0.01; done' &
CH=$!
PIDS+=("$CH")
bad=0 gone=0
for i in $(seq 15); do
	rc=0
	"$CLI" snap --format json "$CH" >"$W/churn.$i.json" 2>"$W/churn.$i.err" || rc=$?
	[ "$rc" = 0 ] && [ "$(codes "$W/churn.$i.json")" != BAD-JSON ] || bad=$((bad + 1))
	grep -q "exited during the snapshot" "$W/churn.$i.json" && gone=$((gone + 1))
done
expect_eq "15 snapshots of a tree whose children come and go: all complete reports ($gone saw a process exit mid-read)" "$bad" 0
kill "$CH" 2>/dev/null || true
rc=0
"$CLI" snap 4194000 >"$W/nopid.out" 2>"$W/nopid.err" || rc=$?
expect_eq "snap of a pid that does not exist: exit 2" "$rc" 2
check "  ... with a message" grep -q "none of the given processes exists" "$W/nopid.err"
rc=0
"$CLI" snap --format json "$E" 4194000 >"$W/somepid.json" 2>/dev/null || rc=$?
expect_eq "snap of a live pid and a missing one: a report" "$rc" 0
check "  ... that lists the missing one" grep -q "no such process" "$W/somepid.json"
rc=0
"$CLI" snap >/dev/null 2>&1 || rc=$?
expect_eq "snap without --all or a pid: usage error" "$rc" 2

# ---- --all: every process we may read, our own trees among them
"$CLI" snap --all --format json >"$W/all.json" 2>"$W/all.err" || true
check "snap --all: lists the processes started here" test "$(jq_py "$W/all.json" "sum(p['pid'] in ($E, $D1, $D2) for p in d['processes'])")" = 3

# ---- no value in anything snap wrote
leak=0
while read -r c; do
	[ -n "$c" ] || continue
	if grep -rqF -- "$c" "$W" 2>/dev/null; then leak=$((leak + 1)); fi
done <"$CANARIES"
expect_eq "no canary value in any snap output or snapshot file" "$leak" 0
