#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Golden tests: tests/golden/<case>/trace/*.jsonl in (trace/*/ when the case merges several PATHs),
# expected.json (and expected.txt for some) out.
# UPDATE_GOLDEN=1 rewrites the expected files from the current output: review every diff by eye.
# Paths are given relative to the repo so the output does not depend on where it is checked out.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }

for dir in tests/golden/*/; do
	c=$(basename "$dir")
	[ -d "$dir/trace" ] || continue
	mkdir -p "$W" # tests/run.sh elsewhere may remove build/test-out while this runs
	got=$W/$c.json
	# A trace dir with subdirectories stands for several PATH arguments (hosts collected apart).
	inputs=("$dir/trace")
	if compgen -G "$dir/trace/*/" >/dev/null; then inputs=("$dir"/trace/*/); fi
	"$CLI" report --format json "${inputs[@]}" >"$got" 2>"$W/$c.err" || {
		fail "$c" "exit status $? (stderr: $(head -c 300 "$W/$c.err"))"
		continue
	}
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$got" "$dir/expected.json"
	fi
	if [ ! -f "$dir/expected.json" ]; then
		fail "$c" "no expected.json (UPDATE_GOLDEN=1 creates it)"
	elif diff -u "$dir/expected.json" "$got" >"$W/$c.diff"; then
		ok "$c json"
	else
		fail "$c json" "differs from expected.json: $(head -c 600 "$W/$c.diff")"
	fi
	# Negative twins (name ends in -neg, and clean) must raise nothing at all.
	case $c in *-neg | clean)
		n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$got")
		expect_eq "$c raises nothing" "$n" 0 ;;
	esac
	# Every finding has the contract's keys; no value can be in a trace made of facts, but check the
	# goldens do not carry anything that looks like a key.
	if $PY - "$got" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert list(r) == ["schema", "processes", "findings", "input"], list(r)
assert r["schema"] == "credtrace.report/1"
for f in r["findings"]:
    for k in ("code", "severity", "variable", "pids", "message", "hint"):
        assert k in f, k
    assert f["severity"] in ("error", "warning", "info")
for p in r["processes"]:
    for k in ("pid", "ppid", "host", "exe", "argv", "credentials"):
        assert k in p, k
    for c in p["credentials"]:
        assert c["state"] in ("present", "empty", "absent") and "reads" in c and "name" in c
PY
	then ok "$c shape"; else fail "$c shape" "report does not have the contract's keys"; fi
	# Text goldens exist for a few cases; to add one, create an empty expected.txt and regenerate.
	if [ -f "$dir/expected.txt" ]; then
		NO_COLOR=1 "$CLI" report --format text "${inputs[@]}" >"$W/$c.txt" 2>/dev/null || true
		[ -z "${UPDATE_GOLDEN:-}" ] || cp "$W/$c.txt" "$dir/expected.txt"
		if diff -u "$dir/expected.txt" "$W/$c.txt" >"$W/$c.txt.diff"; then ok "$c text"; else
			fail "$c text" "differs from expected.txt: $(head -c 600 "$W/$c.txt.diff")"
		fi
	fi
	if [ -n "${CT_VALGRIND:-}" ] || [ -n "${GOLDEN_VALGRIND:-}" ]; then
		for fmt in json text; do # text: the escaped copies of trace strings are freed too
			if valgrind -q --leak-check=full --error-exitcode=9 "$CLI" report --format $fmt "${inputs[@]}" \
				>/dev/null 2>"$W/$c.vg"; then ok "$c valgrind $fmt"; else fail "$c valgrind $fmt" "$(head -c 400 "$W/$c.vg")"; fi
		done
	fi
done
# No trace in the golden set may contain something shaped like a key (values are never recorded).
if grep -rEl 'sk-(proj|ant|svcacct|admin)-|T3BlbkFJ|AKIA[0-9A-Z]{16}' tests/golden >/dev/null; then
	fail "golden traces hold no secret" "a key-shaped string is in tests/golden"
else
	ok "golden traces hold no secret"
fi
