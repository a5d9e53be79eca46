#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# report --format junit: read back by a real JUnit parser (junitparser, Debian's python3-junitparser)
# and by xml.etree: one testsuite per PATH, one testcase per finding, failures exactly at or above
# --fail-on, names and counts that agree with the JSON report; hostile trace strings stay well-formed.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }
G=tests/golden

# check_junit NAME FAIL-ON PATH...: the JUnit report against the JSON report of the same PATHs.
check_junit() {
	local name=$1 lvl=$2
	shift 2
	"$CLI" report --format junit --fail-on "$lvl" "$@" >"$W/$name.xml" 2>"$W/$name.err" || true
	"$CLI" report --format json "$@" >"$W/$name.json" 2>/dev/null || true
	if $PY - "$W/$name.xml" "$W/$name.json" "$lvl" "$#" >"$W/$name.out" 2>&1 <<'PY'
import json, sys
import xml.etree.ElementTree as ET
from junitparser import JUnitXml, Failure
xml_path, json_path, lvl, npaths = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rank = {"info": 1, "warning": 2, "error": 3, "never": 4}
report = json.load(open(json_path))
want_failed = sorted((f["code"], f["severity"]) for f in report["findings"] if rank[f["severity"]] >= rank[lvl])
suites = list(JUnitXml.fromfile(xml_path))
assert len(suites) == npaths, ("suites", len(suites), npaths)
cases, failed = [], []
for s in suites:
    got = list(s)
    assert s.tests == len(got), ("tests attribute", s.tests, len(got))
    assert got[0].classname == "credtrace" and got[0].is_passed, "first case says the trace was read"
    for c in got[1:]:
        cases.append(c.classname)
        if not c.is_passed:
            r, = c.result
            assert isinstance(r, Failure), r
            failed.append((c.classname, r.type))
    assert s.failures == sum(1 for c in got if not c.is_passed), "failures attribute"
assert sorted(cases) == sorted(f["code"] for f in report["findings"]), (cases, report["findings"])
assert sorted(failed) == want_failed, (failed, want_failed)
# The same file through the standard library's parser: GitLab's element and attribute names.
root = ET.parse(xml_path).getroot()
assert root.tag == "testsuites" and int(root.get("tests")) == len(cases) + npaths
for tc in root.iter("testcase"):
    assert tc.get("classname") and tc.get("name") and tc.get("time") is not None
print("ok", len(cases), "cases", len(failed), "failed")
PY
	then ok "$name: $(cat "$W/$name.out")"; else fail "$name" "$(tail -3 "$W/$name.out")"; fi
}

check_junit missing-error-level error "$G/missing-primary/trace"
check_junit missing-never never "$G/missing-primary/trace"
check_junit warning-at-info info "$G/malformed-newline/trace"
check_junit warning-at-error error "$G/malformed-newline/trace"
check_junit clean warning "$G/clean/trace"
check_junit two-paths warning "$G/clean/trace" "$G/divergent/trace"
check_junit hostile-strings info "$G/text-escape/trace"
check_junit socket-shared info "$G/socket-shared/trace"
# A failure names the variable and the pids, and the file:line of the read where one is known.
name=$($PY -c 'import xml.etree.ElementTree as E,sys; t=[c for c in E.parse(sys.argv[1]).getroot().iter("testcase")][1]; print(t.get("classname"), t.get("name"), t.get("file"), t.get("line"))' "$W/missing-error-level.xml")
case $name in "CRED_MISSING OPENAI_API_KEY pids "*) ok "testcase named by code, variable, pids ($name)" ;;
*) fail "testcase name" "$name" ;; esac
rc=0
"$CLI" report --format junit --fail-on error "$G/missing-primary/trace" >/dev/null || rc=$?
expect_eq "junit keeps the exit status of --fail-on" "$rc" 1
