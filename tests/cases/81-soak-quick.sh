#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 81-soak-quick: a 20-second soak: gunicorn bare and traced under the same load, no error, no
# descriptor growth, traces within files x cap (a 4 KiB cap, so that it and its tail ring are reached:
# connects are aggregated, an 8 KiB cap is no longer reached in 20 s), seeded finding
# still reported.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

if [ ! -x /usr/bin/gunicorn ]; then
	skip "soak" "gunicorn is missing (scripts/install-deps)"
	exit 0
fi
rc=0
"$ROOT/scripts/soak.sh" 20 --max-bytes 4096 --out "$W/soak" >"$W/soak.out" 2>&1 || rc=$?
if [ -s "$W/soak/checks" ]; then
	cat "$W/soak/checks"
else
	fail "soak" "scripts/soak.sh exited $rc without checks: $(tail -3 "$W/soak.out")"
fi
sed 's/^/# /' "$W/soak/summary.txt" 2>/dev/null || true
