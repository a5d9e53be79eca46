#!/usr/bin/env bash
# `credtrace run` reports once every process of the run has ended, not when the command alone has:
# a forked child that reads after its parent exited is in the report; one still alive after --wait
# is named; a command killed by a signal is said so.
# shellcheck disable=SC2016
. "$(dirname "$0")/../lib.sh"

BASE_LP=
case $PRELOAD in *" "*) BASE_LP=${PRELOAD% *} ;; esac
run() { env -u OPENAI_API_KEY LD_PRELOAD="$BASE_LP" "$CLI" run "$@"; }

# The issue's reproduction: the child reads 0.5 s after the command (its parent) exited.
run -o "$W/late" "$PY" -c 'import os,time
if os.fork()==0: time.sleep(0.5); os.environ.get("OPENAI_API_KEY"); os._exit(0)' 2>"$W/late.err" || true
grep -q 'CRED_MISSING OPENAI_API_KEY' "$W/late.err" && ok "late read of a forked child is in run's report" ||
	fail "late read in the report" "$(head -3 "$W/late.err")"
grep -q 'in 2 processes' "$W/late.err" && ok "both processes in run's report" || fail "two processes" "$(head -1 "$W/late.err")"

# A double-forked daemon (parent and middle child exit at once) is waited for too.
run -o "$W/daemon" "$PY" -c 'import os,time
if os.fork()==0:
    if os.fork()==0: os.setsid(); time.sleep(0.5); os.environ.get("OPENAI_API_KEY"); os._exit(0)
    os._exit(0)' 2>"$W/daemon.err" || true
grep -q 'CRED_MISSING OPENAI_API_KEY' "$W/daemon.err" && ok "double-forked daemon's read is in run's report" ||
	fail "daemon read in the report" "$(head -3 "$W/daemon.err")"

# Still alive after --wait: named, and run still exits with the command's status.
rc=0
run --wait 0.3 -o "$W/alive" sh -c "sleep 30 & echo \$! >'$W/sleep.pid'; exit 4" 2>"$W/alive.err" || rc=$?
kill "$(cat "$W/sleep.pid")" 2>/dev/null || true
expect_eq "--wait: the command's status" "$rc" 4
grep -q 'process of the run still running after 0.3s: pid [0-9]* (sleep); what they record from now on is not in this report' "$W/alive.err" &&
	ok "a process still alive after --wait is named" || fail "still alive named" "$(grep credtrace: "$W/alive.err" | head -3)"

# Killed by a signal: said, status 128+N.
rc=0
run -o "$W/sig" sh -c 'kill -KILL $$' 2>"$W/sig.err" || rc=$?
expect_eq "killed: status 137" "$rc" 137
grep -q 'the command was killed by signal 9 (SIGKILL)' "$W/sig.err" && ok "killed by a signal: said" || fail "signal said" "$(head -3 "$W/sig.err")"

# --wait takes seconds; anything else is a usage error.
rc=0
run --wait soon -o "$W/u" true 2>"$W/u.err" || rc=$?
expect_eq "--wait soon: usage error 2" "$rc" 2
