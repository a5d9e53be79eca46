#!/usr/bin/env bash
# Symbol hygiene and dependencies: only hooks exported, only libc (with libdl, where glibc before 2.34
# keeps dlsym: shim/glibc_compat.h) and the loader needed.
. "$(dirname "$0")/../lib.sh"

allowed='^(credtrace_(attach|detach)|(secure_)?getenv|setenv|unsetenv|putenv|clearenv|fork|_Fork|exec(l|lp|le|v|ve|vp|vpe)|fexecve|posix_spawnp?|system|popen|socket|connect|accept4?|close|close_range|closefrom|dup[23]?|fcntl(64)?|shutdown|getaddrinfo|p?read(64)?|p?write(64)?|readv|writev|send(to|msg|mmsg)?|recv(from|msg|mmsg)?|__(read|recv|recvfrom)_chk|SSL_(read|write)(_ex)?)$'
extra=$(nm -D --defined-only "$SHIM" | awk '$2 ~ /^[TWDBRVi]$/ {print $3}' | grep -vE "$allowed" || true)
expect_eq "exports are hooks only" "$extra" ""
abs=$(nm -D --defined-only "$SHIM" | awk '$2 == "A" {print $3}' | sort | tr '\n' ' ')
expect_eq "no absolute symbols (no version names of our own)" "$abs" ""
for h in getenv setenv fork execve posix_spawn socket connect read write send recv close; do
	nm -D --defined-only "$SHIM" | awk '{print $3}' | grep -qE "^$h(@|$)" && ok "hook $h exported" || fail "hook $h exported" missing
done
needed=$(readelf -d "$SHIM" | awk '/NEEDED/ {print $5}' | tr -d '[]' | sort | tr '\n' ' ')
if [ -n "${SANITIZE:-}" ]; then
	# A sanitizer build links its runtime: what ships is the plain build, checked by `make check`.
	skip "DT_NEEDED is libc and libdl only" "SANITIZE=$SANITIZE links the sanitizer runtime"
	skip "ldd lists libc, libdl and the loader only" "SANITIZE=$SANITIZE links the sanitizer runtime"
else
	expect_eq "DT_NEEDED is libc and libdl only" "$needed" "libc.so.6 libdl.so.2 "
	if ldd "$SHIM" | grep -v -E 'linux-vdso|libc\.so\.6|libdl\.so\.2|ld-linux' | grep -q .; then
		fail "ldd lists libc, libdl and the loader only" "$(ldd "$SHIM")"
	else
		ok "ldd lists libc, libdl and the loader only"
	fi
fi
# An old binary bound to posix_spawn@GLIBC_2.2.5 still meets the (unversioned) hook and is traced.
cat >"$W/old_spawn.c" <<'C'
#include <spawn.h>
#include <sys/wait.h>
extern char **environ;
__asm__(".symver posix_spawn_old, posix_spawn@GLIBC_2.2.5");
int posix_spawn_old(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, char *const[], char *const[]);
int main(void) { pid_t p; char *av[] = {"true", 0}; int st = 0;
  if (posix_spawn_old(&p, "/bin/true", 0, 0, av, environ)) return 1;
  waitpid(p, &st, 0); return WEXITSTATUS(st); }
C
cc -o "$W/old_spawn" "$W/old_spawn.c"
traced "$W/t" "$W/old_spawn" && ok "old posix_spawn runs" || fail "old posix_spawn runs" "status $?"
tq "$W/t" 'any(r["fn"]=="posix_spawn" and r.get("ok") for r in by("exec"))' >/dev/null &&
	ok "old posix_spawn@GLIBC_2.2.5 recorded" || fail "old posix_spawn@GLIBC_2.2.5 recorded" "no exec record"
