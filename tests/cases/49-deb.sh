#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make deb: a Debian package with the shim, the CLI, the man page and bash completion, installed with
# `apt-get install ./credtrace_*.deb` (as CI does: this changes the machine; it is removed again unless
# it was installed before) and used: the installed CLI traces with the installed shim.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if [ -n "${SANITIZE:-}" ]; then
	skip "make deb" "checked on the plain build"
	exit 0
fi
rm -f "$BUILD"/credtrace_*.deb
make -s -C "$ROOT" deb B="$BUILD" >"$W/deb.out" 2>&1 && ok "make deb" || { fail "make deb" "$(tail -3 "$W/deb.out")"; exit 0; }
DEB=$(ls "$BUILD"/credtrace_*.deb)
dpkg-deb -c "$DEB" | awk '{print $6}' >"$W/files"
for f in ./usr/bin/credtrace ./usr/lib/libcredtrace.so ./usr/share/man/man1/credtrace.1.gz ./usr/share/bash-completion/completions/credtrace; do
	grep -qx "$f" "$W/files" && ok "package holds $f" || fail "package holds $f" "missing"
done
dpkg-deb -f "$DEB" Package Version Architecture Depends >"$W/control"
check "control: package and version" grep -qx "Version: $(sed -n 's/^VERSION *:= *//p' Makefile)" "$W/control"
check "control: depends on libc6 and libcjson1" grep -q '^Depends:.*libc6.*' "$W/control"

if [ "$(id -u)" != 0 ]; then
	skip "apt-get install ./credtrace_*.deb" "needs root (CI runs as root)"
	exit 0
fi
before=$(dpkg-query -W -f='${Status}' credtrace 2>/dev/null || true)
# --reinstall: the same version again (a second run of the suite) still installs this build's files.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y -q "$@"; }
if (cd "$(dirname "$DEB")" && apt_get install --reinstall --no-install-recommends "./$(basename "$DEB")") >"$W/apt.out" 2>&1; then
	ok "apt-get install ./$(basename "$DEB")"
else
	fail "apt-get install" "$(tail -5 "$W/apt.out")"
	exit 0
fi
expect_eq "dpkg knows it" "$(dpkg-query -W -f='${Status}' credtrace)" "install ok installed"
expect_eq "installed CLI runs" "$(/usr/bin/credtrace --version)" "$("$CLI" --version)"
(cd "$W" && /usr/bin/credtrace run -q -o "$W/t" /bin/true 2>/dev/null) && ok "installed credtrace run" || fail "installed run" "status $?"
tq "$W/t" 'len(H) == 1 and H[0]["exe"] == "/usr/bin/true"' >/dev/null && ok "installed CLI preloads /usr/lib/libcredtrace.so" || fail "installed shim" "$(ls -A "$W/t" 2>&1)"
if command -v man >/dev/null; then
	man -w credtrace >/dev/null 2>&1 && ok "man credtrace found" || fail "man page" "man -w credtrace failed"
else
	skip "man credtrace found" "man is not installed"
fi
if [ "$before" != "install ok installed" ]; then
	apt_get purge credtrace >"$W/purge.out" 2>&1 && ok "removed again" || fail "purge" "$(tail -3 "$W/purge.out")"
	[ ! -e /usr/bin/credtrace ] && ok "nothing left in /usr/bin" || fail "purge" "/usr/bin/credtrace left"
fi
