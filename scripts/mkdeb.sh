#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mkdeb.sh BUILD VERSION: builds BUILD/credtrace_VERSION_ARCH.deb from `make install PREFIX=/usr`: the
# shim in /usr/lib (where the CLI looks: ../lib from /usr/bin), the CLI, the man page, bash completion.
# Depends: the Debian packages that hold the CLI's libraries, at least at the versions built against.
set -eu
B=$1
VERSION=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) ;; *) B=$ROOT/$B ;; esac
ARCH=$(dpkg --print-architecture)
PKG=$B/deb/credtrace
rm -rf "$B/deb"
mkdir -p "$PKG/DEBIAN"
make -s -C "$ROOT" install PREFIX=/usr DESTDIR="$PKG" B="$B" >/dev/null
gzip -9n "$PKG/usr/share/man/man1/credtrace.1"
strip --strip-debug "$PKG/usr/bin/credtrace" "$PKG/usr/lib/libcredtrace.so"
mkdir -p "$PKG/usr/share/doc/credtrace"
printf 'credtrace\n\nCopyright: the credtrace authors\nLicense: MIT (SPDX-License-Identifier: MIT)\n' \
	>"$PKG/usr/share/doc/credtrace/copyright"

# One dependency per shared library of the CLI and the shim, from the package that holds it here.
deps=""
for bin in "$B/credtrace" "$B/libcredtrace.so"; do
	for path in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
		lib=$(basename "$path")
		readelf -d "$bin" | grep -qF "[$lib]" || continue # only direct dependencies
		p=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null || dpkg -S "/usr$path" 2>/dev/null || true)
		p=$(echo "$p" | grep -v diversion | head -1 | cut -d: -f1)
		[ -n "$p" ] || { echo "mkdeb: no package holds $lib" >&2; exit 1; }
		v=$(dpkg-query -W -f='${Version}' "$p" | sed 's/-[^-]*$//')
		case " $deps " in *" $p "*) ;; *) deps="$deps $p (>= $v)," ;; esac
	done
done
deps=${deps%,}
size=$(du -sk "$PKG/usr" | cut -f1)
cat >"$PKG/DEBIAN/control" <<CONTROL
Package: credtrace
Version: $VERSION
Architecture: $ARCH
Maintainer: credtrace developers <credtrace@localhost>
Installed-Size: $size
Depends:$deps
Section: devel
Priority: optional
Description: trace credential environment variables across a process tree
 credtrace finds why an application that works in one process gets 401 Unauthorized once it is
 scaled to workers, services or pods. libcredtrace.so is preloaded (LD_PRELOAD) and writes facts
 about credential variables (state, length, shape, a keyed fingerprint, never the value), forks,
 execs and sockets; the credtrace command runs programs under it and reports findings as text,
 JSON, SARIF, JUnit or HTML.
CONTROL
out=$B/credtrace_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group --build "$PKG" "$out" >/dev/null
echo "$out"
