#!/usr/bin/env bash
# Last: no canary value, nor any 8-character piece of one, appears in anything the suite wrote.
. "$(dirname "$0")/../lib.sh"

out=$OUT
n=$(grep -c . "$CANARIES" || true)
if [ "$n" -gt 0 ]; then ok "the suite used $n canary values"
elif [ -n "${TESTS:-}" ]; then skip "canaries used" "TESTS=$TESTS ran a subset that uses none"
else fail "canaries used" "none registered"; fi
# Every 8-byte window of every canary, minus the parts every canary shares by construction
# (provider prefixes, the OpenAI marker), which are not secret.
$PY - "$CANARIES" >"$W/pieces" <<'PY'
import sys
canaries = [l.strip() for l in open(sys.argv[1]) if l.strip()]
common = ["T3BlbkFJ"]  # the OpenAI marker every canary carries by construction
pieces = set()
for c in canaries:
    # The provider prefix (up to the last - or _ in the first 16 bytes: sk-proj-, sk-ant-api03-, hf_)
    # is public; windows that overlap it would match placeholders such as sk-proj-your-api-key.
    head = c[:16]
    start = max(head.rfind("-"), head.rfind("_")) + 1
    for i in range(start, len(c) - 7):
        p = c[i:i + 8]
        if not any(p in x for x in common):
            pieces.add(p)
for p in sorted(pieces):
    print(p)  # never an empty line: grep -f would match every line with it
PY
# grep -F matches all pieces in one pass; -D skip: FIFOs planted by the hostile tests must not block.
if [ -s "$W/pieces" ]; then
	grep -rlaF -D skip -f "$W/pieces" --exclude=canaries --exclude-dir="$CASE" "$out" >"$W/hits" || true
else
	: >"$W/hits"
fi
if [ -s "$W/hits" ]; then fail "no canary piece in any trace, report, log or output" "$(head -5 "$W/hits")"; else ok "no canary piece in any trace, report, log or output ($(wc -l <"$W/pieces") pieces)"; fi
