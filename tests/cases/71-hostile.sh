#!/usr/bin/env bash
# Hostile conditions: planted key-file symlinks, a full filesystem, no free fds, setuid, static,
# seccomp, chroot, exec loops, fork storms, raw clone/_Fork, signals during our writes. Each run is
# compared with a bare run (output and status); traces must stay valid JSON lines; the key never
# shows up in a trace. (13-trace-dir covers the refused default directory and missing/unwritable dirs.)
. "$(dirname "$0")/../lib.sh"

key=$(canary)
HP=$PROGS/hostile_proc
export OPENAI_API_KEY=$key

# same NAME DIR SETUP CMD...: runs CMD bare and traced into DIR after the shell words SETUP (ulimit);
# ok when output and status are equal. Only CMD is traced, not the shell that starts it.
same() {
	local name=$1 dir=$2 setup=${3:-:}
	shift 3
	local b t
	b=$(bash -c "$setup; exec \"\$@\"" _ "$@" 2>&1; echo "rc=$?")
	t=$(bash -c "$setup; export LD_PRELOAD='$PRELOAD' CREDTRACE_DIR='$dir'; exec \"\$@\"" _ "$@" 2>&1; echo "rc=$?")
	printf '%s\n' "$b" >"$W/$name.bare"
	printf '%s\n' "$t" >"$W/$name.traced"
	if [ "$b" = "$t" ]; then ok "$name: same output and status"; else
		fail "$name" "$(diff "$W/$name.bare" "$W/$name.traced" | head -4 | tr '\n' ' ')"; fi
}
valid() { # NAME DIR: every line of every trace in DIR parses
	if tq "$2" 'True' >/dev/null 2>"$W/tq.err"; then ok "$1: traces are valid JSON lines"; else
		fail "$1: traces are valid JSON lines" "$(head -2 "$W/tq.err")"; fi
}

# ---- the key file ------------------------------------------------------------------------------
# A .credtrace.key planted as a symlink to a file outside (existing or not) is neither followed,
# written, truncated nor created; fingerprints are then off, the host does not notice.
mkdir -p "$W/outside"
printf 'precious\n' >"$W/outside/victim"
before=$(stat -c '%s %Y %a' "$W/outside/victim")
for kind in existing dangling; do
	d=$W/keylink-$kind
	mkdir -m 700 "$d"
	if [ $kind = existing ]; then ln -s "$W/outside/victim" "$d/.credtrace.key"; else ln -s "$W/outside/created" "$d/.credtrace.key"; fi
	same "key symlink ($kind)" "$d" "" "$PROGS/env_calls"
	tq "$d" 'len(H)>=1 and all(h["fp"].startswith("off") for h in H)' >/dev/null && ok "key symlink ($kind): fingerprints off" ||
		fail "key symlink ($kind): fingerprints off" "$(tq "$d" '[h["fp"] for h in H]')"
done
expect_eq "key symlink: the target outside is untouched" "$(stat -c '%s %Y %a' "$W/outside/victim") $(cat "$W/outside/victim")" "$before precious"
[ ! -e "$W/outside/created" ] && ok "key symlink: nothing created outside" || fail "key symlink" "created $W/outside/created"
ln -s "$W/outside/victim" "$W/outside/keyfile-link"
same "CREDTRACE_KEY_FILE is a symlink" "$W/keyenv" "export CREDTRACE_KEY_FILE=$W/outside/keyfile-link" "$PROGS/env_calls"
expect_eq "CREDTRACE_KEY_FILE symlink: target untouched" "$(stat -c '%s %Y' "$W/outside/victim")" "${before% *}"
# A FIFO where the key should be: opening it for reading must not block the host.
mkdir -m 700 "$W/keyfifo"
mkfifo -m 600 "$W/keyfifo/.credtrace.key"
b=$(timeout 20 "$PROGS/env_calls" 2>&1; echo "rc=$?")
t=$(timeout -k 5 20 env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/keyfifo" "$PROGS/env_calls" 2>&1; echo "rc=$?")
if [ "$t" = "$b" ]; then ok "key file is a FIFO: the host does not hang"; else
	fail "key file is a FIFO: the host does not hang" "KNOWN SHIM BUG: traced rc=${t##*rc=} (124: hung, killed by the timeout), bare rc=${b##*rc=}; shim/writer.c read_key() opens the key without O_NONBLOCK"; fi

# ---- full filesystem, no free fds, tiny RLIMIT_FSIZE -------------------------------------------
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
	mkdir -p "$W/full"
	# In a private mount namespace: the mount goes away with the shell, whatever happens.
	unshare -m --propagation private bash -c '
		set -e
		mount -t tmpfs -o size=64k tmpfs "$1"
		mkdir -m 700 "$1/t"
		dd if=/dev/zero of="$1/fill" bs=1k count=1000 2>/dev/null || true
		b=$("$3" 2>&1; echo "rc=$?")
		t=$(LD_PRELOAD="$2" CREDTRACE_DIR="$1/t" "$3" 2>&1; echo "rc=$?")
		[ "$b" = "$t" ] && echo same >"$4/full.res" || echo "differs: $b / $t" >"$4/full.res"
		rm -f "$1/fill"
		LD_PRELOAD="$2" CREDTRACE_DIR="$1/t" "$3" >/dev/null 2>&1 || true
		cp -r "$1/t" "$4/full-t"' _ "$W/full" "$PRELOAD" "$PROGS/env_calls" "$W" || true
	expect_eq "full filesystem (64k tmpfs, filled): same output and status" "$(cat "$W/full.res" 2>/dev/null)" "same"
	valid "full filesystem" "$W/full-t"
else
	skip "full filesystem" "needs root and unshare -m to mount a small tmpfs privately"
fi
# RLIMIT_NOFILE: the program opens fds until EMFILE, then works; a slot it frees must be its own.
same "RLIMIT_NOFILE exhausted" "$W/emfile" "ulimit -n 64" "$HP" emfile
# When the line above fails with "child reopened the freed slot: no": KNOWN SHIM BUG (reported): the
# fork child closes the inherited trace fd and moves its new one to the lowest free fd above 3/4 of
# the limit (shim/writer.c move_high), which is the slot the program freed.
if grep -q 'freed slot: no' "$W/RLIMIT_NOFILE exhausted.traced"; then
	echo "# KNOWN SHIM BUG: a fork child's trace file took the fd slot the program freed (shim/writer.c move_high)"
fi
valid "RLIMIT_NOFILE exhausted" "$W/emfile"
same "RLIMIT_NOFILE 16, exec and fork" "$W/nofile16" "ulimit -n 16" "$HP" seccomp-after

# ---- setuid, static, seccomp, chroot ------------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	install -m 4755 -o root "$PROGS/hostile_suid" "$W/suid"
	chmod 755 "$W"
	mkdir -m 777 "$W/suid-t"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	b=$(as_nobody "$W/suid" 2>&1; echo "rc=$?")
	t=$(as_nobody env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/suid-t" "$W/suid" 2>&1; echo "rc=$?")
	expect_eq "setuid program (LD_PRELOAD with a slash, ignored by ld.so): same output and status" "$t" "$b"
	expect_eq "setuid program: nothing written" "$(ls -A "$W/suid-t" | wc -l)" "0"
	# The shim's own secure-mode check: ld.so does preload a setuid library named without a slash
	# from a system directory. A setuid copy of the shim is bind-mounted over a library the program
	# does not use, in a private mount namespace (nothing on the host changes).
	lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libcjson.so.1 2>/dev/null || true)
	if [ -z "${SANITIZE:-}" ] && [ -n "$lib" ] && unshare -m --propagation private true 2>/dev/null; then
		install -m 4755 -o root "$SHIM" "$W/shim-suid.so"
		res=$(unshare -m --propagation private bash -c '
			mount --bind "$1" "$2"
			setpriv --reuid=65534 --regid=65534 --clear-groups env LD_PRELOAD=libcjson.so.1 CREDTRACE_DIR="$3" "$4" libcjson 2>&1; echo "rc=$?"' \
			_ "$W/shim-suid.so" "$lib" "$W/suid-t" "$W/suid")
		case $res in
		*"mapped libcjson: yes"*)
			expect_eq "setuid program with the shim really preloaded: same output" "$(printf '%s\n' "$res" | grep -v '^mapped')" "$b"
			expect_eq "setuid program with the shim preloaded: secure mode, nothing written" "$(ls -A "$W/suid-t" | wc -l)" "0" ;;
		*) skip "setuid program with the shim preloaded" "ld.so did not preload the setuid copy: $(printf '%s' "$res" | tr '\n' ' ')" ;;
		esac
	else
		skip "setuid program with the shim preloaded" "needs unshare -m and a non-sanitizer shim"
	fi
else
	skip "setuid program" "needs root and setpriv"
fi
if ${CC:-cc} -static -O1 -o "$W/static" "$ROOT/tests/progs/hostile_suid.c" 2>"$W/static.err"; then
	same "static binary started by a traced program" "$W/static-t" "" "$HP" exec "$W/static"
	tq "$W/static-t" 'len(H)==1 and any(r["t"]=="exec" and r["preload"] for r in R)' >/dev/null &&
		ok "static binary: no trace of its own; the exec record says preload true" ||
		fail "static binary: trace" "$(tq "$W/static-t" '[(r["t"], r.get("preload")) for r in R]')"
	if [ -x "$CLI" ]; then
		"$CLI" report --format json "$W/static-t" >"$W/static.json" 2>"$W/static.rerr" || true
		$PY -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if any(f["code"]=="UNTRACED_PROCESS" for f in r["findings"]) else 1)' "$W/static.json" &&
			ok "static binary: the report shows it untraced" || fail "static binary: report" "$(head -c 300 "$W/static.json")"
	else
		skip "static binary: report" "build/credtrace not built"
	fi
else
	skip "static binary" "cc -static failed: $(head -1 "$W/static.err")"
fi
if [ -n "${SANITIZE:-}" ]; then
	# ASan's own start calls getrlimit (prlimit64) and dies under this filter, bare or traced.
	skip "seccomp" "the sanitizer runtime itself needs prlimit64"
else
	same "seccomp: getrandom, kcmp, prlimit64 fail with EPERM" "$W/seccomp" "" "$HP" seccomp
	valid "seccomp" "$W/seccomp"
	tq "$W/seccomp" 'len({h["nonce"] for h in H})==len(H)>=3' >/dev/null && ok "seccomp: nonces still unique without getrandom" ||
		fail "seccomp: nonces" "$(tq "$W/seccomp" '[h["nonce"] for h in H]')"
fi
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$W/empty-root"
	same "chrooted child (empty root, no trace dir there)" "$W/chroot" "" "$HP" chroot "$W/empty-root"
	valid "chroot" "$W/chroot"
	expect_eq "chroot: nothing written inside the new root" "$(ls -A "$W/empty-root" | wc -l)" "0"
else
	skip "chrooted child" "needs root"
fi

# ---- exec loops, fork storms, raw clone and _Fork, signals --------------------------------------
same "re-exec itself 200 times" "$W/reexec" "" "$HP" reexec 200
expect_eq "re-exec: one exec'd image per exec" "$(tq "$W/reexec" 'len([h for h in H if h["origin"]=="exec"])')" "201"
same "2000 forks, children _exit" "$W/forks" "" "$HP" forks 2000
expect_eq "2000 forks: one fork record each in the parent" "$(tq "$W/forks" 'len(by("fork"))')" "2000"
same "raw clone without CLONE_VM" "$W/clone" "" "$HP" clone
tq "$W/clone" 'any(h["origin"]=="clone" for h in H)' >/dev/null && ok "raw clone: the child is traced, origin clone" ||
	fail "raw clone: origin" "$(tq "$W/clone" '[h["origin"] for h in H]')"
same "_Fork" "$W/_fork" "" "$HP" _Fork
tq "$W/_fork" 'any(h["origin"] in ("fork","clone") for h in H)' >/dev/null && ok "_Fork: the child is traced, origin $(tq "$W/_fork" '[h["origin"] for h in H if h["origin"]!="exec"]')" ||
	fail "_Fork: origin" "$(tq "$W/_fork" '[h["origin"] for h in H]')"
same "timer signals without SA_RESTART during traced calls" "$W/signals" "" "$HP" signals 3000
valid "signals" "$W/signals"
expect_eq "signals: one set record per setenv, none lost or torn" "$(tq "$W/signals" 'len([r for r in by("set") if r["fn"]=="setenv"])')" "3000"

# ---- the fingerprint key never leaves its file ---------------------------------------------------
$PY - "$W" <<'PY' >"$W/keyhits" 2>&1 || true
import os, sys
keys, traces = [], []
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        p = os.path.join(root, f)
        if f == ".credtrace.key" and os.path.isfile(p) and not os.path.islink(p):
            keys.append(open(p, "rb").read())
        elif f.endswith(".jsonl") or f.endswith(".bare") or f.endswith(".traced"):
            traces.append(p)
pieces = set()
for k in keys:
    for form in (k, k.hex().encode(), k.hex().upper().encode()):
        for i in range(0, len(form) - 7):
            pieces.add(form[i:i + 8])
print(f"{len(keys)} keys, {len(traces)} files")
for t in traces:
    data = open(t, "rb").read()
    if any(p in data for p in pieces):
        print(f"HIT {t}")
PY
if grep -q '^HIT' "$W/keyhits"; then fail "fingerprint key bytes (raw or hex) in no trace or output" "$(grep -m3 HIT "$W/keyhits")"
elif grep -q '^0 keys' "$W/keyhits"; then fail "fingerprint key search" "no key file found"
else ok "fingerprint key bytes (raw or hex) in no trace or output: $(head -1 "$W/keyhits")"; fi
# ... nor in the traced program's environment
d=$W/keyenv2
# (a scrubbed environment: /usr/bin/env prints all of it, and this script's own holds canaries)
env -i PATH=/usr/bin:/bin LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$d" /usr/bin/env >"$W/env.out" 2>&1 || true
if [ -f "$d/.credtrace.key" ] && ! grep -qiF "$(od -An -tx1 "$d/.credtrace.key" | tr -d ' \n' | head -c 16)" "$W/env.out"; then
	ok "the key is not in the traced program's environment"
else fail "key not in environment" "$(ls -A "$d")"; fi
