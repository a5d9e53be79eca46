#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A portable shim: no glibc symbol version newer than 2.17 (CentOS 7, Amazon Linux 2, every glibc
# image since), read from `objdump -T`; the check itself is shown to catch a newer one.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -f "$SHIM" ] || { fail build "build/libcredtrace.so missing"; exit 0; }
MAX=2.17

# versions_over FILE: every GLIBC_x.y version FILE needs that is newer than MAX, with its symbols.
versions_over() {
	objdump -T "$1" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\(?GLIBC_[0-9.]+\)?$/) {v = $i; gsub(/[()]/, "", v); print v, $NF}}' |
		while read -r v sym; do
			n=${v#GLIBC_}
			if [ "$(printf '%s\n%s\n' "$n" "$MAX" | sort -V | tail -1)" != "$MAX" ]; then echo "$v:$sym"; fi
		done | sort -u | tr '\n' ' '
}
if [ -n "${SANITIZE:-}" ]; then
	skip "glibc versions" "SANITIZE=$SANITIZE links the sanitizer runtime"
	exit 0
fi
n=$(objdump -T "$SHIM" | grep -c 'GLIBC_' || true)
[ "$n" -gt 20 ] && ok "objdump -T lists the shim's glibc symbols ($n)" || fail "objdump" "only $n GLIBC_ symbols"
expect_eq "no glibc symbol version newer than $MAX" "$(versions_over "$SHIM")" ""
if objdump -T "$SHIM" | grep -q 'GLIBC_PRIVATE'; then fail "no GLIBC_PRIVATE" "$(objdump -T "$SHIM" | grep GLIBC_PRIVATE)"; else ok "no GLIBC_PRIVATE symbol"; fi

# The negative twin: plain calls to fstat and dlsym, built here, need versions newer than 2.17 on a
# glibc 2.34 or newer; the check must name them.
glibc=$(ldd --version | head -1 | grep -oE '[0-9]+\.[0-9]+$')
if [ "$(printf '%s\n2.34\n' "$glibc" | sort -V | head -1)" = 2.34 ]; then
	printf '#define _GNU_SOURCE\n#include <dlfcn.h>\n#include <sys/stat.h>\nint f(int fd) { struct stat st; return fstat(fd, &st) + (dlsym(RTLD_NEXT, "x") != 0); }\n' >"$W/newer.c"
	${CC:-cc} -shared -fPIC -o "$W/newer.so" "$W/newer.c"
	got=$(versions_over "$W/newer.so")
	case $got in *GLIBC_2.3[3-9]:fstat*dlsym* | *dlsym*fstat*) ok "the check catches newer versions ($got)" ;;
	*) fail "negative twin" "got [$got]" ;; esac
else
	skip "negative twin" "glibc $glibc binds fstat and dlsym to old versions anyway"
fi
