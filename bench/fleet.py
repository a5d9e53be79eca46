# SPDX-License-Identifier: MIT
# fleet.py: the fleet-scale row of `make bench` (issue 14): FILES trace files from HOSTS hosts,
# about KB each, read by `credtrace report` (text) and by `jq -c .` (the anchor for JSON
# throughput) over the same files; wall time and peak memory of both, in alternating rounds.
# Knobs: BENCH_FLEET_FILES (default 2000), BENCH_FLEET_HOSTS (50), BENCH_FLEET_KB (50). The issue's
# scale is 20,000 files, 1 GB: BENCH_FLEET_FILES=20000 BENCH_FLEET_KB=50.
import json
import os
import random

FILES = int(os.environ.get("BENCH_FLEET_FILES", "2000"))
HOSTS = int(os.environ.get("BENCH_FLEET_HOSTS", "50"))
KB = int(os.environ.get("BENCH_FLEET_KB", "50"))
NAMES = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LANGSMITH_API_KEY", "REDIS_URL", "DATABASE_URL"]


def _facts(rnd, state="present"):
    return {"state": state, "len": 164 if state == "present" else 0, "flags": [],
            "provider": "openai" if state == "present" else None,
            "entropy": "high" if state == "present" else None,
            "fp": "%012x" % rnd.getrandbits(48) if state == "present" else ""}


def _file(rnd, host, pid, ppid, size):
    """One worker's trace: header, start-up credentials, modules, reads at many sites, connects
    with their aggregates, sets, a fork; grown with reads to about size bytes."""
    ts = 1764320000000000 + rnd.randrange(10 ** 9)
    nonce = "%016x" % rnd.getrandbits(64)
    recs = [{"t": "hdr", "ts": ts, "schema": "credtrace.trace/1", "pid": pid, "ppid": ppid, "host": host,
             "container": None, "nonce": nonce, "exe": "/usr/bin/python3.11",
             "argv": ["gunicorn", "app:app", "-w", "4"], "origin": "exec", "gen": 0, "threads": 1,
             "vars": 40, "secure": False, "bt": "libunwind", "fp": "hmac-sha256/48", "kid": "5eed5eed",
             "cap": 16777216, "preload": True, "shim": "0.1.0"}]
    for n in NAMES:
        recs.append(dict({"t": "env", "ts": ts + 1, "name": n}, **_facts(rnd)))
    recs.append({"t": "mod", "ts": ts + 2, "id": 1, "path": "/usr/bin/python3.11", "build_id": None,
                 "base": "0x0"})
    recs.append({"t": "runtime", "ts": ts + 3, "name": "python", "version": "3.11.2", "reads": "audit-hook",
                 "why": None})
    out, n, rid = [], 0, 0
    for r in recs:
        out.append(json.dumps(r, separators=(",", ":")))
        n += len(out[-1]) + 1
    k = 0
    while n < size:
        k += 1
        t = ts + 1000 * k
        if k % 7 == 0:
            r = {"t": "connect", "ts": t, "fd": 5 + k % 20, "ino": rnd.randrange(10 ** 7), "type": "stream",
                 "family": "inet", "peer": "10.0.%d.%d:443" % (k % 250, rnd.randrange(250)), "ok": True,
                 "errno": 0, "gen": 0, "forks": 0, "agg": k // 7,
                 "site": {"py": {"file": "app/client.py", "line": 40 + k % 30, "func": "call",
                                 "module_level": False}}}
        elif k % 7 == 1 and k > 7:
            r = {"t": "agg", "ts": t, "kind": "connect", "id": k // 7, "count": 2 ** (k % 12),
                 "first": t - 999, "last": t}
        elif k % 13 == 0:
            r = dict({"t": "set", "ts": t, "fn": "os.environ", "name": NAMES[k % len(NAMES)]}, **_facts(rnd))
            r.update(prev=_facts(rnd), ok=True, gen=0, forks=0,
                     site={"py": {"file": "app/settings.py", "line": k % 90, "func": "<module>",
                                  "module_level": True}})
        else:
            rid += 1
            r = dict({"t": "read", "ts": t, "fn": "os.environ", "name": NAMES[k % len(NAMES)]}, **_facts(rnd))
            r.update(rid=rid, gen=0, forks=0,
                     site={"py": {"file": "app/views_%d.py" % (k % 40), "line": k % 400, "func": "handler",
                                  "module_level": False}})
        out.append(json.dumps(r, separators=(",", ":")))
        n += len(out[-1]) + 1
    out.append(json.dumps({"t": "end", "ts": ts + 1000 * (k + 1), "reads": [[i, 3] for i in range(1, rid + 1)]},
                          separators=(",", ":")))
    return "\n".join(out) + "\n"


def make(root, kb=None):
    """Writes the fleet under root/<host>/ (files of about kb KB, default KB); returns (bytes,
    files). The same processes at a smaller kb tell whether the reader's memory follows processes
    (about the same peak) or records (a peak that shrinks with the files)."""
    kb = kb or KB
    rnd = random.Random(14)
    total = 0
    for i in range(FILES):
        host = "pod-%03d" % (i % HOSTS)
        d = os.path.join(root, host)
        os.makedirs(d, exist_ok=True)
        pid = 1 + i // HOSTS
        text = _file(rnd, host, pid, 0 if pid == 1 else 1, kb * 1024)
        with open(os.path.join(d, "%s.%d.%016x.jsonl" % (host, pid, rnd.getrandbits(64))), "w") as f:
            f.write(text)
        total += len(text)
    return total, FILES
