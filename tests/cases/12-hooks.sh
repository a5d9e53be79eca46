#!/usr/bin/env bash
# Hooks called where they are hard to get right: another library's constructor, a signal handler.
. "$(dirname "$0")/../lib.sh"

key=$(canary)
cc -shared -fPIC -o "$W/libctor.so" "$ROOT/tests/fixtures/ctor_lib.c"
printf 'int main(void){return 0;}\n' >"$W/main.c"
cc -o "$W/ctorprog" "$W/main.c" -L"$W" -lctor -Wl,-rpath,"$W"
OPENAI_API_KEY="$key" "$W/ctorprog" >"$W/bare.out"
OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/t" "$W/ctorprog" >"$W/traced.out" && ok "constructor program runs" || fail "constructor program" "status $?"
cmp -s "$W/bare.out" "$W/traced.out" && ok "getenv from another library's constructor: same result" || fail "ctor output" "$(cat "$W/traced.out")"
tq "$W/t" 'len(H)==1' >/dev/null && ok "constructor program traced" || fail "ctor trace" ""

if timeout 60 env OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/sig" "$PROGS/env_signal" >"$W/sig.out"; then
	ok "signal handler reading a credential during the main loop's reads: no deadlock"
else
	fail "signal handler" "status $?"
fi
grep -q 'reads=3000000 handler=ran' "$W/sig.out" && ok "signal program's results unchanged" || fail "signal results" "$(cat "$W/sig.out")"
tq "$W/sig" 'any(r["name"]=="OTHER_TOKEN" for r in by("set"))' >/dev/null && ok "sets between signals recorded" || fail "signal sets" ""
