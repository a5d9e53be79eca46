#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# report --format sarif: every golden case's report passes Microsoft's SARIF validator (its SARIF and
# GitHub rule sets); every result has a rule, a level and a location; fingerprints do not change
# between two runs of the same program (other pids, other times).
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }
MT=$ROOT/tests/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
export DOTNET_CLI_TELEMETRY_OPTOUT=1

mkdir -p "$W/golden"
n=0
for dir in tests/golden/*/; do
	c=$(basename "$dir")
	[ -d "$dir/trace" ] || continue
	inputs=("$dir/trace")
	if compgen -G "$dir/trace/*/" >/dev/null; then inputs=("$dir"/trace/*/); fi
	"$CLI" report --format sarif "${inputs[@]}" >"$W/golden/$c.sarif" 2>"$W/$c.err" ||
		fail "$c sarif" "exit status $? (stderr: $(head -c 300 "$W/$c.err"))"
	n=$((n + 1))
done
[ "$n" -gt 10 ] && ok "sarif written for $n golden cases" || fail "golden cases" "only $n"

# Structure, by our reading of SARIF 2.1.0 and of what GitHub code scanning needs.
if $PY - "$W/golden" >"$W/shape.out" 2>&1 <<'PY'
import glob, json, sys
codes = None
for p in sorted(glob.glob(sys.argv[1] + "/*.sarif")):
    d = json.load(open(p))
    assert d["version"] == "2.1.0" and d["$schema"].endswith("sarif-2.1.0.json"), p
    run, = d["runs"]
    drv = run["tool"]["driver"]
    assert drv["name"] == "credtrace" and drv["version"], p
    ids = [r["id"] for r in drv["rules"]]
    assert len(set(ids)) == len(ids) and all(r["help"]["text"] for r in drv["rules"]), p
    codes = codes or ids
    assert ids == codes, "rules differ between reports: " + p
    for r in run["results"]:
        assert r["ruleId"] == ids[r["ruleIndex"]], p
        assert r["level"] in ("error", "warning", "note"), p
        assert r["message"]["text"].endswith("."), p
        loc, = r["locations"]
        pl = loc["physicalLocation"]
        assert pl["artifactLocation"]["uri"] and pl["region"]["startLine"] >= 1, p
        assert r["partialFingerprints"]["credtraceFinding/v1"], p
print("ok", len(codes), "rules")
PY
then ok "sarif structure (rules, results, locations)"; else fail "sarif structure" "$(tail -3 "$W/shape.out")"; fi
# A Python site gives file and line: the goldens' /srv/app/app.py reads.
line=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]; print(r["artifactLocation"]["uri"], r["region"]["startLine"])' "$W/golden/read-before-fork.sarif")
expect_eq "python read site as the location" "$line" "file:///srv/app/app.py 5"

# validate FILE-OR-DIR OUT: Microsoft's validator under both rule sets. It exits 0 even when it finds
# errors, so its own SARIF output is read: prints "RULE LEVEL file" per problem.
validate() {
	rm -f "$2"
	"$MT" validate "$1" --rule-kind "Sarif;Gh" --output "$2" --log ForceOverwrite \
		>"$2.stdout" 2>&1 || true
	[ -s "$2" ] || { echo "VALIDATOR-DID-NOT-RUN error $(tail -3 "$2.stdout")"; return; }
	$PY - "$2" <<'PY'
import json, sys
for run in json.load(open(sys.argv[1]))["runs"]:
    for r in run.get("results", []):
        lvl = r.get("level", "warning")
        where = r.get("locations", [{}])[0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "?")
        print(r["ruleId"], lvl, where)
PY
}
if [ ! -x "$MT" ]; then
	skip "sarif validator" "tests/sarif has no multitool: run scripts/install-sarif-multitool (CI does)"
else
	validate "$W/golden/*.sarif" "$W/validation.sarif" >"$W/problems"
	# SARIF2005 asks for tool.driver.informationUri, a web page about the tool: the project has none
	# to name yet. It is a warning; everything else is counted.
	grep -v '^SARIF2005 warning ' "$W/problems" >"$W/problems.counted" || true
	expect_eq "validator read every report (one SARIF2005 each)" "$(grep -c '^SARIF2005 ' "$W/problems" || true)" "$n"
	if [ -s "$W/problems.counted" ]; then
		fail "sarif validator: no error or warning" "$(head -5 "$W/problems.counted")"
	else
		ok "sarif validator (Sarif;Gh rules): $n reports, no error or warning"
	fi
	# The negative twin: a result without locations and one without text must be caught, which shows
	# that the validator ran with GitHub's rules and that its output is read.
	$PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
rs = d["runs"][0]["results"]
del rs[0]["locations"]
rs[-1]["message"] = {}
json.dump(d, open(sys.argv[2], "w"))' "$W/golden/read-before-fork.sarif" "$W/broken.sarif"
	validate "$W/broken.sarif" "$W/broken-validation.sarif" >"$W/broken.problems"
	if grep -q '^GH[0-9]* error' "$W/broken.problems"; then
		ok "validator catches a result without locations"
	else
		fail "validator negative twin" "no GH error for a broken file: $(head -3 "$W/broken.problems")"
	fi
fi

# Stable fingerprints: the same program run twice (new pids, times and trace files) gives the same
# set; a different variable gives a different one.
cat >"$W/app.py" <<'PY'
import os, sys
key = os.environ.get(sys.argv[1])
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
PY
for i in 1 2; do
	env -i PATH=/usr/bin:/bin "LD_PRELOAD=$PRELOAD" "CREDTRACE_DIR=$W/run$i" "$PY" "$W/app.py" OPENAI_API_KEY
	"$CLI" report --format sarif "$W/run$i" >"$W/run$i.sarif"
done
env -i PATH=/usr/bin:/bin "LD_PRELOAD=$PRELOAD" "CREDTRACE_DIR=$W/run3" "$PY" "$W/app.py" GROQ_API_KEY
"$CLI" report --format sarif "$W/run3" >"$W/run3.sarif"
fps() { $PY -c 'import json,sys; print(" ".join(sorted(r["ruleId"]+"="+r["partialFingerprints"]["credtraceFinding/v1"] for r in json.load(open(sys.argv[1]))["runs"][0]["results"])))' "$1"; }
a=$(fps "$W/run1.sarif") b=$(fps "$W/run2.sarif") c=$(fps "$W/run3.sarif")
[ -n "$a" ] && ok "a real run has results ($a)" || fail "real run" "no result"
expect_eq "fingerprints stable across runs" "$b" "$a"
[ "$a" != "$c" ] && ok "another variable, other fingerprints" || fail "fingerprints" "same for another variable: $c"
loc=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]; print(r["artifactLocation"]["uri"].rsplit("/",1)[-1], r["region"]["startLine"])' "$W/run1.sarif")
expect_eq "real run located at app.py line 2" "$loc" "app.py 2"
