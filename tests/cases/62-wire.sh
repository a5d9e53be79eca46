#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 62-wire: the key on the wire. Python clients (httpx, requests) against tests/fake_api.py over
# plaintext and HTTPS (a self-signed certificate made here with the openssl CLI): the credential
# each request carried is fingerprinted in place and the 401s counted; KEY_REJECTED and
# KEY_SENT_DIFFERS name the stale import-time client, an empty bearer, a key from a config file,
# another provider's key; the healthy twin raises nothing; programs behave the same traced.
# shellcheck disable=SC2119 # canary takes an optional prefix
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
C=$ROOT/tests/py/wire_client.py
if ! $PY -c 'import httpx, requests, dotenv' 2>/dev/null; then
	skip "wire" "python3-httpx, python3-requests or python3-dotenv not installed"
	exit 0
fi
if ! command -v openssl >/dev/null; then
	skip "wire" "the openssl CLI (Debian package openssl) is not installed"
	exit 0
fi

KEY=$(canary)      # what the server accepts and the environment holds
OLD=$(canary)      # the stale client's key (the environment's before the .env)
CFG=$(canary)      # a key in a config file that no variable holds
ANT=$(canary sk-ant-api03-)
# Files holding keys live outside the test output (the final canary scan reads all of it).
KD=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$KD"' EXIT
(umask 077 && printf '%s' "$KEY" >"$KD/key" && printf 'OPENAI_API_KEY=%s\n' "$KEY" >"$KD/.env" &&
	printf '{"api_key": "%s"}\n' "$CFG" >"$KD/config.json")
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/tls.key" -out "$W/tls.crt" -days 1 \
	-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>"$W/openssl.err" ||
	{ fail "self-signed certificate" "$(head -c 300 "$W/openssl.err")"; exit 0; }

# serve NAME [ARGS...]: a fake API on a free port; prints the port.
serve() {
	local n=$1
	shift
	$PY "$ROOT/tests/fake_api.py" --key-file "$KD/key" --port-file "$W/$n.port" --log "$W/$n.log" "$@" &
	PIDS+=($!)
	for _ in $(seq 600); do # start-up wait, not a timing assertion
		[ -s "$W/$n.port" ] && break
		sleep 0.1
	done
}
serve plain
serve tls --tls-cert "$W/tls.crt" --tls-key "$W/tls.key"
HTTP=http://127.0.0.1:$(cat "$W/plain.port")/v1
HTTPS=https://127.0.0.1:$(cat "$W/tls.port")/v1
export WIRE_CA=$W/tls.crt WIRE_DOTENV=$KD/.env WIRE_CONFIG=$KD/config.json

# findings DIR: "CODE:severity" of every finding, sorted, on one line.
findings() {
	"$CLI" report --format json "$1" 2>"$1.report-err" |
		$PY -c 'import json,sys; print(" ".join(sorted({f["code"] + ":" + f["severity"] for f in json.load(sys.stdin)["findings"]})))' 2>/dev/null
}
has() { # NAME LIST ITEM
	case " $2 " in *" $3 "*) ok "$1" ;; *) fail "$1" "findings: [$2]" ;; esac
}
# run NAME MODE LIB URL WANT [ENV=VALUE...]: the client untraced, then traced into $W/NAME; same
# output and status both ways, and WANT (the statuses it prints).
run() {
	local name=$1 mode=$2 lib=$3 url=$4 want=$5 rc0=0 rc1=0
	shift 5
	env "$@" "$PY" "$C" "$mode" "$lib" "$url" >"$W/$name.plain" 2>&1 || rc0=$?
	env "$@" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/$name" "$PY" "$C" "$mode" "$lib" "$url" >"$W/$name.traced" 2>&1 || rc1=$?
	expect_eq "$name: statuses" "$(cat "$W/$name.plain")" "$want"
	expect_eq "$name: exit status the same traced" "$rc1" "$rc0"
	if cmp -s "$W/$name.plain" "$W/$name.traced"; then ok "$name: output the same traced"; else
		fail "$name: output the same traced" "$(diff "$W/$name.plain" "$W/$name.traced" | head -4 | tr '\n' '|')"
	fi
	got=$(findings "$W/$name")
}

for lib in httpx requests; do
	for tr in plain tls; do
		url=$HTTP
		[ $tr = tls ] && url=$HTTPS
		run "healthy-$lib-$tr" healthy $lib "$url" "200 200" OPENAI_API_KEY="$KEY"
		expect_eq "healthy-$lib-$tr: the healthy twin raises nothing" "$got" ""
		check "healthy-$lib-$tr: a wire record names OPENAI_API_KEY as the key sent" tq "$W/healthy-$lib-$tr" \
			"len([r for r in by('wire') if r['match'] == 'OPENAI_API_KEY' and r['tls'] == ('$tr' == 'tls')]) > 0"
		run "stale-$lib-$tr" stale $lib "$url" "401 401" OPENAI_API_KEY="$OLD"
		has "stale-$lib-$tr: KEY_REJECTED" "$got" KEY_REJECTED:error
		has "stale-$lib-$tr: KEY_SENT_DIFFERS, an error since rejected" "$got" KEY_SENT_DIFFERS:error
	done
done
# Both statuses counted on the connection, in one 401 record each (2 requests, one connection).
check "stale: two 401s counted on one connection" tq "$W/stale-httpx-tls" \
	"len([r for r in by('wire_status') if r['status'] == 401 and r['n']['401'] == 2 and r['n']['req'] == 2]) > 0"
"$CLI" report "$W/stale-httpx-tls" >"$W/stale.txt" 2>&1 || true
check "stale: the report says which earlier value was sent, read at import time" \
	grep -q "was OPENAI_API_KEY's value when it was read at .*wire_client.py:[0-9]* (<module>) at import time" "$W/stale.txt"

run empty-requests-tls empty requests "$HTTPS" "401 401" OPENAI_API_KEY="$KEY"
has "empty: KEY_REJECTED" "$got" KEY_REJECTED:error
has "empty: KEY_SENT_DIFFERS (the environment holds a key)" "$got" KEY_SENT_DIFFERS:error
check "empty: the credential is recorded as empty" tq "$W/empty-requests-tls" \
	"len([r for r in by('wire') if r['cred']['state'] == 'empty' and r['cred']['len'] == 0]) > 0"
# httpx (h11) refuses to send "Bearer " at all (LocalProtocolError): requests and http.client send it.
run empty-requests-plain empty requests "$HTTP" "401 401" OPENAI_API_KEY="$KEY"
has "empty (plaintext): KEY_REJECTED" "$got" KEY_REJECTED:error

run config-httpx-tls config httpx "$HTTPS" "401 401" OPENAI_API_KEY="$KEY"
has "config: KEY_REJECTED" "$got" KEY_REJECTED:error
has "config: KEY_SENT_DIFFERS" "$got" KEY_SENT_DIFFERS:error
check "config: the key matches no variable" tq "$W/config-httpx-tls" \
	"len([r for r in by('wire_status') if r['match'] is None and r['cred']['state'] == 'present']) > 0"
run config-noenv-requests-plain config requests "$HTTP" "401 401"
has "config, no variable in the environment: KEY_REJECTED" "$got" KEY_REJECTED:error
case " $got " in *KEY_SENT_DIFFERS*) fail "config, no variable: nothing to differ from" "$got" ;;
*) ok "config, no variable: nothing to differ from" ;; esac

run foreign-httpx-tls foreign httpx "$HTTPS" "401 401" OPENAI_API_KEY="$KEY" ANTHROPIC_API_KEY="$ANT"
has "foreign: KEY_REJECTED" "$got" KEY_REJECTED:error
has "foreign: KEY_SENT_DIFFERS (another provider's key)" "$got" KEY_SENT_DIFFERS:error
check "foreign: the key sent is ANTHROPIC_API_KEY's, with a foreign prefix" tq "$W/foreign-httpx-tls" \
	"len([r for r in by('wire') if r['match'] == 'ANTHROPIC_API_KEY' and 'foreign_prefix' in r['cred']['flags']]) > 0"

# The socket under TLS carries the handshake first: not taken for HTTP (its flag goes at that write).
check "the TLS socket's own bytes are not taken for HTTP" tq "$W/healthy-httpx-tls" \
	"len([r for r in by('wire') if r['tls'] is False]) == 0"


# The npm openai client (Node's fetch, undici) over plaintext: Node here may link OpenSSL statically
# (official builds), whose TLS is not interposable (docs/runtimes.md); its plaintext sockets are seen.
if [ ! -d "$ROOT/tests/node/node_modules/openai" ]; then
	skip "node openai: stale client, healthy twin" "tests/node/node_modules/openai is absent (npm ci in tests/node, see tests/node/package.json)"
elif ! command -v node >/dev/null; then
	skip "node openai: stale client, healthy twin" "node is not installed"
else
	N=$ROOT/tests/node/wire_openai.js
	# nrun NAME MODE WANT [ENV=VALUE...]: as run, for the Node client.
	nrun() {
		local name=$1 mode=$2 want=$3 rc0=0 rc1=0
		shift 3
		env "$@" OPENAI_BASE_URL="$HTTP" node "$N" "$mode" >"$W/$name.plain" 2>&1 || rc0=$?
		env "$@" OPENAI_BASE_URL="$HTTP" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/$name" node "$N" "$mode" >"$W/$name.traced" 2>&1 || rc1=$?
		expect_eq "$name: statuses" "$(cat "$W/$name.plain")" "$want"
		expect_eq "$name: exit status the same traced" "$rc1" "$rc0"
		expect_eq "$name: output the same traced" "$(cat "$W/$name.traced")" "$(cat "$W/$name.plain")"
		got=$(findings "$W/$name")
	}
	nrun node-healthy healthy "200 200" OPENAI_API_KEY="$KEY"
	case " $got " in *KEY_*) fail "node-healthy: no KEY_ finding" "$got" ;; *) ok "node-healthy: no KEY_ finding" ;; esac
	check "node-healthy: a wire record names OPENAI_API_KEY" tq "$W/node-healthy" \
		"len([r for r in by('wire') if r['match'] == 'OPENAI_API_KEY']) > 0"
	nrun node-stale stale "401 401" OPENAI_API_KEY="$OLD"
	has "node-stale: KEY_REJECTED" "$got" KEY_REJECTED:error
	has "node-stale: KEY_SENT_DIFFERS" "$got" KEY_SENT_DIFFERS:error
fi

leak=
for k in "$KEY" "$OLD" "$CFG" "$ANT"; do
	grep -rqF -- "$k" "$W" && leak=yes
done
if [ -n "$leak" ]; then fail "no key in this case's output" "a canary is in $W"; else
	ok "no key in this case's output (zz-canaries scans everything again)"; fi
