#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: builds the workloads and an empty preload object, then runs bench/bench.py, which
# prints one table (bare, empty object, shim, strace, ltrace, callgrind) and checks the budget.
# BENCH_RUNS=N (rounds, default 7), BENCH_ONLY="name ..." (workloads, "startup", or "snap"),
# BENCH_TRACER_RUNS=N (strace/ltrace rounds, default 2), BENCH_CALLGRIND=0, BENCH_TIMEOUT=s (per run).
set -eu
cd "$(dirname "$0")/.."
mapfile -t bins < <(for f in bench/*.c; do b=${f#bench/}; echo "build/bench/${b%.c}"; done)
make -s "${bins[@]}"
# The empty object: what preloading any library costs (ld.so mapping and relocation), so that the
# shim column can be compared with it and not only with the bare run.
if [ ! -e build/bench/libempty.so ]; then
	echo 'int ct_bench_empty;' | ${CC:-cc} -shared -fPIC -O2 -x c -o build/bench/libempty.so -
fi
[ -x /usr/bin/python3 ] || { echo "bench: /usr/bin/python3 missing (Debian python3)" >&2; exit 1; }
# The harness puts a timeout on every run; this one bounds the whole and leaves time to clean up.
rc=0
if [ "${BENCH_ONLY:-}" != snap ]; then
	timeout -k 10 "${BENCH_TOTAL_TIMEOUT:-3600}" /usr/bin/python3 bench/bench.py || rc=$?
fi
# The credtrace snap row (bench/snap.py): BENCH_ONLY=snap runs it alone.
case " ${BENCH_ONLY:-snap} " in *" snap "*)
	timeout -k 10 600 /usr/bin/python3 bench/snap.py || rc=$? ;;
esac
exit "$rc"
