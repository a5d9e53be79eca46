#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 51-demo: scripts/demo.sh reproduces the 401 and the JSON report names the seeded findings.
# shellcheck source=tests/lib.sh disable=SC2119
. "$(dirname "$0")/../lib.sh"

rc=0
CT_DEMO_KEY=$(canary) "$ROOT/scripts/demo.sh" "$W/traces" >"$W/demo.out" 2>&1 || rc=$?
expect_eq "demo: exits 0 (failure reproduced, traces left)" "$rc" 0
check "demo: the batch job got the 401" grep -q '^\[batch .*failed: 401 Incorrect API key provided' "$W/demo.out"
check "demo: workers shared connection 1" grep -q '^connection 1: 3 request(s), status 200 x3' "$W/demo.out"
check "demo: traces written" tq "$W/traces" 'len(H) >= 4'

rc=0
"$CLI" report --format json "$W/traces" >"$W/report.json" 2>"$W/report.err" || rc=$?
expect_eq "report: exit 0 (--fail-on never)" "$rc" 0
codes() { $PY -c 'import json,sys; print(" ".join(sorted({f["code"] for f in json.load(open(sys.argv[1]))["findings"]})))' "$W/report.json"; }
got=$(codes 2>/dev/null || echo unreadable)
has() { case " $got " in *" $1 "*) ok "report names $1" ;; *) fail "report names $1" "codes: $got" ;; esac; }
has SOCKET_REUSED_AFTER_FORK
has CRED_LOST_ON_EXEC
# CPython reads os.environ without libc getenv: the reads (and so the read-site findings) are only
# seen when the Python adapter of the shim is active.
if tq "$W/traces" 'any(r.get("fn") == "os.environ" for r in by("read"))' >/dev/null 2>&1; then
	has CRED_READ_BEFORE_FORK
	has CRED_MISSING
else
	why="no os.environ read in the trace (the shim's Python adapter is not active)"
	skip "report names CRED_READ_BEFORE_FORK" "$why"
	skip "report names CRED_MISSING" "$why"
fi
