#!/usr/bin/env bash
# Last: no canary value, nor any 8-character piece of one, appears in anything the suite wrote.
. "$(dirname "$0")/../lib.sh"

out=$BUILD/test-out
n=$(grep -c . "$CANARIES" || true)
if [ "$n" -gt 0 ]; then ok "the suite used $n canary values"
elif [ -n "${TESTS:-}" ]; then skip "canaries used" "TESTS=$TESTS ran a subset that uses none"
else fail "canaries used" "none registered"; fi
# Every 8-byte window of every canary, minus the parts every canary shares by construction
# (provider prefixes, the OpenAI marker), which are not secret.
$PY - "$CANARIES" "$out" <<'PY' >"$W/hits" || true
import os, sys
canaries = [l.strip() for l in open(sys.argv[1]) if l.strip()]
common = {"sk-proj-", "T3BlbkFJ", "sk-ant-api03-", "sk-ant-a", "k-ant-ap", "-ant-api", "ant-api0", "nt-api03", "t-api03-"}
pieces = set()
for c in canaries:
    for i in range(len(c) - 7):
        p = c[i:i + 8]
        if not any(p in x for x in common) and not any(x in p for x in common if len(x) >= 8):
            pieces.add(p.encode())
hits = 0
skip = {os.path.abspath(sys.argv[1])}
for root, _, files in os.walk(sys.argv[2]):
    for f in files:
        path = os.path.join(root, f)
        if os.path.abspath(path) in skip or "/zz-canaries" in path:
            continue
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        for p in pieces:
            if p in data:
                print(f"{path}: contains a piece of a canary")
                hits += 1
                break
print(f"checked {len(pieces)} pieces", file=sys.stderr)
sys.exit(1 if hits else 0)
PY
if [ -s "$W/hits" ]; then fail "no canary piece in any trace, report, log or output" "$(head -5 "$W/hits")"; else ok "no canary piece in any trace, report, log or output"; fi
