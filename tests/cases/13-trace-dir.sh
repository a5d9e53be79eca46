#!/usr/bin/env bash
# The host must not notice a missing, unwritable or refused trace directory, or a tiny RLIMIT_FSIZE.
. "$(dirname "$0")/../lib.sh"

key=$(canary)
run_cmp() { # name, env assignments..., then the program runs env_calls
	local name=$1
	shift
	env -i PATH=/usr/bin:/bin OPENAI_API_KEY="$key" "$PROGS/env_calls" >"$W/$name.bare" 2>&1 && b=0 || b=$?
	env -i PATH=/usr/bin:/bin OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" "$@" "$PROGS/env_calls" >"$W/$name.traced" 2>&1 && t=0 || t=$?
	if [ "$b" = "$t" ] && cmp -s "$W/$name.bare" "$W/$name.traced"; then ok "$name: same output and status"; else
		fail "$name" "status $b vs $t; $(diff "$W/$name.bare" "$W/$name.traced" | head -3)"; fi
}
run_cmp "missing parent directory" CREDTRACE_DIR="$W/no/such/dir"
[ ! -e "$W/no" ] && ok "missing parent: nothing created" || fail "missing parent" "created"
: >"$W/afile"
run_cmp "trace dir is a file" CREDTRACE_DIR="$W/afile"
expect_eq "the file is untouched" "$(stat -c %s "$W/afile")" "0"
mkdir -p "$W/ro"
chmod 500 "$W/ro"
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$W"
	mkdir -p "$W/ro-user"
	chmod 555 "$W/ro-user"
	b=$(env -i OPENAI_API_KEY="$key" setpriv --reuid=65534 --regid=65534 --clear-groups "$PROGS/env_calls" 2>&1; echo "rc=$?")
	t=$(env -i OPENAI_API_KEY="$key" setpriv --reuid=65534 --regid=65534 --clear-groups env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/ro-user" "$PROGS/env_calls" 2>&1; echo "rc=$?")
	expect_eq "unwritable directory (as an unprivileged user): same output and status" "$t" "$b"
	expect_eq "unwritable directory: nothing written" "$(ls -A "$W/ro-user" | wc -l)" "0"
else
	skip "unwritable directory" "needs root and setpriv to switch to an unprivileged user"
fi
# A default directory in /tmp planted by someone else, or group/world writable, is refused.
d=$(mktemp -d)
chmod 777 "$d"
run_cmp "world-writable trace dir" CREDTRACE_DIR="$d"
# (an explicit CREDTRACE_DIR is the user's choice; the default directory is the one checked)
if [ "$(id -u)" -eq 0 ]; then
	fake_home=$(mktemp -d)
	# Simulate the default for another uid: run as nobody with /tmp/credtrace-65534 owned by root.
	rm -rf /tmp/credtrace-65534
	mkdir -m 0700 /tmp/credtrace-65534
	t=$(env -i OPENAI_API_KEY="$key" setpriv --reuid=65534 --regid=65534 --clear-groups env LD_PRELOAD="$PRELOAD" "$PROGS/env_calls" 2>&1; echo "rc=$?")
	b=$(env -i OPENAI_API_KEY="$key" setpriv --reuid=65534 --regid=65534 --clear-groups "$PROGS/env_calls" 2>&1; echo "rc=$?")
	expect_eq "default dir owned by another user: host unchanged" "$t" "$b"
	expect_eq "default dir owned by another user: refused, nothing written" "$(ls -A /tmp/credtrace-65534 | wc -l)" "0"
	rm -rf /tmp/credtrace-65534 "$fake_home"
	ln -s "$W" /tmp/credtrace-65534
	env -i OPENAI_API_KEY="$key" setpriv --reuid=65534 --regid=65534 --clear-groups env LD_PRELOAD="$PRELOAD" "$PROGS/env_calls" >/dev/null 2>&1 || true
	[ -z "$(find "$W" -maxdepth 1 -name '*.jsonl')" ] && ok "default dir that is a symlink: refused" || fail "symlink default dir" "written"
	rm -f /tmp/credtrace-65534
else
	skip "default dir owned by another user" "needs root to create it"
fi
rmdir "$d" 2>/dev/null || true

# RLIMIT_FSIZE: the program writes 100 bytes itself; our records must never raise SIGXFSZ.
cat >"$W/fsize.sh" <<'SH'
ulimit -f 1 # 1 KiB: the header alone is bigger than what is left after the program's writes
exec "$@"
SH
b=$(env -i PATH=/usr/bin:/bin OPENAI_API_KEY="$key" bash "$W/fsize.sh" "$PROGS/env_calls" 2>&1; echo "rc=$?")
t=$(env -i PATH=/usr/bin:/bin OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/fs" bash "$W/fsize.sh" "$PROGS/env_calls" 2>&1; echo "rc=$?")
expect_eq "tiny RLIMIT_FSIZE: same output and status, no SIGXFSZ" "$t" "$b"
# CREDTRACE_MAX_BYTES caps the file.
env OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/cap" CREDTRACE_MAX_BYTES=4096 "$PROGS/proc_spawn_env" >/dev/null 2>&1 || true
big=$(find "$W/cap" -name '*.jsonl' -size +4k | wc -l)
expect_eq "CREDTRACE_MAX_BYTES bounds every file" "$big" "0"

# The container id: /proc/self/cgroup is read in a pod (KUBERNETES_SERVICE_HOST) or under a Docker-style
# host name, and not elsewhere (the read costs every process 10 us or more).
if ! command -v strace >/dev/null; then
	skip "container id only where likely" "strace not installed (scripts/install-deps installs it)"
else
	cg() { strace -qq -e trace=openat -o "$W/cg.st" env "$@" /bin/true && grep -c '/proc/self/cgroup' "$W/cg.st" || true; }
	host_hex=$(uname -n | grep -cE '^[0-9a-f]{12}$' || true)
	expect_eq "container id read in a pod" "$(cg -u KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_HOST=10.0.0.1 LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/cg")" 1
	expect_eq "container id read only under a docker-style host name elsewhere" \
		"$(cg -u KUBERNETES_SERVICE_HOST LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/cg")" "$host_hex"
fi

# A CREDTRACE_DIR longer than 1023 bytes turns tracing off; the program runs as bare.
long=$W/long
while [ ${#long} -lt 1100 ]; do long=$long/dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd; done
mkdir -p "$long"
out=$(LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$long" sh -c 'echo hi; exit 3'; echo "status $?")
expect_eq "dir over 1023 bytes: same output and status" "$out" "hi
status 3"
expect_eq "dir over 1023 bytes: nothing written" "$(find "$W/long" -type f | wc -l)" "0"
