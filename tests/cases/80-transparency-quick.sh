#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 80-transparency-quick: CPython's own tests (test_os, test_posix, test_fork1, test_signal,
# test_subprocess) end the same for every case bare and under the shim; traces left, none elsewhere.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

if ! $PY -c 'import test.libregrtest' 2>/dev/null; then
	skip "transparency" "CPython's test suite is missing (libpython3.11-testsuite)"
	exit 0
fi
rc=0
# --timeout bounds each module: a module that hangs under the shim fails here instead of the runner.
"$ROOT/scripts/transparency.sh" --quick --timeout 150 --out "$W/tr" >"$W/transparency.out" 2>&1 || rc=$?
if [ -s "$W/tr/verdict" ]; then
	cat "$W/tr/verdict"
else
	fail "transparency" "scripts/transparency.sh exited $rc without a verdict: $(tail -3 "$W/transparency.out")"
fi
# The table and the reruns, for whoever reads the log.
sed 's/^/# /' "$W/tr/compare.txt" "$W/tr/reruns.txt" 2>/dev/null || true
