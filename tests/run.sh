#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test: unit binaries (build/tests/unit/*) and case scripts (tests/cases/*.sh), each in its
# own process with a timeout. Each prints TAP-like lines: "ok - name", "not ok - name: why",
# "skip - name: why". Ends with "N passed, M failed, K skipped"; exits 1 when anything failed.
# TESTS=pattern runs only the files whose name contains pattern.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
export ROOT
B=${CT_BUILD:-build} # the Makefile's B
case $B in /*) ;; *) B=$ROOT/$B ;; esac
OUT=${CT_TEST_OUT:-$B/test-out}
export CT_TEST_OUT=$OUT
# A subset run (TESTS=...) keeps what other runs left, so that runs of different subsets can overlap.
if [ -z "${TESTS:-}" ]; then
	rm -rf "$OUT"
fi
mkdir -p "$OUT"
touch "$OUT/canaries"
pass=0 fail=0 skipped=0
failed_names=()
per_file_timeout=${CT_TEST_TIMEOUT:-600}

run_one() { # name, command...
	local name=$1
	shift
	local log="$OUT/$name.log" rc=0
	timeout -k 10 "$per_file_timeout" "$@" >"$log" 2>&1 </dev/null || rc=$?
	local p f s
	p=$(grep -ac '^ok - ' "$log" || true)
	f=$(grep -ac '^not ok - ' "$log" || true)
	s=$(grep -ac '^skip - ' "$log" || true)
	p=${p:-0} f=${f:-0} s=${s:-0}
	grep -aE '^(not ok|skip) - ' "$log" | sed "s|^|  [$name] |" || true
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# A file that died or timed out without saying which test failed counts as one failure.
		echo "  [$name] not ok - exited with status $rc (see $log)"
		f=1
	fi
	[ "$f" -eq 0 ] || failed_names+=("$name")
	printf '%-40s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	pass=$((pass + p)) fail=$((fail + f)) skipped=$((skipped + s))
}

filter=${TESTS:-}
for t in "$B"/tests/unit/*; do
	[ -x "$t" ] || continue
	n=unit-$(basename "$t")
	case $n in *"$filter"*) ;; *) continue ;; esac
	if [ -n "${CT_VALGRIND:-}" ]; then
		run_one "$n" valgrind -q --error-exitcode=99 --leak-check=full --track-fds=yes "$t"
	else
		run_one "$n" "$t"
	fi
done
# Cases run in name order; zz-canaries.sh runs last and searches everything the suite wrote.
for t in tests/cases/*.sh; do
	n=$(basename "$t" .sh)
	case $n in *"$filter"* | zz-*) ;; *) continue ;; esac
	run_one "$n" bash "$t"
done
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed files: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
