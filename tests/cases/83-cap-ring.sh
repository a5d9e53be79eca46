#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 83-cap-ring: CREDTRACE_MAX_BYTES keeps the head of a file and its newest records (a tail ring),
# and the report says how many records in between were dropped (issue 14).
. "$(dirname "$0")/../lib.sh"

KEY=$(canary)
D=$W/ring.d
mkdir -p "$D"
# 3,000 different values set from Python: every one is a state change, so every one is a record.
prog='import os
for i in range(3000):
    os.environ["OPENAI_API_KEY"] = "x" * (i % 50 + 1)
print("done")'
bare=$(OPENAI_API_KEY=$KEY "$PY" -c "$prog" 2>&1) || bare="exit $?"
got=$(OPENAI_API_KEY=$KEY CREDTRACE_MAX_BYTES=16k traced "$D" "$PY" -c "$prog" 2>&1) || got="exit $?"
expect_eq "ring: output identical bare and traced" "$got" "$bare"
F=$(tq "$D" "[h['_file'] for h in H if h['origin']=='exec'][0]")
size=$(stat -c %s "$F")
if [ "$size" -le 16384 ]; then ok "ring: file within the cap ($size bytes)"; else fail "ring: file within the cap" "$size"; fi
expect_eq "ring: the head keeps the header and the start-up records" \
	"$(tq "$D" "[r['t'] for r in R if r['_file']=='$F'][:2]")" "['hdr', 'env']"
expect_eq "ring: one cap record saying where the head ends" \
	"$(tq "$D" "[(c['bytes'], c['head'] > 0) for c in by('cap')]")" "[(16384, True)]"
expect_eq "ring: the newest set (the 3,000th, length 50) is kept" \
	"$(tq "$D" "max((r['seq'], r['len']) for r in by('set') if 'seq' in r)[1]")" 50
"$CLI" report --format json "$D" >"$W/ring.json" 2>"$W/ring.err" || true
expect_eq "ring: no unreadable line reported for the ring's remnants" "$(wc -l <"$W/ring.err")" 0
expect_eq "ring: report counts the dropped records: the seqs it lacks" \
	"$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print([p.get("dropped") for p in r["processes"] if p["capped"]])' "$W/ring.json")" \
	"[$(tq "$D" "max(r['seq'] for r in R if 'seq' in r) - len([r for r in R if 'seq' in r])")]"
expect_eq "ring: the report's last set of the variable is the newest one" \
	"$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); c=[c for p in r["processes"] if p["capped"] for c in p["credentials"]][0]; print(c["sets"][-1]["len"] if "sets" in c else c)' "$W/ring.json")" 50
NO_COLOR=1 "$CLI" report "$D" 2>/dev/null | grep -q "newest records are kept, [0-9]* in between were dropped" &&
	ok "ring: text report names the dropped records" || fail "ring: text report names the dropped records" "$(NO_COLOR=1 "$CLI" report "$D" 2>&1 | grep -i cap)"
