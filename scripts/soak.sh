#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# soak.sh [DURATION] [--out DIR] [--max-bytes N] [--rate R] [--fresh-every K] [--sequential]: gunicorn
# under load, traced vs bare.
#
# `make soak DURATION=secs` (default 60; FRESH_EVERY=K: a new upstream connection every K-th
# request, default 10, 1 for every request). Runs tests/soak/soak.py: the fake model API, two gunicorn
# servers of tests/soak/soak_app.py (--preload, 4 gthread workers, keep-alive; one bare, one under
# build/libcredtrace.so with CREDTRACE_MAX_BYTES, default 65536) side by side under the same steady
# load for DURATION seconds, then compares the workers' descriptors, RSS and errors, the trace
# directory's size against the cap, and checks that `credtrace report` still names the seeded finding
# (an import-time client whose connection the workers reuse after the fork). The API key is a canary
# value (tests/lib.sh); no output may contain it. Writes DIR (default build/soak): summary.txt,
# summary.json, checks, report.json, bare/ and traced/ (samples.csv, gunicorn.log, load.json, traces).
# Exits 0 when every check passed.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"

DURATION=60
OUT=$ROOT/build/soak
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift ;;
	--max-bytes | --rate | --fresh-every) args+=("$1" "$2"); shift ;;
	--sequential) args+=("$1") ;;
	-h | --help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	[0-9]*) DURATION=$1 ;;
	"") ;;
	*) echo "soak: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
for f in "${SHIM}" "$CLI" /usr/bin/gunicorn "$ROOT/tests/fake_api.py"; do
	[ -e "$f" ] || { echo "soak: $f is missing (make all; scripts/install-deps for gunicorn)" >&2; exit 2; }
done
if [ -n "${FRESH_EVERY:-}" ]; then args+=(--fresh-every "$FRESH_EVERY"); fi
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
case $OUT in "$ROOT/build/test-out/"*) ;; *) CANARIES=$OUT/canaries; : >"$CANARIES" ;; esac

# shellcheck disable=SC2119 # canary takes no argument here: the default OpenAI prefix
OPENAI_API_KEY=$(canary)
export OPENAI_API_KEY
rc=0
# The preload list as tests use it (a sanitizer runtime first when SANITIZE is set).
$PY "$ROOT/tests/soak/soak.py" --duration "$DURATION" --out "$OUT" --shim "$PRELOAD" --cli "$CLI" \
	${args[@]+"${args[@]}"} || rc=$?
unset OPENAI_API_KEY

# No output, trace or log of the soak may hold the key (the suite's last test checks this too).
if grep -rlF -f "$CANARIES" "$OUT" --exclude=canaries >"$OUT/leaks" 2>/dev/null; then
	echo "not ok - the key appears in: $(head -3 "$OUT/leaks" | tr '\n' ' ')" | tee -a "$OUT/checks"
	rc=1
else
	echo "ok - the key appears in no output of the soak" | tee -a "$OUT/checks"
fi
exit $rc
