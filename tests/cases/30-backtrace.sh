#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 30-backtrace: native sites: frames and "mod" records in the trace, offline symbolization, and the
# cases where no backtrace may be taken (libunwind missing or off, fork child, budget, no CFI).
# shellcheck source=tests/lib.sh disable=SC2119
. "$(dirname "$0")/../lib.sh"

P=$PROGS/bt_getenv
SYM=$ROOT/build/tests/unit/tool_symbolize
export BT_TEST_API_KEY
BT_TEST_API_KEY=$(canary)

# The shim needs glibc only (libc, and libdl for glibc before 2.34): libunwind is dlopen'ed (a missing
# DT_NEEDED would silently drop the preload).
if [ -n "${SANITIZE:-}" ]; then
	skip "shim links glibc only" "SANITIZE=$SANITIZE links the sanitizer runtime (05-symbols checks the plain build)"
else
	extra=$(ldd "$SHIM" | grep -vE 'linux-vdso|libc\.so|libdl\.so\.2|ld-linux' || true)
	expect_eq "shim links glibc only" "$extra" ""
fi

# One read from read_the_key(): frames, and each frame's module named by a "mod" record before it.
traced "$W/once" "$P" once
check "hdr says libunwind" tq "$W/once" 'H[0]["bt"] == "libunwind"'
check "read has frames" tq "$W/once" 'len(by("read")[0]["site"]["frames"]) >= 2'
check "frames are [mod, hex offset]" tq "$W/once" \
	'all(isinstance(f[0], int) and f[1].startswith("0x") for f in by("read")[0]["site"]["frames"])'
check "mod record before its first use" tq "$W/once" \
	'all(any(m["t"] == "mod" and m["id"] == f[0] and m["_line"] < r["_line"] for m in R)
	     for r in by("read") for f in r["site"]["frames"] if f[0])'
check "mod records carry a build id and the program path" tq "$W/once" \
	'any(m["path"] == "'"$P"'" and len(m["build_id"]) == 40 for m in by("mod"))'
check "each module named once per file" tq "$W/once" \
	'len(by("mod")) == len({(m["_file"], m["id"]) for m in by("mod")})'

# The innermost frame symbolizes to read_the_key in bt_getenv.c with a line.
if [ ! -x "$SYM" ]; then # the CLI's other objects may not link yet: build the two files alone
	SYM=$W/tool_symbolize
	${CC:-cc} -std=c11 -D_GNU_SOURCE -I"$ROOT/tools" -o "$SYM" "$ROOT/tests/unit/tool_symbolize.c" \
		"$ROOT/tools/symbolize.c" -ldw -lelf 2>/dev/null || true
fi
if [ ! -x "$SYM" ]; then
	skip "symbolize first frame" "tool_symbolize does not build"
else
	args=$(tq "$W/once" '" ".join([(m["path"] + " " + m["build_id"] + " " + f[1])
		for r in by("read")[:1] for f in r["site"]["frames"][:1] for m in by("mod") if m["id"] == f[0]])')
	# shellcheck disable=SC2086
	got=$("$SYM" $args || true)
	case $got in
	read_the_key*bt_getenv.c*[0-9]) ok "symbolize first frame" ;;
	*) fail "symbolize first frame" "got [$got]" ;;
	esac
fi

# libunwind unloadable: still traced, header and sites say why.
CREDTRACE_LIBUNWIND=/nonexistent/libunwind.so traced "$W/nolib" "$P" once
# libunwind is loaded at the first site that wants it: the header cannot know yet; the site says why.
check "no libunwind: read still traced, site says libunwind was not found" tq "$W/nolib" \
	'by("read")[0]["site"]["bt"] == "off: libunwind not found"'
check "no libunwind: the process is not disturbed (exit 0, one file)" tq "$W/nolib" 'len(H) == 1'
traced "$W/true" /bin/true
check "a process that needs no site never loads libunwind" \
	bash -c "! grep -q 'libunwind' /proc/\$\$/maps && LD_PRELOAD=\"$PRELOAD\" CREDTRACE_DIR=\"$W/maps\" bash -c '! grep -q libunwind /proc/self/maps'"
CREDTRACE_BACKTRACE=0 traced "$W/off" "$P" once
check "CREDTRACE_BACKTRACE=0" tq "$W/off" 'H[0]["bt"] == "off: CREDTRACE_BACKTRACE=0"'

# Deep recursion: the frame cap holds and nothing breaks.
if traced "$W/deep" "$P" deep 5000; then ok "deep stack: exit 0"; else fail "deep stack: exit 0" "rc $?"; fi
check "deep stack: at most 16 frames" tq "$W/deep" '0 < len(by("read")[0]["site"]["frames"]) <= 16'

# A caller without unwind info and a garbage frame pointer: the unwinder stops, nothing crashes.
if traced "$W/nocfi" "$P" nocfi; then ok "no CFI: exit 0"; else fail "no CFI: exit 0" "rc $?"; fi
check "no CFI: frames stop at the unknown frame" tq "$W/nocfi" '1 <= len(by("read")[0]["site"]["frames"]) <= 3'

# A fork child of a multi-threaded parent never unwinds (loader locks of vanished threads); a child
# of a single-threaded parent may, since no other thread could have held a lock.
traced "$W/fork-threads" "$P" fork-threads
check "fork child of a multi-threaded parent: bt fresh-fork" tq "$W/fork-threads" \
	'any((r.get("site") or {}).get("bt") == "fresh-fork" for r in by("read") if r["gen"] == 1)'
traced "$W/fork" "$P" fork
check "fork child of a single-threaded parent: frames" tq "$W/fork" \
	'any(len((r.get("site") or {}).get("frames", [])) > 0 for r in by("read") if r["gen"] == 1)'

# A read the parent made already, repeated by a fork child at the same site: recorded in the child
# (its own first read, gen 1); the parent counts its two (the child leaves with _exit: no end record).
traced "$W/fork-again" "$P" fork-again
check "fork child repeats the parent's read: recorded in the child" tq "$W/fork-again" \
	'len([r for r in by("read") if r["gen"] == 1]) == 1 and len([r for r in by("read") if r["gen"] == 0]) == 1'
check "fork child repeats the parent's read: the parent counts 2" tq "$W/fork-again" \
	'[c for r in by("end") for _, c in r["reads"]] == [2]'

# One call site unwinds once: 150 reads of different names and 150 sets from the same two lines
# reuse the first unwind of each (all 300 records carry frames).
traced "$W/many" "$P" many 150
check "one call site, many records: every record has frames" tq "$W/many" \
	'sum("frames" in r.get("site", {}) for r in by("read") + by("set")) == 300'
# Budget: 300 distinct call sites: at most 256 backtraces, then "limit".
{
	echo '#include <stdlib.h>'
	for i in $(seq 300); do echo "__attribute__((noinline)) static void s$i(void) { if (getenv(\"SITE_${i}_API_KEY\")) abort(); }"; done
	echo 'int main(void) {'
	for i in $(seq 300); do echo "s$i();"; done
	echo 'return 0; }'
} >"$W/sites.c"
cc -O1 -g -o "$W/sites" "$W/sites.c"
traced "$W/sites.t" "$W/sites"
check "budget: 300 sites recorded" tq "$W/sites.t" 'len(by("read")) == 300'
check "budget: at most 256 backtraces" tq "$W/sites.t" 'sum("frames" in r.get("site", {}) for r in R) <= 256'
check "budget: then bt limit" tq "$W/sites.t" 'any(r.get("site", {}).get("bt") == "limit" for r in R)'

# libunwind's validation pipe is moved out of the application's fd range.
low=$(traced "$W/fds" ls -l /proc/self/fd | awk '$9 ~ /^[0-9]+$/ && $9 > 2 && $9 < 100 && $11 ~ /^pipe:/' || true)
expect_eq "no pipe of ours among low fds" "$low" ""

# Fork siblings share sites: four children write an inherited socket from the same call path; the
# first unwinds (libunwind masks signals around each frame), the others take its frames from the
# region the parent shared before forking and unwind nothing. A fifth child reaches the same write()
# one frame deeper and gets frames of its own. Each child's header, module and use records go into
# the fork region its parent mapped (docs/trace-format.md#fork-region): no open, no write.
if ! command -v strace >/dev/null; then
	skip "siblings share sites" "strace not installed (scripts/install-deps installs it)"
else
	S=$PROGS/sock_siblings
	mkdir -p "$W/sib"
	strace -f -qq -o "$W/sib.st" -e trace=openat,writev,rt_sigprocmask -E "LD_PRELOAD=$PRELOAD" \
		-E "CREDTRACE_DIR=$W/sib" "$S" 4 && ok "siblings: exit 0 under strace" || fail "siblings: exit 0 under strace" "status $?"
	kids=$(tq "$W/sib" "[h['pid'] for h in sorted(H, key=lambda h: h['ts']) if h['origin'] == 'fork']" | tr -d '[],')
	read -r -a K <<<"$kids"
	set -- "${K[@]}"
	expect_eq "siblings: five fork children recorded" "$#" 5
	masks() { grep -c "^$1 .*rt_sigprocmask" "$W/sib.st" || true; }
	[ "$(masks "$1")" -gt 0 ] && ok "siblings: the first child unwinds" ||
		fail "siblings: the first child unwinds" "no rt_sigprocmask in pid $1"
	expect_eq "siblings: the next three unwind nothing" "$(masks "$2") $(masks "$3") $(masks "$4")" "0 0 0"
	[ "$(masks "$5")" -gt 0 ] && ok "siblings: the deeper child unwinds its own path" ||
		fail "siblings: the deeper child unwinds its own path" "no rt_sigprocmask in pid $5"
	check "siblings: same path, same frames" tq "$W/sib" \
		'len({str(u["site"]["frames"]) for u in by("use") if u["role"] == "child"}) == 2'
	check "siblings: the deeper path has one frame more" tq "$W/sib" \
		'(lambda n: n[-1] == n[0] + 1)(sorted(len(u["site"]["frames"]) for u in by("use") if u["role"] == "child"))'
	one=$(for p in "$@"; do printf '%s:%s/%s ' "$p" "$(grep -c "^$p .*openat.*\.jsonl" "$W/sib.st")" \
		"$(grep -c "^$p .*writev(" "$W/sib.st")"; done)
	expect_eq "siblings: no child opens or writes a trace file (the region takes its records)" "$one" \
		"$1:0/0 $2:0/0 $3:0/0 $4:0/0 $5:0/0 "
	expect_eq "siblings: every child's records are in the region" \
		"$(tq "$W/sib" "sorted(h['_file'].count('#') for h in H if h['origin'] == 'fork')")" "[1, 1, 1, 1, 1]"
	check "siblings: each child file is hdr, its mods, use" tq "$W/sib" \
		'all([r["t"] for r in R if r["_file"] == h["_file"]][0] == "hdr" and
		     [r["t"] for r in R if r["_file"] == h["_file"]][-1] == "use" for h in H if h["origin"] == "fork")'
fi
