#!/usr/bin/env bash
# Environment hooks leave errno as glibc leaves it, on every path: first and repeated reads,
# credential and ordinary names, writes, a vfork, fork and raw clone child, a trace directory that
# is gone, and kcmp/getrandom denied by seccomp (the slow path's own system calls fail there).
. "$(dirname "$0")/../lib.sh"

key=$(canary)
run() { env -i PATH=/usr/bin:/bin HOME=/root OPENAI_API_KEY="$key" "$@"; }
# The program's own checks hold without the shim: they say what glibc does.
for mode in plain seccomp; do
	run "$PROGS/env_errno" "$mode" >"$W/bare-$mode.out" 2>&1 && rc=0 || rc=$?
	expect_eq "bare run ($mode): every errno check holds" "$rc" "0"
	grep '^not ok' "$W/bare-$mode.out" | head -3 || true
done
n_bare=$(grep -c '^ok' "$W/bare-plain.out" || true)
[ "$n_bare" -ge 80 ] && ok "bare run makes $n_bare checks" || fail "bare run checks" "$n_bare"

traced_mode() { # mode, trace dir, extra args
	local mode=$1 d=$2
	shift 2
	run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$d" "$PROGS/env_errno" "$mode" "$@" >"$W/traced-$mode.out" 2>&1 && rc=0 || rc=$?
	sed -n '/^\(ok\|not ok\|skip\) - /p' "$W/traced-$mode.out"
	expect_eq "traced run ($mode): exit status 0" "$rc" "0"
}
traced_mode plain "$W/t"
tq "$W/t" 'any(r["fn"]=="getenv" and r["name"]=="OPENAI_API_KEY" for r in by("read")) and len(H)>=5' >/dev/null &&
	ok "plain: the reads were recorded (the slow paths ran), in parent and children" ||
	fail "plain: reads recorded" "$(tq "$W/t" '[(h["origin"]) for h in H]')"
mkdir -p "$W/gone"
traced_mode gone "$W/gone" "$W/gone"
[ ! -e "$W/gone" ] && ok "gone: the trace directory stayed gone" || fail "gone" "$(ls -A "$W/gone")"
traced_mode seccomp "$W/sc"
