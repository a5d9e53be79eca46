#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 63-wire-agg: `wire` records of a client that opens a new connection per request are aggregated
# (shim/wire.c, aggregate.c): 200 requests with the same key write one `wire` record and `agg`
# counts; a request with another key is written by itself, its 401 too, and KEY_REJECTED and
# KEY_SENT_DIFFERS are reported from them; the program behaves the same traced.
# shellcheck disable=SC2119 # canary takes an optional prefix
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
trap stop_fake_api EXIT
KEY=$(canary)   # the server's and the environment's
OTHER=$(canary) # a key the server refuses
start_fake_api "$KEY"
N=200
C=$ROOT/tests/py/wire_fresh.py
rc0=0 rc1=0
OPENAI_API_KEY=$KEY WIRE_OTHER=$OTHER $PY "$C" "$API_PORT" $N >"$W/plain" 2>&1 || rc0=$?
OPENAI_API_KEY=$KEY WIRE_OTHER=$OTHER traced "$W/t" $PY "$C" "$API_PORT" $N >"$W/traced" 2>&1 || rc1=$?
expect_eq "statuses" "$(cat "$W/plain")" "200x$N 401 200x5"
expect_eq "exit status the same traced" "$rc1" "$rc0"
expect_eq "output the same traced" "$(cat "$W/traced")" "$(cat "$W/plain")"

# The good key: one `wire` record for its 205 connections, the count in its aggregate.
GOOD="[r for r in by('wire') if r.get('match') == 'OPENAI_API_KEY']"
check "the good key's $((N + 5)) new connections: one wire record" tq "$W/t" "len($GOOD) == 1"
check "its wire record carries an aggregate id" tq "$W/t" "len($GOOD) == 1 and ${GOOD}[0].get('agg', 0) > 0"
check "the aggregate counts all $((N + 5)) connections, first and last times" tq "$W/t" \
	"max([a['count'] for a in by('agg') if a['kind'] == 'wire' and a['id'] == ${GOOD}[0]['agg']] or [0]) == $((N + 5)) and all(a['first'] <= a['last'] for a in by('agg'))"
# The other key: its own record (a change of credential), and the 401 answered to it.
OTHERS="[r for r in by('wire') if r.get('match') is None and r['cred']['state'] == 'present']"
check "another key is written by itself" tq "$W/t" "len($OTHERS) == 1 and ${OTHERS}[0]['cred']['fp'] != ${GOOD}[0]['cred']['fp']"
check "the 401 after $N OKs is written by itself" tq "$W/t" \
	"len([r for r in by('wire_status') if r['status'] == 401 and r['cred']['fp'] == ${OTHERS}[0]['cred']['fp']]) == 1"
check "fewer than 10 wire records in all" tq "$W/t" "len(by('wire')) + len(by('wire_status')) < 10"

"$CLI" report --format json "$W/t" >"$W/report.json" 2>"$W/report.err" || true
codes=$($PY -c 'import json,sys; print(" ".join(sorted({f["code"] + ":" + f["severity"] for f in json.load(sys.stdin)["findings"]})))' <"$W/report.json" 2>/dev/null)
case " $codes " in *" KEY_REJECTED:error "*) ok "KEY_REJECTED reported" ;; *) fail "KEY_REJECTED reported" "[$codes]" ;; esac
case " $codes " in *" KEY_SENT_DIFFERS:error "*) ok "KEY_SENT_DIFFERS reported" ;; *) fail "KEY_SENT_DIFFERS reported" "[$codes]" ;; esac
"$CLI" report "$W/t" >"$W/report.txt" 2>&1 || true
check "the report counts one 401 request" grep -q "answered 401 to 1 request(s)" "$W/report.txt"

if grep -rqF -e "$KEY" -e "$OTHER" "$W"; then fail "no key in this case's output" "a canary is in $W"; else
	ok "no key in this case's output"; fi
