#!/usr/bin/env bash
# Thread safety: the shim built with ThreadSanitizer, preloaded after libtsan into the threaded stress
# program (getenv and socket round trips in 16 threads while the main thread forks), a fork with busy
# threads, and a threaded CPython program with an HTTP server, os.environ reads and a fork. Every
# report TSan writes fails the case. The shim's locks are C11 atomics, which TSan understands
# (helgrind does not: it reports each atomic access). `make tsan` runs this case alone.
. "$(dirname "$0")/../lib.sh"

if [ -n "${SANITIZE:-}" ]; then
	skip "tsan" "this run is a SANITIZE=$SANITIZE build: ThreadSanitizer cannot be combined with it"
	exit 0
fi
TSAN_RT=$(${CC:-cc} -print-file-name=libtsan.so)
if [ ! -e "$TSAN_RT" ]; then
	skip "tsan" "no libtsan for ${CC:-cc} (Debian package libtsan2)"
	exit 0
fi

TB=$BUILD/tsan
mkdir -p "$W"
if ! make -s -C "$ROOT" B="$TB" SANITIZE=thread "$TB/libcredtrace.so" "$TB/tests/progs/sock_stress" \
	"$TB/tests/progs/proc_busy_fork" "$TB/tests/progs/bt_getenv" >"$W/build.log" 2>&1; then
	fail "tsan build" "$(tail -5 "$W/build.log" | tr '\n' '|')"
	exit 0
fi
ok "shim built with -fsanitize=thread"

KEY=$(canary)
BTKEY=$(canary)
export TSAN_OPTIONS="exitcode=66 log_path=$W/tsan"
tsan_run() { # NAME DIR CMD...
	local n=$1 d=$2
	shift 2
	if OPENAI_API_KEY=$KEY BT_TEST_API_KEY=$BTKEY timeout 300 env LD_PRELOAD="$TSAN_RT $TB/libcredtrace.so" \
		CREDTRACE_DIR="$W/$d" "$@" >"$W/$d.out" 2>&1; then
		ok "$n: exit 0 under TSan"
	else
		fail "$n: exit 0 under TSan" "rc $? $(tail -3 "$W/$d.out" | tr '\n' '|')"
	fi
}
tsan_run "stress (16 threads, 40 forks)" stress "$TB/tests/progs/sock_stress" 16 40 10
tsan_run "fork with 8 busy threads" busy "$TB/tests/progs/proc_busy_fork"
tsan_run "fork child of a threaded parent reads" forkthr "$TB/tests/progs/bt_getenv" fork-threads
tsan_run "threaded CPython: http server, os.environ, fork" py "$PY" "$ROOT/tests/progs/py_threads.py"

reports=$(cat "$W"/tsan.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
if [ "$reports" = 0 ]; then
	ok "no ThreadSanitizer report in any process"
else
	fail "no ThreadSanitizer report in any process" \
		"$reports: $(cat "$W"/tsan.* | grep '^SUMMARY' | sort | uniq -c | head -5 | tr '\n' '|')"
fi
expect_eq "stress: the traced program saw no error" "$(cat "$W/stress.out")" "threads 16 forks 40 errors 0"
check "the traces are valid and name every process" tq "$W/stress" 'len(H) == 41'
