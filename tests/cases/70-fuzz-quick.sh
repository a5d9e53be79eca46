#!/usr/bin/env bash
# Builds the libFuzzer targets (scripts/fuzz.sh), replays every regression input and fuzzes each target
# for FUZZ_QUICK_SECONDS (default 20): any crash, sanitizer report or broken oracle fails.
. "$(dirname "$0")/../lib.sh"

if ! command -v clang >/dev/null; then
	skip "fuzz targets" "clang not installed"
	exit 0
fi
secs=${FUZZ_QUICK_SECONDS:-20}
# The regular build dir of make fuzz: incremental, and not inside build/test-out (the canary search
# would read the whole corpus for nothing: the fuzzer never sees a credential value).
FUZZ_OUT=$ROOT/build/fuzz "$ROOT/scripts/fuzz.sh" "$secs" >"$W/fuzz.out" 2>&1 && rc=0 || rc=$?
if grep -q 'build failed\|not found' "$W/fuzz.out"; then
	fail "fuzz targets build" "$(grep -m3 'error\|failed\|not found' "$W/fuzz.out")"
	exit 0
fi
ok "fuzz targets build"
for f in "$ROOT"/tests/fuzz/fuzz_*.c; do
	t=${f##*/fuzz_}
	t=${t%.c}
	if grep -q "^fuzz: $t: a regression input crashes" "$W/fuzz.out"; then
		fail "fuzz $t: regression inputs" "$(grep -A5 "^fuzz: $t: a regression input" "$W/fuzz.out" | grep -m2 'runtime error\|ERROR\|Running' | tr '\n' ' ')"
	elif grep -q "^fuzz: $t: no regression inputs" "$W/fuzz.out"; then
		ok "fuzz $t: no regression inputs yet"
	else
		check "fuzz $t: regression inputs" grep -q "^fuzz: $t: .* regression inputs: ok" "$W/fuzz.out"
	fi
	if grep -q "^fuzz: $t: ok after" "$W/fuzz.out"; then
		ok "fuzz $t: ${secs}s without a crash ($(sed -n "s/^fuzz: $t: ok after .*: \([0-9?]*\) execs.*/\1/p" "$W/fuzz.out") execs)"
	else
		fail "fuzz $t: ${secs}s" "$(grep -A4 "^fuzz: $t: CRASH" "$W/fuzz.out" | head -4 | tr '\n' ' ')"
	fi
done
[ "$rc" -eq 0 ] || echo "# scripts/fuzz.sh exited $rc"
