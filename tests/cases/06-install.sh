#!/usr/bin/env bash
# make install honours PREFIX and DESTDIR, and the installed CLI finds the installed shim.
. "$(dirname "$0")/../lib.sh"

if [ -n "${SANITIZE:-}" ]; then
	skip "make install" "checked on the plain build"
	exit 0
fi
make -s -C "$ROOT" install PREFIX=/opt/ct DESTDIR="$W/root" B="$BUILD" >"$W/install.out" 2>&1 && ok "make install" || fail "make install" "$(tail -3 "$W/install.out")"
for f in opt/ct/lib/libcredtrace.so opt/ct/lib/credtrace-node.cjs opt/ct/lib/credtrace-ruby.rb opt/ct/bin/credtrace opt/ct/share/man/man1/credtrace.1 opt/ct/share/bash-completion/completions/credtrace; do
	[ -f "$W/root/$f" ] && ok "installed $f" || fail "installed $f" "missing"
done
(cd "$W" && "$W/root/opt/ct/bin/credtrace" run -q -o "$W/t" /bin/true) && ok "installed credtrace run: status 0" || fail "installed credtrace run" "status $?"
tq "$W/t" 'len(H) == 1 and H[0]["exe"] == "/usr/bin/true"' >/dev/null && ok "installed CLI preloads the installed shim" || fail "installed shim" "$(ls -A "$W/t" 2>&1)"
man -l "$W/root/opt/ct/share/man/man1/credtrace.1" 2>/dev/null | grep -q 'credtrace' && ok "man page renders" || skip "man page renders" "man is not installed"
