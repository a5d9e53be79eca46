#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make musl: the shim built with musl-gcc (Debian's musl-tools) and preloaded into a musl-linked
# program (the Alpine case): the program's output and status do not change, and the parent, its fork
# child and the exec'd image are traced, with their reads, and reported by the CLI.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if ! command -v musl-gcc >/dev/null; then
	skip "make musl" "musl-gcc is missing (Debian's musl-tools, in scripts/deps.txt)"
	exit 0
fi
if [ -n "${SANITIZE:-}" ]; then
	skip "make musl" "no sanitizer runtime for musl; checked on the plain build"
	exit 0
fi
MB=$BUILD-musl
make -s -C "$ROOT" musl MUSL_B="$MB" >"$W/make.out" 2>&1 && ok "make musl" || { fail "make musl" "$(tail -5 "$W/make.out")"; exit 0; }
MSHIM=$MB/libcredtrace.so
expect_eq "musl shim needs musl's libc only" "$(readelf -d "$MSHIM" | awk '/NEEDED/ {print $5}' | tr -d '[]' | tr '\n' ' ')" "libc.so "
# _init and _fini come from musl's crti.o, as in every musl shared object; the rest are the hooks of 05-symbols.
extra=$(nm -D --defined-only "$MSHIM" | awk '$2 ~ /^[TW]$/ {print $3}' | grep -vE '^(_init|_fini|credtrace_(attach|detach)|(secure_)?getenv|setenv|unsetenv|putenv|clearenv|fork|_Fork|exec(l|lp|le|v|ve|vp|vpe)|fexecve|posix_spawnp?|system|popen|socket|connect|accept4?|close|close_range|closefrom|dup[23]?|fcntl(64)?|shutdown|getaddrinfo|p?read(64)?|p?write(64)?|readv|writev|send(to|msg|mmsg)?|recv(from|msg|mmsg)?|__(read|recv|recvfrom)_chk|SSL_(read|write)(_ex)?)$' || true)
expect_eq "musl shim exports hooks only" "$extra" ""

musl-gcc -O2 -o "$W/musl_app" tests/musl/musl_app.c
interp=$(readelf -l "$W/musl_app" | grep -o 'ld-musl[^]]*' || true)
[ -n "$interp" ] && ok "test program is musl-linked ($interp)" || fail "musl program" "$(file "$W/musl_app")"

KEY=$(canary)
plain=$(env -i OPENAI_API_KEY="$KEY" "$W/musl_app" 2>&1) && prc=0 || prc=$?
traced_out=$(env -i OPENAI_API_KEY="$KEY" LD_PRELOAD="$MSHIM" CREDTRACE_DIR="$W/t" "$W/musl_app" 2>&1) && trc=0 || trc=$?
expect_eq "same output with the shim" "$traced_out" "$plain"
expect_eq "same exit status with the shim" "$trc" "$prc"
expect_eq "three images traced (parent, fork child, exec)" "$(ls "$W/t"/*.jsonl 2>/dev/null | wc -l)" 3
expect_eq "origins" "$(tq "$W/t" 'sorted(h["origin"] for h in H)')" "['exec', 'exec', 'fork']"
expect_eq "getenv reads recorded" "$(tq "$W/t" 'sorted({(r["name"], r["state"]) for r in R if r["t"] == "read"})')" \
	"[('ANTHROPIC_API_KEY', 'absent'), ('OPENAI_API_KEY', 'present')]"
expect_eq "fork and exec recorded" "$(tq "$W/t" 'sorted({r["t"] for r in R if r["t"] in ("fork", "exec")})')" "['exec', 'fork']"
"$CLI" report --format json "$W/t" >"$W/report.json"
expect_eq "report: the missing primary key" \
	"$($PY -c 'import json,sys; print(sorted({(f["code"], f["variable"]) for f in json.load(open(sys.argv[1]))["findings"]}))' "$W/report.json")" \
	"[('CRED_MISSING', 'ANTHROPIC_API_KEY')]"
