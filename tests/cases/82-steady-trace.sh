#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 82-steady-trace: a process that repeats itself writes a trace that stops growing (issue 14), and
# every event a finding rests on is still its own record: the socket alive at a fork, each change of
# a credential's state, the read.
. "$(dirname "$0")/../lib.sh"

KEY=$(canary)
D=$W/busy.d
mkdir -p "$D"
# The issue's busy program: 1e6 getenv of HOME/PATH/TZ, 2,000 loopback connect/write/close cycles.
bare=$(OPENAI_API_KEY=$KEY "$PROGS/busy_steady" 1000000 2000 fork 2>&1) || bare="exit $?"
got=$(OPENAI_API_KEY=$KEY traced "$D" "$PROGS/busy_steady" 1000000 2000 fork 2>&1) || got="exit $?"
expect_eq "busy: output identical bare and traced" "$got" "$bare"
size=$(tq "$D" "sum(__import__('os').path.getsize(f) for f in {r['_file'] for r in R if r['_file'] and any(h['_file']==r['_file'] and h['origin']=='exec' for h in H)})")
if [ "$size" -lt 65536 ]; then ok "busy: trace under 64 KiB ($size bytes)"; else fail "busy: trace under 64 KiB" "$size bytes"; fi
expect_eq "busy: one individual connect for the repeated site, then the one alive at the fork" \
	"$(tq "$D" "[(c.get('agg'), c.get('late', False), 'site' in c) for c in by('connect')]")" \
	"[(1, False, True), (1, True, False)]"
expect_eq "busy: the aggregate counts every connect, first and last times bracket them" \
	"$(tq "$D" "(lambda a: (a['count'], a['first']==by('connect')[0]['ts'], a['last']==by('connect')[1]['ts']))(by('agg')[-1])")" \
	"(2001, True, True)"
expect_eq "busy: aggregate records grow with the log of the count" \
	"$(tq "$D" "len(by('agg')) <= 13")" true
expect_eq "busy: the late connect is the socket the child and the parent used" \
	"$(tq "$D" "sorted((u['role'], u['ino']==by('connect')[1]['ino']) for u in by('use'))")" \
	"[('child', True), ('parent', True)]"
expect_eq "busy: both state changes are individual set records" \
	"$(tq "$D" "[(s['state'], s['prev']['state']) for s in by('set')]")" \
	"[('empty', 'present'), ('present', 'empty')]"
"$CLI" report --format json "$D" >"$W/busy.json" 2>"$W/busy.err" || true
expect_eq "busy: report finds the reused socket, with the connect site" \
	"$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); f=[x for x in r["findings"] if x["code"]=="SOCKET_REUSED_AFTER_FORK"]; print(len(f), "dial" in json.dumps(f))' "$W/busy.json")" \
	"1 True"
expect_eq "busy: report says how many connects the first record stands for" \
	"$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print([s.get("count") for p in r["processes"] for s in p.get("sockets",[]) if s["role"]=="connected"])' "$W/busy.json")" \
	"[2001, None]"

# A child that connects on its own counts its own: the parent's aggregate is not carried over.
D2=$W/child.d
mkdir -p "$D2"
traced "$D2" "$PROGS/busy_steady" 0 3 fork >/dev/null 2>&1 || true
expect_eq "small: 3+1 connects: first written, counted up to 4 at exit" \
	"$(tq "$D2" "[a['count'] for a in by('agg')][-1]")" 4
