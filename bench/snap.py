# SPDX-License-Identifier: MIT
# snap.py: the `make bench` row of `credtrace snap`: a tree of 2,000 sleeping processes holding 50,000
# descriptors (bench/snap_tree.c; most of them TCP sockets shared across the tree, the worst case for
# the join), snapped BENCH_RUNS times per format; prints wall and CPU medians. Run by scripts/bench.sh
# (BENCH_ONLY=snap runs only this row). BENCH_SNAP_PROCS, BENCH_SNAP_FDS change the tree.
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "credtrace")
TREE = os.path.join(ROOT, "build", "bench", "snap_tree")
RUNS = max(1, int(os.environ.get("BENCH_RUNS", "7")))
PROCS = int(os.environ.get("BENCH_SNAP_PROCS", "2000"))
FDS = int(os.environ.get("BENCH_SNAP_FDS", "25"))
# A few credential variables, as a real service has: every process's environ is judged.
ENV = {"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-proj-" + "bench" * 30,
       "ANTHROPIC_API_KEY": "sk-ant-api03-" + "x" * 95, "DATABASE_URL": "postgres://u:p@db/app"}


def tree_pids(root):
    """The root and its descendants, from /proc (ppid links)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def one(argv):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, p


def main():
    tree = subprocess.Popen([TREE, str(PROCS), str(FDS)], stdout=subprocess.PIPE, env=ENV,
                            start_new_session=True)
    try:
        line = tree.stdout.readline().decode().split()
        if not line or line[0] != "ready":
            print("snap        tree did not start", file=sys.stderr)
            return 1
        pids = tree_pids(tree.pid)
        nfd = sum(len(os.listdir("/proc/%d/fd" % p)) for p in pids)
        res = {}
        for fmt in ("text", "json"):
            walls, cpus = [], []
            for _ in range(RUNS):
                wall, cpu, p = one([CLI, "snap", "--format", fmt, str(tree.pid)])
                if p.returncode not in (0, 1):
                    print("snap        FAILED (%s): %s" % (fmt, p.stderr.decode()[:300]), file=sys.stderr)
                    return 1
                walls.append(wall)
                cpus.append(cpu)
            if fmt == "json":
                d = json.loads(p.stdout)
                assert len(d["processes"]) == len(pids), (len(d["processes"]), len(pids))
                ntcp = sum(len(q["snapshot"]["sockets"]) for q in d["processes"])
            res[fmt] = (walls, cpus)
        load = open("/proc/loadavg").read().split()[:3]
        for fmt, (walls, cpus) in res.items():
            print("snap %-5s  %d processes, %d descriptors (%d TCP): wall median %.3f s (%.3f-%.3f), "
                  "CPU median %.3f s, over %d runs" % (fmt, len(pids), nfd, ntcp, statistics.median(walls),
                                                      min(walls), max(walls), statistics.median(cpus), RUNS))
        print("snap: load average %s on %d CPUs while measuring (wall includes waiting for a CPU)"
              % (" ".join(load), os.cpu_count()))
        return 0
    finally:
        os.killpg(tree.pid, signal.SIGKILL)
        tree.wait()


if __name__ == "__main__":
    sys.exit(main())
