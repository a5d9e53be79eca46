#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# transparency.sh: CPython's own regression tests, bare and under the shim, must end the same per case.
#
#   scripts/transparency.sh [--quick] [--out DIR] [--shim PATH] [--timeout SECS] [MODULE...]
#
# Runs each regrtest MODULE (Debian's libpython3.11-testsuite, /usr/bin/python3 -m test) twice, bare
# and with LD_PRELOAD=shim and CREDTRACE_DIR=DIR/traces/MODULE, one after the other so both see the
# same machine load; -j1 (each module in a worker process, so a hang is bounded by --timeout and
# killed), -u none (no resource-gated test: nothing leaves loopback). Both runs get the same
# environment, with credential variables set to canary values, so the shim has something to trace.
# Then scripts/transparency_compare.py compares the per-case outcomes of the junit files. Every case
# whose outcome differs is run 3 more times bare and 3 times traced:
#   - bare reruns disagree with each other or with the first bare run: flaky bare (not counted);
#   - a traced rerun differs from the stable bare outcome: a real difference (fails);
#   - all reruns agree with the bare outcome: a one-off (reported, not counted);
#   - the case is in KNOWN below (a documented, understood difference): reported, not rerun or counted.
# Also checks that every traced module left parseable traces, that the trace directories hold nothing
# but traces and the key, and that no trace of these runs landed anywhere else (the default
# /tmp/credtrace-UID, TMPDIR, the run directory, the repo): every run carries a credential variable
# with a per-run name, CT_TR_<run id>_TOKEN, which the shim records in the `env` record of each
# process that still has it, so a stray file is recognised by that name.
# --quick: test_os test_posix test_fork1 test_signal test_subprocess (CI). Default: the full set below.
# Writes DIR (default build/transparency): bare/ and traced/ (MODULE.xml, .log, .rc, .secs),
# traces/, compare.txt, reruns.txt, verdict (ok / not ok lines). Exits 0 when every check passed.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"

QUICK_SET="test_os test_posix test_fork1 test_signal test_subprocess"
# test_asyncio: the modules that fork, exec, use sockets and signals (the rest is pure event-loop
# logic the shim cannot touch).
FULL_SET="test_os test_posix test_subprocess test_socket test_fork1 test_threading test_signal
test_selectors test_multiprocessing_fork test_asyncio.test_events test_asyncio.test_subprocess
test_asyncio.test_unix_events test_asyncio.test_sock_lowlevel test_asyncio.test_streams
test_asyncio.test_server test_asyncio.test_sendfile test_ssl"

OUT=$ROOT/build/transparency
SHIM_PATH=
TIMEOUT=900
MAX_RERUN=${CT_TR_MAX_RERUN:-20} # more differing cases than this is no flake: they are not rerun
mods=()
quick=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--out) OUT=$2; shift ;;
	--shim) SHIM_PATH=$2; shift ;;
	--timeout) TIMEOUT=$2; shift ;;
	-h | --help) sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "transparency: unknown option $1" >&2; exit 2 ;;
	*) mods+=("$1") ;;
	esac
	shift
done
if [ ${#mods[@]} -eq 0 ]; then
	if [ $quick = 1 ]; then set_ref=$QUICK_SET; else set_ref=$FULL_SET; fi
	read -r -d '' -a mods <<<"$set_ref" || true
fi
if [ -n "$SHIM_PATH" ]; then PRELOAD=$(cd "$(dirname "$SHIM_PATH")" && pwd)/$(basename "$SHIM_PATH"); fi
[ -e "${PRELOAD##* }" ] || { echo "transparency: ${PRELOAD##* } is missing; make build/libcredtrace.so" >&2; exit 2; }
$PY -c 'import test.libregrtest' 2>/dev/null || {
	echo "transparency: CPython's test suite is missing (apt-get install libpython3.11-testsuite)" >&2
	exit 2
}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/bare" "$OUT/traced" "$OUT/traces" "$OUT/reruns"
mkdir -p "$OUT/bare" "$OUT/traced" "$OUT/traces" "$OUT/reruns"
: >"$OUT/verdict"
# Outside the suite (make transparency), keep our own canary list: tests/run.sh may wipe its own.
case $OUT in "$ROOT/build/test-out/"*) ;; *) CANARIES=$OUT/canaries; : >"$CANARIES" ;; esac

# Short private TMPDIR: regrtest puts its work directory there and test_socket binds AF_UNIX paths
# in it (108-byte limit).
TMP=$(mktemp -d /tmp/ct-tr.XXXXXX)
RUNID=$(basename "$TMP" | tr -dc 'A-Za-z0-9')
MARK=CT_TR_${RUNID}_TOKEN
# reap: kills what is left of this run's processes (they carry $MARK in their environment) once
# regrtest has returned. A module that hangs under the shim leaves spinning orphans behind: regrtest
# runs its worker in a session of its own and the hung grandchild outlives it.
reap() {
	local e p
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}
		p=${p%/environ}
		[ "$p" != $$ ] || continue
		if tr '\0' '\n' 2>/dev/null <"$e" | grep -q "^$MARK="; then kill -9 "$p" 2>/dev/null || true; fi
	done
}
cleanup() {
	reap
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
STAMP=$TMP/stamp
touch "$STAMP"
export OPENAI_API_KEY ANTHROPIC_API_KEY
OPENAI_API_KEY=$(canary)
ANTHROPIC_API_KEY=$(canary sk-ant-api03-)
export "$MARK=$(canary)"

verdict() { echo "$1" | tee -a "$OUT/verdict"; }

# Known differences: a documented, understood difference is listed here (case id, then why, one per
# line), reported on every run and not counted. None today: the two test_subprocess cases that listed
# the shim's trace descriptor pass since the shim holds no descriptor between records.
KNOWN=""
known_why() { echo "$KNOWN" | awk -v id="$1" '$1 == id { $1 = ""; sub(/^ /, ""); print; exit }'; }

# Extra regrtest arguments per module. test_multiprocessing_fork runs whole (about 75 s bare).
mod_args() {
	case $1 in
	# AF_VSOCK tests hang in accept() inside a VM whose host end refuses guest-local connections
	# (seen bare in a Firecracker VM); the shim does not hook vsock beyond connect bookkeeping.
	test_socket) echo "-i *VSOCK*" ;;
	esac
}

# run MODE MODULE [regrtest args]: one regrtest run; writes MODE/MODULE.{xml,log,rc,secs}. Without
# args, the module's mod_args (read into an array: no glob expansion of the patterns).
run() {
	local mode=$1 m=$2 d=$OUT/$1 rc=0 t0 t1
	shift 2
	local -a pre=() extra=("$@")
	[ $# -gt 0 ] || read -r -a extra <<<"$(mod_args "$m")"
	if [ "$mode" = traced ]; then
		mkdir -p "$OUT/traces/$m"
		pre=(env "LD_PRELOAD=$PRELOAD" "CREDTRACE_DIR=$OUT/traces/$m")
	fi
	mkdir -p "$TMP/run"
	t0=$(date +%s.%N)
	(cd "$TMP/run" && TMPDIR=$TMP "${pre[@]}" "$PY" -m test -j1 --timeout "$TIMEOUT" -u none \
		--junit-xml "$d/$m.xml" "${extra[@]}" "$m") >"$d/$m.log" 2>&1 </dev/null || rc=$?
	t1=$(date +%s.%N)
	reap
	echo "$rc" >"$d/$m.rc"
	echo "$t0 $t1" | awk '{printf "%.1f\n", $2 - $1}' >"$d/$m.secs"
}

start=$(date +%s)
for m in "${mods[@]}"; do
	run bare "$m"
	run traced "$m"
	printf '%-34s bare rc %s %6ss   traced rc %s %6ss\n' "$m" "$(cat "$OUT/bare/$m.rc")" \
		"$(cat "$OUT/bare/$m.secs")" "$(cat "$OUT/traced/$m.rc")" "$(cat "$OUT/traced/$m.secs")"
done

echo
crc=0
$PY "$ROOT/scripts/transparency_compare.py" "$OUT/bare" "$OUT/traced" --diff-out "$OUT/diffs.tsv" \
	>"$OUT/compare.txt" 2>&1 || crc=$?
cat "$OUT/compare.txt"

# Reruns of each differing case, 3 times each way.
: >"$OUT/reruns.txt"
real=0
if [ -s "$OUT/diffs.tsv" ]; then
	echo
	echo "reruns (3 bare, 3 traced) of each differing case:"
	k=0
	while IFS=$'\t' read -r m case ob ot; do
		why=$(known_why "$case")
		if [ -n "$why" ]; then
			echo "  $m $case: $ob -> $ot: known difference ($why)" | tee -a "$OUT/reruns.txt"
			continue
		fi
		k=$((k + 1))
		if [ $k -gt "$MAX_RERUN" ]; then
			echo "  $m $case: $ob -> $ot: not rerun (more than $MAX_RERUN differences: systematic)" |
				tee -a "$OUT/reruns.txt"
			real=$((real + 1))
			continue
		fi
		case $case in "<unnamed"*)
			echo "  $m $case: $ob -> $ot: cannot be rerun by name; counted as a difference" |
				tee -a "$OUT/reruns.txt"
			real=$((real + 1))
			continue
			;;
		esac
		id=${case% #*}
		bo="" to=""
		for i in 1 2 3; do
			for mode in bare traced; do
				rm="rerun$k.$i"
				mkdir -p "$OUT/reruns/$mode"
				OUT=$OUT/reruns run "$mode" "$m" -m "$id" # bash: OUT is only changed for the call
				mv "$OUT/reruns/$mode/$m.xml" "$OUT/reruns/$mode/$rm.xml" 2>/dev/null || true
				mv "$OUT/reruns/$mode/$m.log" "$OUT/reruns/$mode/$rm.log" 2>/dev/null || true
				o=$($PY - "$OUT/reruns/$mode/$rm.xml" "$case" <<'EOF'
import sys
sys.path.insert(0, __import__("os").environ["ROOT"] + "/scripts")
from transparency_compare import load
c = load(sys.argv[1])
print("none" if c is None else c.get(sys.argv[2], "absent"))
EOF
				)
				if [ "$mode" = bare ]; then bo="$bo $o"; else to="$to $o"; fi
			done
		done
		# shellcheck disable=SC2086
		set -- $bo
		stable=1
		for o in "$@"; do [ "$o" = "$ob" ] || stable=0; done
		why=""
		if [ $stable = 0 ]; then
			why="flaky bare"
		else
			why="one-off (all reruns as bare)"
			# shellcheck disable=SC2086
			for o in $to; do [ "$o" = "$ob" ] || why="REAL: traced differs from a stable bare outcome"; done
		fi
		case $why in REAL*) real=$((real + 1)) ;; esac
		printf '  %s %s: first %s -> %s; bare reruns:%s; traced reruns:%s; %s\n' "$m" "$case" "$ob" "$ot" \
			"$bo" "$to" "$why" | tee -a "$OUT/reruns.txt"
	done <"$OUT/diffs.tsv"
fi
rm -rf "$OUT/reruns/traces"

echo
n_diff=$(grep -c . "$OUT/diffs.tsv" || true)
if [ "$crc" = 2 ]; then
	verdict "not ok - transparency: a module did not finish on one side: $(sed -n '/^modules that did not finish/,/^$/p' "$OUT/compare.txt" | sed 1d | head -3 | tr -s ' \n' ' ')"
fi
if [ "$real" -gt 0 ]; then
	verdict "not ok - transparency: $real case(s) end differently under the shim: see $OUT/reruns.txt"
else
	verdict "ok - transparency: same outcome bare and traced for every case compared ($n_diff first-run difference(s), none reproduced)"
fi

# Traces: present and parseable in every traced module, nothing else in the directories.
tstat=$($PY - "$OUT/traces" "$MARK" <<'EOF'
import glob, json, os, sys
top, mark = sys.argv[1], sys.argv[2]
bad, empty, files, size, hdrs, marked = [], [], 0, 0, 0, 0
for m in sorted(os.listdir(top)):
    d = os.path.join(top, m)
    js = glob.glob(os.path.join(d, "*.jsonl"))
    if not js:
        empty.append(m)
    for f in os.listdir(d):
        if not (f.endswith(".jsonl") or f == ".credtrace.key"):
            bad.append("%s/%s: not a trace" % (m, f))
    for f in js:
        files += 1
        size += os.path.getsize(f)
        with open(f, "rb") as fh:
            data = fh.read()
        # A fork region (docs/trace-format.md#fork-region): a "region" line, then the lines of the
        # fork children, each tagged {"of":"<pid>.<nonce>", whose first is that child's hdr; the
        # unused zero tail and a last line torn by a kill are not records.
        region = f.endswith(".fork.jsonl")
        lines = data.rstrip(b"\0").split(b"\n") if region else data.split(b"\n")
        if region and lines and lines[-1]:
            lines.pop()  # torn last line
        seen = set()
        for i, line in enumerate(lines, 1):
            if not line:
                continue
            try:
                r = json.loads(line)
            except ValueError:
                bad.append("%s:%d: malformed line" % (f, i))
                break
            if region and i == 1:
                if r.get("t") != "region":
                    bad.append("%s: first record is not region" % f)
                continue
            who = r.get("of") if region else f
            if who not in seen and r.get("t") != "hdr":
                bad.append("%s:%d: first record of %s is not hdr" % (f, i, who))
            seen.add(who)
            hdrs += r.get("t") == "hdr"
            marked += r.get("t") == "env" and r.get("name") == mark
print("%d %d %d %d" % (files, size, hdrs, marked))
for b in bad[:5]:
    print("BAD " + b)
for e in empty:
    print("EMPTY " + e)
EOF
)
read -r tfiles tsize thdrs tmarked <<<"$(echo "$tstat" | head -1)"
echo "traces: $tfiles files, $tsize bytes, $thdrs headers, $tmarked processes with the run's marker variable"
if echo "$tstat" | grep -q '^\(BAD\|EMPTY\)'; then
	verdict "not ok - traces: $(echo "$tstat" | grep '^\(BAD\|EMPTY\)' | head -3 | tr '\n' ' ')"
elif [ "${tfiles:-0}" -gt 0 ] && [ "${tmarked:-0}" -gt 0 ]; then
	verdict "ok - traces: every traced module left parseable traces ($tfiles files, $tsize bytes)"
else
	verdict "not ok - traces: no trace written"
fi

# Strays: a trace of ours (it names the marker variable) outside OUT/traces.
strays=$(find "${TMPDIR:-/tmp}" /tmp "$ROOT" -xdev -name '*.jsonl' -newer "$STAMP" -type f \
	-not -path "$OUT/traces/*" -not -path "$OUT/reruns/*" -exec grep -l -F "\"$MARK\"" {} + \
	2>/dev/null | sort -u || true)
if [ -n "$strays" ]; then
	verdict "not ok - no trace file outside the trace directory: $(echo "$strays" | head -3 | tr '\n' ' ')"
else
	verdict "ok - no trace file outside the trace directory (default dir, TMPDIR, run dir, repo)"
fi

# The shim writes no value; the tests' own output could (a failing env test prints its environment).
if grep -rqF -f "$CANARIES" "$OUT/traces" 2>/dev/null; then
	verdict "not ok - no credential value in the traces"
else
	verdict "ok - no credential value in the traces"
fi
echo "run time: $(($(date +%s) - start)) s for ${#mods[@]} module(s), bare + traced + reruns"
! grep -q '^not ok' "$OUT/verdict"
