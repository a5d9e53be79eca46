#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# transparency_compare.py: per-case comparison of CPython regrtest junit files, bare vs traced.
"""transparency_compare.py BARE_DIR TRACED_DIR [--diff-out FILE]

Each directory holds one MODULE.xml per regrtest run (`python3 -m test --junit-xml`), written by
scripts/transparency.sh, and optionally MODULE.rc (regrtest's exit status). A case's outcome is
passed, failed, error, skipped, xfail (expected failure) or xpass (unexpected success). A case whose
subtests failed has no name in regrtest's XML (its result hook never runs); it is keyed by its
position as `<unnamed after PREVIOUS>` so that bare and traced still line up.

Prints one row per module: cases and passed/failed(+error)/skipped bare vs traced, and the number of
cases whose outcome differs (including cases present in only one run), then a total row and the
differing cases. --diff-out writes the differing cases as `MODULE<TAB>CASE<TAB>BARE<TAB>TRACED`.
A module that regrtest could not finish (its log says crashed or timed out, or no junit file) is
listed apart and not compared case by case.
Exits 0 when no case differs, 1 when one does, 2 when a module did not finish on one side."""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET


def outcome(tc):
    tags = {c.tag for c in tc}
    if "error" in tags:
        return "error"
    if "failure" in tags:
        return "failed"
    if "skipped" in tags:
        return "skipped"
    if "output" in tags:
        return "xfail"
    if "outcome" in tags:
        return "xpass"
    if tc.get("name") is None:
        return "failed"  # subtest failures: regrtest never filled the element in
    return "passed"


def load(path):
    """Returns {case: outcome} for one junit file, or None when it is missing or unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    cases, prev = {}, "<start>"
    for tc in root.iter("testcase"):
        name = tc.get("name")
        key = name if name is not None else "<unnamed after %s>" % prev
        n = 2
        while key in cases:  # the same id twice (a test run by two suites): keep both
            key = "%s #%d" % (name or key, n)
            n += 1
        cases[key] = outcome(tc)
        prev = key
    return cases


def counts(cases):
    c = {"passed": 0, "failed": 0, "skipped": 0}
    for o in cases.values():
        if o in ("failed", "error", "xpass"):
            c["failed"] += 1
        elif o in ("skipped", "xfail"):
            c["skipped"] += 1
        else:
            c["passed"] += 1
    return c


def rc_of(d, mod):
    try:
        with open(os.path.join(d, mod + ".rc")) as f:
            return f.read().strip()
    except OSError:
        return "?"


def broken(d, mod):
    """Why regrtest could not finish the module (timeout, crash), from its log, with the innermost
    Python frame of the dump when there is one; None when it finished."""
    try:
        with open(os.path.join(d, mod + ".log"), errors="replace") as f:
            log = f.read()
    except OSError:
        return None
    why = None
    if re.search(r"^Timeout \(", log, re.M):
        why = "timed out"
    else:
        m = re.search(r"\] (\S+) (crashed[^\n]*|timed out[^\n]*)", log)
        why = m and m.group(2).strip()
    if why:
        m = re.search(r"most recent call first\):\n\s*File \"([^\"]+)\", line (\d+) in (\S+)", log)
        if m:
            why += " in %s (%s:%s)" % (m.group(3), os.path.basename(m.group(1)), m.group(2))
    return why


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bare")
    ap.add_argument("traced")
    ap.add_argument("--diff-out")
    a = ap.parse_args()
    mods = sorted({f[:-4] for d in (a.bare, a.traced) if os.path.isdir(d)
                   for f in os.listdir(d) if f.endswith(".xml")})
    if not mods:
        print("transparency_compare: no junit files in %s or %s" % (a.bare, a.traced), file=sys.stderr)
        return 2
    head = "%-36s %6s | %-17s | %-17s | %4s" % ("module", "cases", "bare p/f/s", "traced p/f/s", "diff")
    print(head)
    print("-" * len(head))
    diffs, tot, missing, problems = [], {"cases": 0, "b": [0, 0, 0], "t": [0, 0, 0]}, False, []
    for m in mods:
        b = load(os.path.join(a.bare, m + ".xml"))
        t = load(os.path.join(a.traced, m + ".xml"))
        wb, wt = broken(a.bare, m), broken(a.traced, m)
        if b is None or t is None or wb or wt:
            # The module did not finish on one side: its cases are not comparable one by one.
            missing = True
            print("%-36s %6s | %-17s | %-17s | module" % (
                m, len(b) if b else "-", "did not finish" if (wb or b is None) else "finished",
                "did not finish" if (wt or t is None) else "finished"))
            problems.append("%s: bare %s, traced %s (regrtest status %s / %s)" % (
                m, wb or "finished", wt or "finished", rc_of(a.bare, m), rc_of(a.traced, m)))
            continue
        nd = 0
        for k in sorted(set(b) | set(t)):
            if b.get(k) != t.get(k):
                nd += 1
                diffs.append((m, k, b.get(k, "absent"), t.get(k, "absent")))
        cb, ct = counts(b), counts(t)
        row = [cb[x] for x in ("passed", "failed", "skipped")], [ct[x] for x in ("passed", "failed", "skipped")]
        print("%-36s %6d | %-17s | %-17s | %4d" % (m, len(b), "%d/%d/%d" % tuple(row[0]),
                                                   "%d/%d/%d" % tuple(row[1]), nd))
        tot["cases"] += len(b)
        for i in range(3):
            tot["b"][i] += row[0][i]
            tot["t"][i] += row[1][i]
    print("-" * len(head))
    print("%-36s %6d | %-17s | %-17s | %4d" % ("total (%d modules)" % len(mods), tot["cases"],
                                               "%d/%d/%d" % tuple(tot["b"]), "%d/%d/%d" % tuple(tot["t"]),
                                               len(diffs)))
    if problems:
        print("\nmodules that did not finish on one side (not compared case by case):")
        for p in problems:
            print("  " + p)
    if diffs:
        print("\ncases whose outcome differs (bare -> traced):")
        for m, k, ob, ot in diffs:
            print("  %s: %s: %s -> %s" % (m, k, ob, ot))
    if a.diff_out:
        with open(a.diff_out, "w") as f:
            for d in diffs:
                f.write("\t".join(d) + "\n")
    if missing:
        return 2
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
