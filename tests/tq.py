# SPDX-License-Identifier: MIT
# tq DIR EXPR: evaluate EXPR over the records of every *.jsonl in DIR (recursively); print the result.
# Names: R (records, each with "_file" and "_line"), H (headers), by(t) (records of type t),
# names(t) (set of "name" of records of type t). Exits 3 on a malformed line (remnants of overwritten
# records in the tail ring of a capped file are skipped: docs/trace-format.md#cap).
import glob, json, os, sys

d, expr = sys.argv[1], sys.argv[2]
R = []
for f in sorted(glob.glob(os.path.join(d, "**", "*.jsonl"), recursive=True)):
    with open(f, "rb") as fh:
        ring = False  # past a cap record with "head": the tail ring, where remnants are expected
        for i, line in enumerate(fh, 1):
            if ring and not line.startswith(b'{"seq":'):
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                print(f"{f}:{i}: malformed: {e}", file=sys.stderr)
                sys.exit(3)
            rec["_file"], rec["_line"] = f, i
            ring = ring or (rec.get("t") == "cap" and "head" in rec)
            R.append(rec)
H = [r for r in R if r["t"] == "hdr"]
def by(t):
    return [r for r in R if r["t"] == t]
def names(t):
    return {r.get("name") for r in R if r["t"] == t}
res = eval(expr)
if isinstance(res, bool):
    print("true" if res else "false")
    sys.exit(0 if res else 1)
print(res)
