# SPDX-License-Identifier: MIT
# tq DIR EXPR: evaluate EXPR over the records of every *.jsonl in DIR (recursively); print the result.
# Names: R (records, each with "_file" and "_line"), H (headers), by(t) (records of type t),
# names(t) (set of "name" of records of type t). Exits 3 on a malformed line (remnants of overwritten
# records in the tail ring of a capped file are skipped: docs/trace-format.md#cap).
import glob, json, os, sys

d, expr = sys.argv[1], sys.argv[2]
R = []


def region(f, R):
    """A fork region (docs/trace-format.md#fork-region): one stream per process, named f#<pid>.<nonce>
    in _file; its zero tail and a torn last line are skipped, a torn line mid-file is malformed."""
    with open(f, "rb") as fh:
        data = fh.read()
    if not data.startswith(b'{"t":"region",'):
        return False
    pos, line, n, hdrs = data.find(b"\n") + 1, 1, len(data), set()
    while 0 < pos < n:
        if data[pos] == 0:
            pos += 1
            continue
        nl, nul = data.find(b"\n", pos), data.find(b"\0", pos)
        if nl < 0 or 0 <= nul < nl:  # no newline: its writer was killed while copying it
            end = n if nul < 0 else nul
            if data[end:].strip(b"\0"):
                print(f"{f}:{line + 1}: malformed: torn line", file=sys.stderr)
                sys.exit(3)
            pos = end
            continue
        line += 1
        try:
            rec = json.loads(data[pos:nl])
        except ValueError as e:
            print(f"{f}:{line}: malformed: {e}", file=sys.stderr)
            sys.exit(3)
        key = rec.pop("of")
        rec["_file"], rec["_line"] = f + "#" + key, line
        if rec["t"] != "hdr" or key not in hdrs:
            R.append(rec)
        hdrs.add(key) if rec["t"] == "hdr" else None
        pos = nl + 1
    # A child that outgrew the region went on in its own file: read it as the same stream.
    host = json.loads(data[:data.find(b"\n")])["host"]
    for key in sorted({r["_file"].split("#", 1)[1] for r in R if r["_file"].startswith(f + "#")}):
        cont = os.path.join(os.path.dirname(f), "%s.%s.jsonl" % (host, key))
        if not os.path.exists(cont):
            continue
        joined.add(cont)
        with open(cont, "rb") as fh:
            for i, l in enumerate(fh, 1):
                rec = json.loads(l)
                if rec["t"] == "hdr" and key in hdrs:
                    continue
                rec["_file"], rec["_line"] = f + "#" + key, "%s:%d" % (cont, i)
                R.append(rec)
    return True


joined = set()  # own files read as the continuation of a region stream
files = sorted(glob.glob(os.path.join(d, "**", "*.jsonl"), recursive=True))
# Regions are read first (they say which own files continue them) and placed right after their
# creator's own file, where its children's files used to sort.
regions = {}
for f in files:
    if f.endswith(".fork.jsonl"):
        recs = []
        if region(f, recs):
            regions[f] = recs
def order(f):
    return f[:-len(".fork.jsonl")] + ".jsonl~" if f in regions else f
for f in sorted(files, key=order):
    if f in regions:
        R.extend(regions[f])
        continue
    if f in joined:
        continue
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
