#!/usr/bin/env bash
# Process hooks: every way of starting a program is recorded with what its environment lost; the
# programs' own results are those of a bare run.
. "$(dirname "$0")/../lib.sh"

key=$(canary)
run() { env -i PATH=/usr/bin:/bin HOME=/root OPENAI_API_KEY="$key" "$@"; }
run "$PROGS/proc_spawn_env" >"$W/bare.out" 2>&1 && rc_bare=0 || rc_bare=$?
run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/t" "$PROGS/proc_spawn_env" >"$W/traced.out" 2>&1 && rc_tr=0 || rc_tr=$?
expect_eq "same exit status" "$rc_tr" "$rc_bare"
if cmp -s "$W/bare.out" "$W/traced.out"; then ok "same output and child statuses"; else
	fail "same output" "$(diff "$W/bare.out" "$W/traced.out" | head -5)"; fi
tq "$W/t" '{r["fn"] for r in by("exec")} >= {"execve","execvp","posix_spawn","posix_spawnp","execle","execl","system","popen"}' >/dev/null &&
	ok "exec, spawn, system and popen all recorded" || fail "exec fns" "$(tq "$W/t" '{r["fn"] for r in by("exec")}')"
tq "$W/t" 'any(r["fn"]=="execve" and r["lost"]==["OPENAI_API_KEY"] and not r["preload"] for r in by("exec"))' >/dev/null &&
	ok "vfork child's execve: key lost, preload dropped" || fail "vfork execve" "$(tq "$W/t" '[r for r in by("exec") if r["fn"]=="execve"]')"
tq "$W/t" 'any(h["origin"]=="vfork" and h["parent"]["pid"]==[x for x in H if x["origin"]=="exec"][0]["pid"] for h in H)' >/dev/null &&
	ok "vfork child wrote its own file naming its parent" || fail "vfork hdr" "$(tq "$W/t" 'H')"
tq "$W/t" 'any(r["fn"]=="posix_spawn" and r["emptied"]==["OPENAI_API_KEY"] and r["ok"] and r["child"]>0 for r in by("exec"))' >/dev/null &&
	ok "posix_spawn: key emptied, child pid" || fail "posix_spawn" "$(tq "$W/t" '[r for r in by("exec") if r["fn"]=="posix_spawn"]')"
tq "$W/t" 'any(r["fn"]=="posix_spawn" and r["ok"] is False and r["errno"]==2 for r in by("exec"))' >/dev/null &&
	ok "failed posix_spawn recorded with its error" || fail "posix_spawn error" ""
tq "$W/t" 'any(r["fn"]=="execl" for r in by("exec")) and any(r["fn"]=="execl" and r["errno"]==2 for r in by("exec_err"))' >/dev/null &&
	ok "failed execl followed by exec_err" || fail "exec_err" "$(tq "$W/t" 'by("exec_err")')"
tq "$W/t" 'any(r["fn"]=="execvp" and r["env"]=="inherit" and r["lost"]==[] and r["preload"] for r in by("exec"))' >/dev/null &&
	ok "inherited environment: nothing lost, preload kept" || fail "execvp inherit" ""
tq "$W/t" 'len(by("fork"))>=3 and all(r["child"]>0 for r in by("fork"))' >/dev/null && ok "fork records with child pids" || fail "fork records" ""
tq "$W/t" 'all(h["parent"]["pid"]==[x for x in H if x["origin"]=="exec" and x["exe"].endswith("proc_spawn_env")][0]["pid"] for h in H if h["origin"]=="fork")' >/dev/null &&
	ok "fork children name their parent" || fail "fork child hdr" ""
tq "$W/t" 'any(h["exe"]=="/usr/bin/dash" and h["origin"]=="exec" for h in H)' >/dev/null && ok "children that keep LD_PRELOAD are traced" || fail "traced children" ""

# Busy threads: no lock is held across fork.
if timeout 60 env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/busy" OPENAI_API_KEY="$key" "$PROGS/proc_busy_fork" >"$W/busy.out"; then
	ok "fork with 8 busy threads: every child ran (no deadlock)"
else
	fail "fork with 8 busy threads" "status $? $(cat "$W/busy.out")"
fi
tq "$W/busy" 'any(r["threads"]>=9 for r in by("fork"))' >/dev/null && ok "thread count at fork recorded" || fail "threads at fork" "$(tq "$W/busy" '[r["threads"] for r in by("fork")][:5]')"
tq "$W/busy" 'all(h["parent"]["threads"]>=9 for h in H if h["origin"]=="fork")' >/dev/null && ok "children know their parent was multi-threaded" || fail "child hdr threads" ""

# CPython's subprocess execs in a vfork child.
cat >"$W/sub.py" <<'PY'
import os, subprocess, sys
env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
r = subprocess.run(["/bin/sh", "-c", "exit 3"], env=env)
print("status", r.returncode)
PY
run "$PY" "$W/sub.py" >"$W/py-bare.out"
run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/py" "$PY" "$W/sub.py" >"$W/py-traced.out"
cmp -s "$W/py-bare.out" "$W/py-traced.out" && ok "python subprocess: same output" || fail "python subprocess output" "$(cat "$W/py-traced.out")"
tq "$W/py" 'any(r["fn"]=="execve" and "OPENAI_API_KEY" in r["lost"] for r in by("exec"))' >/dev/null &&
	ok "python subprocess: the exec in the vfork child says the key was lost" || fail "python subprocess exec" "$(tq "$W/py" 'by("exec")')"

# Every exec function that fails, and fork/_Fork with errno set beforehand: the program sees the
# results and errno of a bare run, and each failed exec is an "exec" record followed by "exec_err".
run "$PROGS/proc_exec_errno" >"$W/ee-bare.out" 2>&1 || true
run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/ee" "$PROGS/proc_exec_errno" >"$W/ee-traced.out" 2>&1 || true
if [ -s "$W/ee-bare.out" ] && cmp -s "$W/ee-bare.out" "$W/ee-traced.out"; then
	ok "failed execs, fork, _Fork: same results and errno as bare"
else
	fail "exec/fork errno" "$(diff "$W/ee-bare.out" "$W/ee-traced.out" | head -8)"
fi
fns='["execve","execv","execvp","execvpe","execl","execlp","execle","fexecve"]'
tq "$W/ee" "all(sum(r['fn']==f for r in by('exec'))==sum(r['fn']==f for r in by('exec_err'))>=1 for f in $fns) and sorted(r['errno'] for r in by('exec_err'))==[2,2,2,2,2,8,8,13,22]" >/dev/null &&
	ok "each exec function: exec record, then exec_err with the call's errno" ||
	fail "exec_err per function" "$(tq "$W/ee" '[(r["fn"], r["errno"]) for r in by("exec_err")]')"
tq "$W/ee" "sorted(r['fn'] for r in by('fork'))==['_Fork','fork','fork'] and all(r['child']>0 for r in by('fork'))" >/dev/null &&
	ok "fork and _Fork recorded once each, with the child's pid" || fail "fork/_Fork records" "$(tq "$W/ee" 'by("fork")')"

# A raw clone child (no atfork handler ran) under a seccomp filter that refuses kcmp: the shim's
# check for a vfork child fails a system call there, and the hooks must not show its EPERM.
run "$PROGS/proc_exec_errno" clone >"$W/cl-bare.out" 2>&1 || true
if grep -q "cannot install" "$W/cl-bare.out"; then
	skip "clone child under seccomp: errno kept" "seccomp filter refused here: $(head -1 "$W/cl-bare.out")"
else
	run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/cl" "$PROGS/proc_exec_errno" clone >"$W/cl-traced.out" 2>&1 || true
	if [ "$(grep -c 'errno=EILSEQ' "$W/cl-bare.out")" -eq 7 ] && cmp -s "$W/cl-bare.out" "$W/cl-traced.out"; then
		ok "clone child under seccomp: fork, system, posix_spawn, popen, write, dup2, close keep errno"
	else
		fail "clone child errno" "$(diff "$W/cl-bare.out" "$W/cl-traced.out" | head -8)"
	fi
fi
