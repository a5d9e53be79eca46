#!/usr/bin/env bash
# Every CREDTRACE_* setting goes through one parser (shim/config.c): a bad value keeps the default and
# is said in the trace header and, with CREDTRACE_DEBUG=1, on stderr; the value is never echoed.
. "$(dirname "$0")/../lib.sh"

hdr() { # VALUE of CREDTRACE_MAX_BYTES -> "cap|config messages" of the traced /bin/true
	local d=$W/m$1
	d=${d// /_}
	rm -rf "$d"
	LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$d CREDTRACE_MAX_BYTES="$1" /bin/true
	tq "$d" 'str(H[0]["cap"]) + "|" + ";".join(H[0].get("config", []))'
}
for v in abc -5 " 8k" 1e6; do
	got=$(hdr "$v")
	case $got in "16777216|CREDTRACE_MAX_BYTES: not a size"*"using 16M") ok "MAX_BYTES [$v]: default kept, said in the header" ;;
	*) fail "MAX_BYTES [$v]" "$got" ;; esac
done
got=$(hdr 99999999999999999999)
case $got in "16777216|CREDTRACE_MAX_BYTES: too large; using 16M") ok "MAX_BYTES overflow: refused, default kept" ;; *) fail "MAX_BYTES overflow" "$got" ;; esac
for v in 0 1; do
	got=$(hdr $v)
	case $got in "4096|CREDTRACE_MAX_BYTES: below the minimum"*) ok "MAX_BYTES [$v]: raised to 4096, said" ;; *) fail "MAX_BYTES [$v]" "$got" ;; esac
done
expect_eq "MAX_BYTES 2G: G suffix" "$(hdr 2G)" "2147483648|"
expect_eq "MAX_BYTES 64k: no message" "$(hdr 64k)" "65536|"

# Booleans: off/false/no turn a feature off as 0 does; a bad one keeps the default and says so.
d=$W/bool
LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$d CREDTRACE_FINGERPRINT=off CREDTRACE_BACKTRACE=false /bin/true
expect_eq "FINGERPRINT=off, BACKTRACE=false" "$(tq "$d" 'H[0]["fp"] + "|" + H[0]["bt"]')" "off: CREDTRACE_FINGERPRINT=0|off: CREDTRACE_BACKTRACE=0"
m=$(LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$W/bool2 CREDTRACE_DEBUG=1 CREDTRACE_FINGERPRINT=nope /bin/true 2>&1)
case $m in *"CREDTRACE_FINGERPRINT: not a boolean"*"using 1"*) ok "bad boolean: said on stderr under CREDTRACE_DEBUG" ;; *) fail "bad boolean message" "[$m]" ;; esac
case $m in *nope*) fail "the bad value is not echoed" "[$m]" ;; *) ok "the bad value is not echoed" ;; esac
expect_eq "bad boolean: default (fingerprints on)" "$(tq "$W/bool2" 'H[0]["fp"]')" "hmac-sha256/48"
m=$(LD_PRELOAD=$PRELOAD CREDTRACE_DIR=$W/bool3 CREDTRACE_FINGERPRINT=nope /bin/true 2>&1)
expect_eq "without CREDTRACE_DEBUG nothing on stderr" "$m" ""
