#!/usr/bin/env bash
# End to end: C programs that reproduce each failure, run under `credtrace run`; the JSON report must
# name the finding, the variable and the pids. The fixed pattern raises no error or warning.
. "$(dirname "$0")/../lib.sh"

key=$(canary)
other=$(canary)
APP=$PROGS/e2e_app
# A loopback server that accepts and reads whatever comes (the reuse and ok modes dial it).
$PY -c '
import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def drain(c):
    while c.recv(4096): pass
while True:
    c, _ = s.accept(); threading.Thread(target=drain, args=(c,), daemon=True).start()
' "$W/port" &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.1; done
port=$(cat "$W/port")

# scenario NAME ENV-ASSIGNMENTS... -- MODE [ARG]: runs the app under credtrace run; JSON report in $W/NAME.json
scenario() {
	local name=$1
	shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env -i PATH=/usr/bin:/bin "${envs[@]}" LD_PRELOAD="${SANITIZE:+${PRELOAD%% *}}" \
		"$CLI" run -q -o "$W/$name" "$APP" "$@" >"$W/$name.out" 2>"$W/$name.err" || true
	"$CLI" report --format json "$W/$name" >"$W/$name.json" 2>"$W/$name.rerr" || true
}
# expect NAME PYTHON-EXPR: evaluated with F (findings), P (pids printed by the app: [self, children...]).
expect() {
	local name=$1 what=$2 expr=$3
	if $PY - "$W/$name.json" "$W/$name.out" "$expr" <<'PY'; then ok "$name: $what"; else fail "$name: $what" "$(head -c 600 "$W/$name.json")"; fi
import json, sys
F = json.load(open(sys.argv[1]))["findings"]
P = [int(l.split()[1]) for l in open(sys.argv[2]) if l.startswith(("pid ", "child "))]
codes = {(f["code"], f["variable"]) for f in F}
def find(code, var="OPENAI_API_KEY"):
    return [f for f in F if f["code"] == code and f["variable"] == var]
sys.exit(0 if eval(sys.argv[3]) else 1)
PY
}

scenario lost OPENAI_API_KEY="$key" -- lost
expect lost "CRED_LOST_ON_EXEC error, parent then child" \
	'any(f["severity"] == "error" and f["pids"][:2] == [P[0], P[1]] for f in find("CRED_LOST_ON_EXEC"))'
expect lost "CRED_MISSING error in the child" 'any(f["severity"] == "error" and P[1] in f["pids"] for f in find("CRED_MISSING"))'

scenario empty OPENAI_API_KEY= -- empty
expect empty "CRED_EMPTY error" 'any(f["severity"] == "error" and P[0] in f["pids"] for f in find("CRED_EMPTY"))'

scenario misspelled OPEN_AI_API_KEY="$key" -- misspelled
expect misspelled "CRED_NAME_MISMATCH error" 'any(f["severity"] == "error" and P[0] in f["pids"] for f in find("CRED_NAME_MISMATCH"))'

scenario malformed OPENAI_API_KEY="$key
" -- malformed
expect malformed "CRED_MALFORMED warning (newline)" 'any(f["severity"] == "warning" and P[0] in f["pids"] for f in find("CRED_MALFORMED"))'

scenario divergent OPENAI_API_KEY="$key" E2E_OTHER_KEY="$other" -- divergent
expect divergent "CRED_DIVERGENT warning across parent and child" \
	'any(f["severity"] == "warning" and set(P[:2]) <= set(f["pids"]) for f in find("CRED_DIVERGENT"))'

scenario reuse OPENAI_API_KEY="$key" -- reuse "$port"
expect reuse "SOCKET_REUSED_AFTER_FORK error naming the parent and both children" \
	'any(f["severity"] == "error" and set(P) <= set(f["pids"]) for f in find("SOCKET_REUSED_AFTER_FORK", None))'

scenario ok OPENAI_API_KEY="$key" -- ok "$port"
expect ok "the fixed pattern: no error or warning" 'not [f for f in F if f["severity"] in ("error", "warning")]'
expect ok "the fixed pattern: both children ran" 'len(set(P)) == 3'
expect ok "the fixed pattern: parent and both children traced" \
	'set(P) <= {p["pid"] for p in json.load(open(sys.argv[1]))["processes"]}'
