#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# soak.py: gunicorn under steady load, bare and traced side by side; leaks, errors, trace size, report.
"""soak.py --duration SECS --out DIR --shim SO --cli CREDTRACE [--max-bytes N] [--rate R]
        [--workers W] [--sequential]

Needs OPENAI_API_KEY in the environment (the caller makes it a canary). Starts tests/fake_api.py,
then two gunicorn servers of tests/soak/soak_app.py (--preload, W gthread workers, keep-alive): one
bare, one with LD_PRELOAD=SO, CREDTRACE_DIR=DIR/traced/traces and CREDTRACE_MAX_BYTES=N. Both run at
the same time (--sequential: one after the other), so both see the same machine. Per server: the
workers' open descriptors and RSS once all workers are set up (quiescent), every few seconds under
load (DIR/MODE/samples.csv), and again when the load has stopped; tests/soak/load.py sends R
requests per second for SECS; then the server is stopped (SIGTERM) and the workers' counters and
gunicorn's error log are read. For the traced server: the trace directory's size against the cap,
and `credtrace report --format json` must still name the seeded findings.

Prints a table and one `ok - ` / `not ok - ` / `skip - ` line per check (also in DIR/checks);
exits 1 when a check failed. Nothing here asserts on time: throughput and latency are printed only."""
import argparse
import csv
import glob
import json
import os
import re
import statistics
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
FD_SLACK = int(os.environ.get("CT_SOAK_FD_SLACK", "2"))            # per worker, quiescent to quiescent
RSS_SLACK_KB = int(os.environ.get("CT_SOAK_RSS_SLACK_KB", "16384"))  # traced growth over bare growth


def wait_for(pred, secs, what):
    # Start-up waits on a busy shared machine: generous, and not an assertion on speed.
    end = time.monotonic() + secs
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise SystemExit("soak: timed out waiting for %s" % what)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return sorted(int(x) for x in f.read().split())
    except OSError:
        return []


def sample(pid):
    try:
        fds = len(os.listdir("/proc/%d/fd" % pid))
        with open("/proc/%d/status" % pid) as f:
            rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        return fds, rss
    except (OSError, AttributeError):
        return None


class Server:
    def __init__(self, mode, a, api_port):
        self.mode, self.a = mode, a
        self.dir = os.path.join(a.out, mode)
        self.stats = os.path.join(self.dir, "stats")
        self.traces = os.path.join(self.dir, "traces")
        os.makedirs(self.stats)
        self.errlog = os.path.join(self.dir, "gunicorn.log")
        env = dict(os.environ, OPENAI_BASE_URL="http://127.0.0.1:%d/v1" % api_port,
                   SOAK_STATS_DIR=self.stats, SOAK_THREADS="2", PYTHONDONTWRITEBYTECODE="1")
        for k in ("LD_PRELOAD", "CREDTRACE_DIR", "CREDTRACE_MAX_BYTES"):
            env.pop(k, None)
        if mode == "traced":
            os.makedirs(self.traces)
            env.update(LD_PRELOAD=a.shim, CREDTRACE_DIR=self.traces, CREDTRACE_MAX_BYTES=str(a.max_bytes))
        cmd = ["/usr/bin/gunicorn", "--preload", "-w", str(a.workers), "-k", "gthread", "--threads", "2",
               "--keep-alive", "30", "-b", "127.0.0.1:0", "-c", os.path.join(HERE, "gunicorn_conf.py"),
               "--chdir", HERE, "--error-logfile", self.errlog, "--log-level", "info",
               "--graceful-timeout", "20", "--timeout", "120", "soak_app:application"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=open(os.path.join(self.dir, "gunicorn.out"), "w"),
                                     stderr=subprocess.STDOUT)

    def log(self):
        try:
            with open(self.errlog, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        def port():
            if self.proc.poll() is not None:
                raise SystemExit("soak: gunicorn (%s) exited with %s: see %s" %
                                 (self.mode, self.proc.returncode, self.errlog))
            m = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log())
            return m and int(m.group(1))
        self.port = wait_for(port, 120, "gunicorn (%s) to listen" % self.mode)
        # Set up: every worker has run post_worker_init (its counters file exists).
        self.workers = wait_for(lambda: len(glob.glob(os.path.join(self.stats, "*.json"))) >= self.a.workers
                                and children(self.proc.pid), 120, "%s workers" % self.mode)
        self.first = {p: sample(p) for p in self.workers}
        self.samples = open(os.path.join(self.dir, "samples.csv"), "w", newline="")
        self.csv = csv.writer(self.samples)
        self.csv.writerow(["t", "pid", "fds", "rss_kb"])
        self.t0 = time.monotonic()
        self.record()

    def record(self):
        t = round(time.monotonic() - self.t0, 1)
        for p in self.workers:
            s = sample(p)
            if s:
                self.csv.writerow([t, p, s[0], s[1]])
        self.samples.flush()

    def load(self):
        self.loadout = os.path.join(self.dir, "load.json")
        return subprocess.Popen([PY, os.path.join(HERE, "load.py"), "--port", str(self.port), "--duration",
                                 str(self.a.duration), "--rate", str(self.a.rate), "--out", self.loadout,
                                 "--fresh-every", str(self.a.fresh_every)])

    def finish(self):
        self.record()
        self.last = {p: sample(p) for p in self.workers}
        self.now_workers = children(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.samples.close()
        with open(self.loadout) as f:
            self.loadres = json.load(f)
        self.wstats = []
        for f in glob.glob(os.path.join(self.stats, "*.json")):
            with open(f) as fh:
                self.wstats.append(json.load(fh))
        log = self.log()
        self.log_errors = len(re.findall(r"\[(ERROR|CRITICAL)\]|Traceback|WORKER TIMEOUT", log))
        self.boots = len(re.findall(r"Booting worker with pid", log))


def trace_facts(d, cap):
    files = sorted(glob.glob(os.path.join(d, "*.jsonl")))
    sizes = [os.path.getsize(f) for f in files]
    capped, procs, bad, pyreads = 0, 0, 0, 0
    rates = []  # per long-lived process: (bytes/hour over its life, bytes/hour after its first quarter, capped)
    for f in files:
        recs = []  # (ts, bytes) of every record, for the growth rate
        ringrecs = []  # the same for the ring's survivors: the newest records, a window of the write rate now
        with open(f, "rb") as fh:
            ring = False  # the tail ring past a cap record: remnants of overwritten records are expected
            for line in fh:
                line = line.strip(b"\0")  # a fork region's zero tail (docs/trace-format.md#fork-region)
                if not line or (ring and not line.startswith(b'{"seq":')):
                    continue
                try:
                    r = json.loads(line)
                except ValueError:
                    bad += 1
                    continue
                ring = ring or (r.get("t") == "cap" and "head" in r)
                if isinstance(r.get("ts"), int):
                    recs.append((r["ts"], len(line)))
                    if "seq" in r:
                        ringrecs.append((r["ts"], len(line)))
                capped += r.get("t") == "cap"
                procs += r.get("t") == "hdr"
                pyreads += r.get("t") == "read" and r.get("fn") == "os.environ"
        if len(recs) > 1:
            t0, t1 = min(t for t, _ in recs), max(t for t, _ in recs)
            life = (t1 - t0) / 1e6
            q = t0 + (t1 - t0) // 4
            steady = sum(n for t, n in recs if t > q) * 3600 / (life * 0.75) if life else 0
            if ringrecs:  # capped: the rate the ring's survivors (the newest records) were written at
                span = (max(t for t, _ in ringrecs) - min(t for t, _ in ringrecs)) / 1e6
                steady = sum(n for _, n in ringrecs) * 3600 / span if span >= 1 else 0
            if life >= 5:
                rates.append((sum(n for _, n in recs) * 3600 / life, steady, ring))
    return {"files": len(files), "bytes": sum(sizes), "max_file": max(sizes or [0]), "cap": cap,
            "capped_files": capped, "headers": procs, "malformed": bad, "py_reads": pyreads,
            "rates": rates}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--out", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--max-bytes", type=int, default=65536)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--workers", type=int, default=4)
    # 1: a new upstream connection for every request (the soak), 10: every tenth
    ap.add_argument("--fresh-every", type=int, default=10)
    ap.add_argument("--sequential", action="store_true")
    a = ap.parse_args()
    if not os.environ.get("OPENAI_API_KEY"):
        raise SystemExit("soak: OPENAI_API_KEY must be set (a canary)")
    a.out = os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)

    portfile = os.path.join(a.out, "api.port")
    api = subprocess.Popen([PY, os.path.join(ROOT, "tests", "fake_api.py"), "--port", "0",
                            "--port-file", portfile, "--key-env", "OPENAI_API_KEY"])
    servers = []
    try:
        api_port = wait_for(lambda: os.path.exists(portfile) and int(open(portfile).read()), 60, "fake API")
        groups = [["bare"], ["traced"]] if a.sequential else [["bare", "traced"]]
        for g in groups:
            ss = [Server(m, a, api_port) for m in g]
            for s in ss:
                s.start()
            loads = [s.load() for s in ss]
            every = max(5.0, a.duration / 60)
            stop = threading.Event()

            def sampler():
                while not stop.wait(every):
                    for s in ss:
                        s.record()
            th = threading.Thread(target=sampler, daemon=True)
            th.start()
            for p in loads:
                p.wait()
            stop.set()
            th.join()
            time.sleep(2)  # let gunicorn close the load generator's connections: quiescent again
            for s in ss:
                s.finish()
            servers += ss
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.proc.kill()
        api.terminate()
        api.wait()

    S = {s.mode: s for s in servers}
    tf = trace_facts(S["traced"].traces, a.max_bytes)
    rep = subprocess.run([a.cli, "report", "--format", "json", S["traced"].traces], capture_output=True)
    with open(os.path.join(a.out, "report.json"), "wb") as f:
        f.write(rep.stdout)
    try:
        report = json.loads(rep.stdout)
        codes = sorted({f["code"] for f in report["findings"]})
    except (ValueError, KeyError, TypeError):
        report, codes = None, []

    def fdsum(s, which):
        return sum(v[0] for v in getattr(s, which).values() if v)

    def rsssum(s, which):
        return sum(v[1] for v in getattr(s, which).values() if v)

    rows = []

    def row(name, f):
        rows.append((name, f(S["bare"]), f(S["traced"])))
    row("load: requests sent", lambda s: s.loadres["sent"])
    row("load: 200 responses", lambda s: s.loadres["ok"])
    row("load: errors", lambda s: s.loadres["errors"])
    row("load: p50 / p99 ms (info)", lambda s: "%s / %s" % (s.loadres["p50_ms"], s.loadres["p99_ms"]))
    row("workers: requests", lambda s: sum(w["requests"] for w in s.wstats))
    row("workers: errors", lambda s: sum(w["errors"] for w in s.wstats))
    row("workers: upstream reconnects", lambda s: sum(w["reconnects"] for w in s.wstats))
    row("workers: seeded shared-socket call", lambda s: ",".join(str(w["shared_use"]) for w in s.wstats))
    row("workers booted / error-log lines", lambda s: "%d / %d" % (s.boots, s.log_errors))
    row("worker fds, sum start -> end", lambda s: "%d -> %d" % (fdsum(s, "first"), fdsum(s, "last")))
    row("worker RSS KB, sum start -> end", lambda s: "%d -> %d" % (rsssum(s, "first"), rsssum(s, "last")))
    w = max(len(r[0]) for r in rows)
    lines = ["soak: %g s at %g req/s per server, %d gthread workers, a new upstream connection every %s, "
             "CREDTRACE_MAX_BYTES=%d" % (a.duration, a.rate, a.workers,
                                         "request" if a.fresh_every == 1 else "%d requests" % a.fresh_every,
                                         a.max_bytes),
             "%-*s  %-18s %-18s" % (w, "", "bare", "traced")]
    lines += ["%-*s  %-18s %-18s" % (w, n, b, t) for n, b, t in rows]
    lines.append("traces: %d files, %d bytes (largest %d), cap %d per file, %d file(s) reached it; "
                 "findings: %s" % (tf["files"], tf["bytes"], tf["max_file"], a.max_bytes, tf["capped_files"],
                                   " ".join(codes) or "none"))

    rates = tf["rates"]
    if rates:
        lines.append("trace growth, bytes per process per hour (%d processes that lived 5 s or more): "
                     "over their life max %.0f, median %.0f; steady (after their first quarter) max %.0f, "
                     "median %.0f%s" % (len(rates), max(r[0] for r in rates), statistics.median(r[0] for r in rates),
                                        max(r[1] for r in rates), statistics.median(r[1] for r in rates),
                                        "; %d capped (steady: the rate their ring's newest records were written at)" % sum(r[2] for r in rates)
                                        if any(r[2] for r in rates) else ""))

    checks = []

    def check(ok, name, why=""):
        checks.append(("ok - " if ok else "not ok - ") + name + ("" if ok else ": " + why))

    for m in ("bare", "traced"):
        s = S[m]
        lr = s.loadres
        check(lr["sent"] > 0 and lr["errors"] == 0 and lr["ok"] == lr["sent"], "%s: no load-generator error" % m,
              "%d sent, %d ok, %s" % (lr["sent"], lr["ok"], lr["kinds"]))
        wreq = sum(x["requests"] for x in s.wstats)
        werr = sum(x["errors"] for x in s.wstats)
        check(werr == 0 and s.log_errors == 0, "%s: no error in the workers" % m,
              "%d app errors %s, %d error-log lines" % (werr, [x["exc"] for x in s.wstats if x["exc"]],
                                                        s.log_errors))
        check(wreq == lr["sent"], "%s: every request reached a worker" % m, "%d of %d" % (wreq, lr["sent"]))
        check(s.boots == a.workers and s.now_workers == s.workers, "%s: no worker restarted" % m,
              "%d boots, workers %s then %s" % (s.boots, s.workers, s.now_workers))
        check(all(x["shared_use"] == 200 for x in s.wstats) and len(s.wstats) == a.workers,
              "%s: each worker used the inherited connection once (the seeded bug)" % m,
              str([x["shared_use"] for x in s.wstats]))
        grew = [(p, s.first[p][0], s.last[p][0]) for p in s.workers
                if s.first.get(p) and s.last.get(p) and s.last[p][0] - s.first[p][0] > FD_SLACK]
        check(not grew and all(s.last.values()), "%s: no descriptor growth in the workers" % m,
              "pid, fds start, end: %s" % grew)
    gb = rsssum(S["bare"], "last") - rsssum(S["bare"], "first")
    gt = rsssum(S["traced"], "last") - rsssum(S["traced"], "first")
    if os.environ.get("SANITIZE"):
        # The traced workers run on the sanitizer's allocator (its quarantine holds freed memory, by
        # design) and the bare ones do not: their RSS cannot be compared. The plain build checks it.
        checks.append("skip - traced: worker RSS growth within %d KB of bare: SANITIZE=%s (traced +%d KB, bare +%d KB)"
                      % (RSS_SLACK_KB, os.environ["SANITIZE"], gt, gb))
    else:
        check(gt <= gb + RSS_SLACK_KB, "traced: worker RSS growth within %d KB of bare" % RSS_SLACK_KB,
              "traced +%d KB, bare +%d KB" % (gt, gb))
    check(tf["headers"] >= a.workers + 1 and tf["malformed"] == 0,
          "traced: master and every worker left a parseable trace",
          "%d headers, %d malformed lines" % (tf["headers"], tf["malformed"]))
    check(tf["max_file"] <= a.max_bytes and tf["bytes"] <= tf["files"] * a.max_bytes,
          "traced: trace directory within files x cap",
          "%d bytes in %d files, largest %d, cap %d" % (tf["bytes"], tf["files"], tf["max_file"], a.max_bytes))
    steady = [r[1] for r in rates if not r[2]]
    if steady:
        check(max(steady) <= 1e6, "traced: steady trace growth under 1 MB per process per hour",
              "max %.0f bytes/hour" % max(steady))
    else:
        checks.append("skip - traced: steady trace growth under 1 MB per process per hour: "
                      "no uncapped process lived 5 s or more")
    ringed = [r[1] for r in rates if r[2]]
    if ringed:  # the file stays at the cap; what it is written at is the ring's rate
        checks.append("# traced: %d capped process(es) write up to %.0f bytes per hour now (their rings' "
                      "newest records), %s the 1 MB per process per hour the steady check holds uncapped ones to"
                      % (len(ringed), max(ringed), "over" if max(ringed) > 1e6 else "within"))
    check(rep.returncode == 0 and report is not None, "report: credtrace report --format json reads the traces",
          "exit %d: %s" % (rep.returncode, rep.stderr.decode(errors="replace")[:200]))
    check("SOCKET_REUSED_AFTER_FORK" in codes, "report names SOCKET_REUSED_AFTER_FORK", "codes: %s" % codes)
    py_reads = tf["py_reads"] > 0
    if "CRED_READ_BEFORE_FORK" in codes:
        check(True, "report names CRED_READ_BEFORE_FORK")
    elif not py_reads:
        checks.append("skip - report names CRED_READ_BEFORE_FORK: no os.environ read in the traces "
                      "(the shim's Python adapter is not active)")
    else:
        check(False, "report names CRED_READ_BEFORE_FORK", "codes: %s" % codes)

    out = "\n".join(lines + [""] + checks) + "\n"
    sys.stdout.write(out)
    with open(os.path.join(a.out, "summary.txt"), "w") as f:
        f.write(out)
    with open(os.path.join(a.out, "checks"), "w") as f:
        f.write("\n".join(checks) + "\n")
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"duration": a.duration, "rate": a.rate, "workers": a.workers, "max_bytes": a.max_bytes,
                   "rows": rows, "traces": tf, "codes": codes, "checks": checks}, f, indent=1)
    return 1 if any(c.startswith("not ok") for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
