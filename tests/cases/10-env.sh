#!/usr/bin/env bash
# Environment hooks: same results and errno as a bare run; the trace says what was read and set.
. "$(dirname "$0")/../lib.sh"

key=$(canary)
run() { env -i PATH=/usr/bin:/bin HOME=/root OPENAI_API_KEY="$key" "$@"; }
run "$PROGS/env_calls" >"$W/bare.out" 2>&1 && rc_bare=0 || rc_bare=$?
run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/t" "$PROGS/env_calls" >"$W/traced.out" 2>&1 && rc_tr=0 || rc_tr=$?
expect_eq "env_calls: same exit status" "$rc_tr" "$rc_bare"
if cmp -s "$W/bare.out" "$W/traced.out"; then ok "env_calls: same output, return values and errno"; else
	fail "env_calls: same output" "$(diff "$W/bare.out" "$W/traced.out" | head -5)"; fi
grep -q 'setenv-empty-name rc=-1 errno=22' "$W/traced.out" && ok "setenv(\"\") is EINVAL under the shim" || fail "setenv EINVAL" "$(cat "$W/traced.out")"
grep -q 'errno after getenv=1234' "$W/traced.out" && ok "getenv leaves errno alone" || fail "getenv errno" ""

tq "$W/t" 'len(H)==1 and H[0]["schema"]=="credtrace.trace/1" and H[0]["origin"]=="exec"' >/dev/null && ok "one header, schema v1" || fail "header" "$(head -c 300 "$W"/t/*.jsonl)"
tq "$W/t" '[r["state"] for r in by("env") if r["name"]=="OPENAI_API_KEY"]==["present"]' >/dev/null && ok "env record for the key at start" || fail "env record" ""
tq "$W/t" 'len([r for r in by("env")])==1' >/dev/null && ok "only credential variables are listed at start" || fail "env records" "$(tq "$W/t" '[r["name"] for r in by("env")]')"
tq "$W/t" '{(r["fn"],r["name"]) for r in by("read")} >= {("getenv","OPENAI_API_KEY"),("secure_getenv","OPENAI_API_KEY"),("getenv","OPEN_AI_API_KEY")}' >/dev/null && ok "reads recorded with fn and name" || fail "reads" "$(tq "$W/t" 'by("read")')"
tq "$W/t" 'any(r["name"]=="OPEN_AI_API_KEY" and r["state"]=="absent" for r in by("read"))' >/dev/null && ok "read of an absent credential says absent" || fail "absent read" ""
tq "$W/t" 'any(r["fn"]=="setenv" and r["name"]=="ANTHROPIC_API_KEY" and r["state"]=="empty" and r["prev"]["state"]=="absent" for r in by("set"))' >/dev/null && ok "setenv to empty recorded with the previous state" || fail "setenv record" "$(tq "$W/t" 'by("set")')"
tq "$W/t" 'not any(r["name"] in ("PLAIN_VAR","","A=B") for r in by("set"))' >/dev/null && ok "non-credential and invalid names not recorded" || fail "set filter" ""
tq "$W/t" 'any(r["fn"]=="putenv" and r["name"]=="GROQ_API_KEY" and "short" in r["flags"] for r in by("set"))' >/dev/null && ok "putenv recorded with shape flags" || fail "putenv" ""
tq "$W/t" 'any(r["fn"]=="unsetenv" and r["state"]=="absent" for r in by("set"))' >/dev/null && ok "unsetenv recorded" || fail "unsetenv" ""
tq "$W/t" 'any(r["fn"]=="clearenv" and r["name"]=="OPENAI_API_KEY" and r["prev"]["state"]=="present" for r in by("set"))' >/dev/null && ok "clearenv recorded per credential" || fail "clearenv" "$(tq "$W/t" 'by("set")')"
tq "$W/t" 'all(len(r["fp"])==12 for r in by("env"))' >/dev/null && ok "fingerprints are 12 hex digits" || fail "fp" ""
mode=$(stat -c %a "$W"/t/*.jsonl)
expect_eq "trace file mode 0600" "$mode" "600"
expect_eq "trace dir mode 0700" "$(stat -c %a "$W/t")" "700"
expect_eq "key file mode 0600" "$(stat -c %a "$W/t/.credtrace.key")" "600"

# Same key file: same fingerprint in two processes; CREDTRACE_FINGERPRINT=0 turns them off.
run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/t" "$PROGS/env_calls" >/dev/null 2>&1 || true
tq "$W/t" 'len({r["fp"] for r in by("env")})==1 and len(H)==2' >/dev/null && ok "fingerprint stable across processes sharing a key" || fail "fp stable" ""
run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/nofp" CREDTRACE_FINGERPRINT=0 "$PROGS/env_calls" >/dev/null 2>&1 || true
tq "$W/nofp" 'all(r["fp"]=="" for r in by("env")) and H[0]["fp"].startswith("off")' >/dev/null && ok "CREDTRACE_FINGERPRINT=0" || fail "fp off" ""
[ ! -e "$W/nofp/.credtrace.key" ] && ok "no key file when fingerprints are off" || fail "no key file" ""

# A million uninteresting reads and 100k of a credential from one site: a small trace.
run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/many" "$PROGS/env_many_reads" >"$W/many.out"
size=$(cat "$W"/many/*.jsonl | wc -c)
[ "$size" -lt 65536 ] && ok "1e6 getenv(HOME) + 1e5 credential reads: trace is $size bytes (< 64 KiB)" || fail "trace size" "$size"
tq "$W/many" 'sum(c for e in by("end") for _,c in e["reads"])==100000' >/dev/null && ok "read count at exit is exact" || fail "read count" "$(tq "$W/many" 'by("end")')"
tq "$W/many" 'len(by("read"))==1' >/dev/null && ok "one read record per site" || fail "read records" ""

# CREDTRACE_VARS adds names and globs.
run env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/vars" CREDTRACE_VARS='MY_*_CFG,OTHERTHING' MY_APP_CFG=v OTHERTHING=w "$PROGS/env_calls" >/dev/null 2>&1 || true
tq "$W/vars" '{"MY_APP_CFG","OTHERTHING"} <= names("env")' >/dev/null && ok "CREDTRACE_VARS names and globs" || fail "CREDTRACE_VARS" "$(tq "$W/vars" 'names("env")')"

# Command lines with multi-byte UTF-8, invalid bytes and control characters: written whole (a
# counting bug once looped forever on the first non-ASCII character), as valid JSON.
if timeout 20 env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/utf8" /bin/echo æ 日本 "$(printf 'bad\377\001x')" >"$W/utf8.out"; then
	ok "non-ASCII argv: the program runs to its end"
else
	fail "non-ASCII argv" "status $? (a hang is 124)"
fi
tq "$W/utf8" 'H[0]["argv"][1:4] == ["æ", "日本", "bad\u00ff\u0001x"]' >/dev/null &&
	ok "non-ASCII argv: UTF-8 kept, other bytes escaped" || fail "non-ASCII argv record" "$(tq "$W/utf8" 'H[0]["argv"]')"
