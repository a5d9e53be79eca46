#!/usr/bin/env bash
# The trace directory policy (shim/dirpolicy.c), the same for the default, an explicit CREDTRACE_DIR
# and `run -o`: no symlink someone could have planted, ours, not writable by others; the real
# reason under CREDTRACE_DEBUG=1 and from `run`; nothing written outside the intended directory.
. "$(dirname "$0")/../lib.sh"

key=$(canary)
dbg() { # DIR: the shim's debug line for a traced /bin/true writing to DIR
	env -i PATH=/usr/bin:/bin OPENAI_API_KEY="$key" CREDTRACE_DEBUG=1 LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$1" /bin/true 2>&1 | grep -a '^credtrace:' | head -1
}
snapshot() { ls -A "$1" | sort; }

# A symlink to /etc as the directory (as root: the write would succeed) and as a parent in /tmp.
etc_before=$(snapshot /etc)
lnk=$(mktemp -u /tmp/ct-el.XXXXXX)
ln -s /etc "$lnk"
m=$(dbg "$lnk")
case $m in *"$lnk is a symbolic link"*) ok "symlink as the directory: refused, says so" ;; *) fail "symlink as the directory" "[$m]" ;; esac
m=$(dbg "$lnk/sub")
case $m in *"is a symbolic link in a directory others can write to"*) ok "symlink parent in /tmp: refused, says so" ;; *) fail "symlink parent in /tmp" "[$m]" ;; esac
out=$("$CLI" run -o "$lnk" /bin/true 2>&1) && rc=0 || rc=$?
case "$rc $out" in "125 "*"is a symbolic link"*) ok "run -o symlink: refused with the real reason, status 125" ;; *) fail "run -o symlink" "$rc [$out]" ;; esac
rm -f "$lnk"
expect_eq "nothing written into /etc" "$(snapshot /etc)" "$etc_before"
# A shim with the old behaviour writes there: take back exactly what it added (key, traces, sub/).
for e in $(comm -13 <(printf '%s\n' "$etc_before") <(snapshot /etc)); do
	case $e in .credtrace.key | *.jsonl) rm -f "/etc/$e" ;; sub) rm -f /etc/sub/.credtrace.key /etc/sub/*.jsonl && rmdir /etc/sub ;; esac
done

# A symlink in a directory only root and we can write to is followed (/var/run -> /run style).
mkdir -p "$W/real" "$W/priv"
chmod 700 "$W/priv"
ln -s "$W/real" "$W/priv/link"
expect_eq "symlink in a private directory: followed" "$(dbg "$W/priv/link/t")" ""
[ -n "$(find "$W/real/t" -name '*.jsonl')" ] && ok "symlink in a private directory: traces written" || fail "private symlink" "no trace"

# A regular file, a directory owned by someone else, a group-writable one.
: >"$W/afile"
m=$(dbg "$W/afile")
case $m in *"$W/afile is not a directory"*) ok "regular file: says it is not a directory" ;; *) fail "regular file" "[$m]" ;; esac
mkdir -p "$W/nobodys"
chown 65534 "$W/nobodys" 2>/dev/null || true
if [ "$(stat -c %u "$W/nobodys")" = 65534 ]; then
	m=$(dbg "$W/nobodys")
	case $m in *"is not yours"*) ok "directory of another user: refused, says so" ;; *) fail "another user's directory" "[$m]" ;; esac
	expect_eq "directory of another user: nothing written" "$(ls -A "$W/nobodys" | wc -l)" 0
	out=$("$CLI" run -o "$W/nobodys" /bin/true 2>&1) && rc=0 || rc=$?
	case "$rc $out" in "125 "*"is not yours"*) ok "run -o another user's directory: refused" ;; *) fail "run -o not ours" "$rc [$out]" ;; esac
else
	skip "directory of another user" "needs root to chown"
fi
mkdir -p "$W/gw"
chmod 770 "$W/gw"
m=$(dbg "$W/gw")
case $m in *"is group or world writable"*) ok "group-writable directory: refused, says so" ;; *) fail "group-writable" "[$m]" ;; esac

# Too long: said by the shim under CREDTRACE_DEBUG and by run, which refuses before running.
long=$W/long
while [ ${#long} -lt 1100 ]; do long=$long/dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd; done
mkdir -p "$long"
m=$(dbg "$long")
case $m in *"longer than 1023"*) ok "path over 1023 bytes: says so" ;; *) fail "long path message" "[$m]" ;; esac
out=$("$CLI" run -o "$long" /bin/true 2>&1) && rc=0 || rc=$?
case "$rc $out" in "125 "*"at most 1023"*) ok "run -o path over 1023 bytes: refused, status 125" ;; *) fail "run -o long" "$rc [$out]" ;; esac

# Read-only directory, as an unprivileged user (root writes anywhere).
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$W"
	mkdir -p "$W/ro"
	chown 65534:65534 "$W/ro"
	chmod 500 "$W/ro"
	m=$(env -i PATH=/usr/bin:/bin CREDTRACE_DEBUG=1 setpriv --reuid=65534 --regid=65534 --clear-groups env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/ro" /bin/true 2>&1 | head -1)
	case $m in *"is not writable"*) ok "read-only directory: says so" ;; *) fail "read-only directory" "[$m]" ;; esac
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CLI" run -o "$W/ro" /bin/true 2>&1) && rc=0 || rc=$?
	case "$rc $out" in "125 "*"is not writable"*) ok "run -o read-only directory: refused with the reason" ;; *) fail "run -o read-only" "$rc [$out]" ;; esac
else
	skip "read-only directory" "needs root and setpriv to switch to an unprivileged user"
fi

# A relative CREDTRACE_DIR is resolved once, in the first process: a child that changes directory
# writes to the same directory and uses the same key.
mkdir -p "$W/cwd" "$W/other"
(cd "$W/cwd" && env OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR=rel \
	sh -c 'cd ../other && /bin/true && printf %s "$CREDTRACE_DIR"' >"$W/rel.out")
expect_eq "relative dir: passed on absolute" "$(cat "$W/rel.out")" "$W/cwd/rel"
expect_eq "relative dir: nothing in the child's directory" "$(ls -A "$W/other" | wc -l)" 0
n=$(find "$W/cwd/rel" -name '*.jsonl' | wc -l)
[ "$n" -ge 2 ] && ok "relative dir: parent and child trace into one directory ($n files)" || fail "relative dir" "$n files"
# The same for a relative CREDTRACE_KEY_FILE: the child that changed directory uses the same key.
mkdir -p "$W/kcwd/keys" "$W/kother"
(umask 077 && head -c 32 /dev/urandom >"$W/kcwd/keys/k")
(cd "$W/kcwd" && env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/kdir" CREDTRACE_KEY_FILE=keys/k \
	sh -c 'cd ../kother && /bin/true')
expect_eq "relative key file: every process fingerprints under the one key" \
	"$(tq "$W/kdir" 'sorted(set((h["fp"], h.get("kid") is not None) for h in H))')" "[('hmac-sha256/48', True)]"
