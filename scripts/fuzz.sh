#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c, clang, ASan + UBSan) in their own build dir and
# runs each for SECONDS (default 60) after replaying its regression inputs. Exits 1 on any crash.
#   scripts/fuzz.sh [SECONDS]          (make fuzz FUZZ_SECONDS=N)
# Environment: FUZZ_TARGETS="report secret" (default: every tests/fuzz/fuzz_*.c), FUZZ_OUT (build dir,
# default build/fuzz), FUZZ_BUILD_ONLY=1, FUZZ_REGRESS_ONLY=1 (replay tests/fuzz/corpus/regress only),
# FUZZ_NICE (default 10), FUZZ_ARGS (extra libFuzzer flags), FUZZ_CFLAGS (extra compiler flags, e.g.
# -fno-sanitize=float-cast-overflow to fuzz past a known bug; use another FUZZ_OUT for that).
# Layout: tests/fuzz/corpus/T/ seeds (read only), tests/fuzz/corpus/regress/T/ inputs that once crashed
# (replayed first, every run), $FUZZ_OUT/corpus/T/ the growing corpus, $FUZZ_OUT/artifacts/ new crashes.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
[ -n "$secs" ] || secs=60
OUT=${FUZZ_OUT:-build/fuzz}
CLANG=${CLANG:-clang}
NICE=${FUZZ_NICE:-10}
command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found (clang 14 with libFuzzer is needed)" >&2; exit 2; }

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# No -Werror: clang warns about other things than gcc, and the fuzz build must not break on them.
CF="-std=c11 -g -O1 -D_GNU_SOURCE -Wall -Wextra $SAN ${FUZZ_CFLAGS:-}"
mkdir -p "$OUT/obj/tools" "$OUT/obj/shim" "$OUT/artifacts"
# Other flags than last time: rebuild everything.
if [ "$(cat "$OUT/obj/flags" 2>/dev/null)" != "$CLANG $CF" ]; then
	rm -f "$OUT"/obj/*/*.o "$OUT"/fuzz_*
	echo "$CLANG $CF" >"$OUT/obj/flags"
fi

# obj SRC OBJ EXTRA_FLAGS...: compiles when the object is missing or older than its source or headers.
obj() {
	local src=$1 o=$2
	shift 2
	local dir
	dir=$(dirname "$src")
	if [ ! -e "$o" ] || [ "$src" -nt "$o" ] || [ -n "$(find "$dir" -name '*.h' -newer "$o" | head -1)" ]; then
		echo "fuzz: cc $src"
		# shellcheck disable=SC2086
		"$CLANG" $CF -fsanitize=fuzzer-no-link "$@" -c -o "$o" "$src"
	fi
}

tool_objs() {
	local objs=() s
	# The CLI's own files and the shim's pure parts it links (one list, in the Makefile).
	for s in tools/*.c $(make -s --no-print-directory print-cli-shim); do
		[ "$s" = tools/main.c ] && continue
		obj "$s" "$OUT/obj/${s%.c}.o" -Itools >&2
		objs+=("$OUT/obj/${s%.c}.o")
	done
	echo "${objs[@]}"
}

shim_objs() { # the shim's pure parts, as the shim_ unit tests link them
	local s
	for s in shim/secret.c shim/sha256.c; do obj "$s" "$OUT/obj/${s%.c}.o" -Ishim >&2; done
	echo "$OUT/obj/shim/secret.o $OUT/obj/shim/sha256.o"
}

build() { # target name -> $OUT/fuzz_NAME
	local t=$1 src=tests/fuzz/fuzz_$1.c objs libs="" inc=""
	case $t in
	report) objs=$(tool_objs) libs="-lcjson -ldw -lelf" inc=-Itools ;;
	*) objs=$(shim_objs) inc=-Ishim ;;
	esac
	# shellcheck disable=SC2086
	if [ ! -e "$OUT/fuzz_$t" ] || [ "$src" -nt "$OUT/fuzz_$t" ] || [ -n "$(find $objs -newer "$OUT/fuzz_$t" | head -1)" ]; then
		echo "fuzz: link fuzz_$t"
		"$CLANG" $CF $inc -fsanitize=fuzzer -o "$OUT/fuzz_$t" "$src" $objs $libs
	fi
}

targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do t=${f#tests/fuzz/fuzz_}; echo "${t%.c}"; done)}
rc=0
for t in $targets; do
	build "$t" || { echo "fuzz: $t: build failed"; rc=1; }
done
[ "$rc" -eq 0 ] || exit 1
[ -z "${FUZZ_BUILD_ONLY:-}" ] || exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in $targets; do
	bin=$OUT/fuzz_$t
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	# Regression inputs: each is run once; any crash fails.
	reg=()
	if [ -d "tests/fuzz/corpus/regress/$t" ]; then
		while IFS= read -r f; do reg+=("$f"); done < <(find "tests/fuzz/corpus/regress/$t" -type f | sort)
	fi
	if [ ${#reg[@]} -gt 0 ]; then
		if "$bin" -close_fd_mask=3 "${reg[@]}" >"$OUT/$t.regress.log" 2>&1; then
			echo "fuzz: $t: ${#reg[@]} regression inputs: ok"
		else
			echo "fuzz: $t: a regression input crashes (see $OUT/$t.regress.log):"
			grep -E 'ERROR|runtime error|Running:' "$OUT/$t.regress.log" | tail -5
			rc=1
		fi
	else
		echo "fuzz: $t: no regression inputs"
	fi
	[ -z "${FUZZ_REGRESS_ONLY:-}" ] || continue
	mkdir -p "$OUT/corpus/$t"
	seeds=()
	[ -d "tests/fuzz/corpus/$t" ] && seeds=("tests/fuzz/corpus/$t")
	log=$OUT/$t.log
	t0=$SECONDS
	# shellcheck disable=SC2086
	if nice -n "$NICE" "$bin" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -close_fd_mask=3 \
		-print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t-" $dict ${FUZZ_ARGS:-} \
		"$OUT/corpus/$t" "${seeds[@]}" >"$log" 2>&1; then
		st=ok
	else
		st=CRASH
		rc=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
	echo "fuzz: $t: $st after $((SECONDS - t0))s of ${secs}s: ${execs:-?} execs, ${cov:-no stats} (log $log)"
	if [ "$st" = CRASH ]; then
		grep -E 'ERROR: |runtime error|SUMMARY|Test unit written' "$log" | head -8
		echo "fuzz: keep the input above as tests/fuzz/corpus/regress/$t/<name> once understood"
	fi
done
exit "$rc"
