# SPDX-License-Identifier: MIT
# bench.py: the `make bench` harness. Runs every workload bare, with an empty preloaded object, with
# the shim, under strace and under ltrace, in paired alternating rounds; counts instructions with
# callgrind; measures the shim's start-up cost, trace bytes and peak memory; prints one table and
# checks the budget. Run by scripts/bench.sh; knobs (see docs/performance.md): BENCH_RUNS,
# BENCH_ONLY, BENCH_TRACER_RUNS, BENCH_DISK_RUNS, BENCH_CALLGRIND, BENCH_TIMEOUT, BENCH_SHIM,
# BENCH_SHIM_ENV, BENCH_OUT; BENCH_FLEET_* (bench/fleet.py; BENCH_ONLY=fleet runs that row alone).
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bench")
PY = "/usr/bin/python3"  # Debian's: the interpreter the Python adapter is tested with
NODE = shutil.which("node") or "/usr/bin/node"
SHIM = os.environ.get("BENCH_SHIM") or os.path.join(ROOT, "build", "libcredtrace.so")
EMPTY = os.path.join(BIN, "libempty.so")
# The Node adapter beside the shim: the shim columns require it as `credtrace run` does.
ADAPTER = os.path.join(os.path.dirname(SHIM), "credtrace-node.cjs")
RUNS = max(1, int(os.environ.get("BENCH_RUNS", "7")))
TRACER_RUNS = max(0, min(RUNS, int(os.environ.get("BENCH_TRACER_RUNS", "2"))))
DISK_RUNS = max(0, min(RUNS, int(os.environ.get("BENCH_DISK_RUNS", "3"))))
# Extra environment for the shim columns, e.g. BENCH_SHIM_ENV="CREDTRACE_BACKTRACE=0".
SHIM_ENV = dict(kv.split("=", 1) for kv in os.environ.get("BENCH_SHIM_ENV", "").split() if "=" in kv)
CALLGRIND = os.environ.get("BENCH_CALLGRIND", "1") != "0"
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "60"))
ONLY = [s for s in os.environ.get("BENCH_ONLY", "").replace(",", " ").split() if s]
OUT = os.environ.get("BENCH_OUT") or os.path.join(BIN, "results")
LTRACE_SCALE = 1000  # getenv_hot under ltrace runs 1/1000 of its calls and is extrapolated

# shim: traces on tmpfs (the shim's own cost); shimdisk: traces in /tmp, here ext4, where creating a
# file costs milliseconds (one file per process and per fork child that records anything).
COLS = ["bare", "empty", "shim", "shimdisk", "strace", "ltrace"]
ROUNDS = {"strace": TRACER_RUNS, "ltrace": TRACER_RUNS, "shimdisk": DISK_RUNS}
SHIM_COLS = ("shim", "shimdisk", "shimnobt")
# The cheapest strace that still sees what credtrace sees about processes and connections: the
# seccomp filter stops only on process and network syscalls, output thrown away.
STRACE = ["strace", "-f", "--seccomp-bpf", "-qq", "-e", "trace=%process,%network", "-o", "/dev/null"]
# ltrace output goes to /dev/null: it would contain the credential values getenv returns.
LTRACE = ["ltrace", "-f", "-e", "getenv", "-o", "/dev/null"]

_groups = set()  # process groups alive now, killed on any exit path
_tmp = tempfile.mkdtemp(prefix="credtrace-bench.", dir="/tmp")
_shm = (tempfile.mkdtemp(prefix="credtrace-bench.", dir="/dev/shm")
        if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None)


def _cleanup(*_):
    for g in list(_groups):
        try:
            os.killpg(g, signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(_tmp, ignore_errors=True)
    if _shm:
        shutil.rmtree(_shm, ignore_errors=True)
    if _:
        sys.exit(130)


for _s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_s, _cleanup)


# ---- the environment: fixed names, credential values random per run and never printed ----------
def _rand(n, alphabet=string.ascii_letters + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def fixed_env(nvars=31):
    home = os.path.join(_tmp, "home")
    os.makedirs(home, exist_ok=True)
    pw = _rand(24)
    env = [
        ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        ("HOSTNAME", "api-7f9c6d5b8-x2k4q"),
        ("LANG", "C.UTF-8"),
        ("PYTHONUNBUFFERED", "1"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
        ("NODE_ENV", "production"),
        ("APP_ENV", "staging"),
        ("LOG_LEVEL", "info"),
        ("PORT", "8000"),
        ("WEB_CONCURRENCY", "4"),
        ("TZ", "UTC"),
        ("POSTGRES_HOST", "db"),
        ("POSTGRES_DB", "app"),
        ("POSTGRES_USER", "app"),
        ("REDIS_HOST", "redis"),
        ("CELERY_BROKER_URL", "redis://redis:6379/0"),
        ("OPENAI_API_KEY", "sk-proj-" + _rand(74) + "T3BlbkFJ" + _rand(74)),
        ("OPENAI_MODEL", "gpt-4o-mini"),
        ("ANTHROPIC_API_KEY", "sk-ant-api03-" + _rand(93, string.ascii_letters + string.digits + "-_") + "AA"),
        ("LANGSMITH_API_KEY", "lsv2_pt_" + _rand(32, "0123456789abcdef") + "_" + _rand(10, "0123456789abcdef")),
        ("LANGCHAIN_TRACING_V2", "true"),
        ("LANGCHAIN_PROJECT", "support-bot"),
        ("DATABASE_URL", "postgresql://app:" + pw + "@db:5432/app"),
        ("HF_HOME", "/cache/hf"),
        ("XDG_CACHE_HOME", "/cache"),
        ("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
        ("GUNICORN_CMD_ARGS", "--timeout 120 --keep-alive 5"),
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("KUBERNETES_SERVICE_PORT", "443"),
        ("TERM", "xterm"),
        ("HOME", home),  # last, where Docker puts it: getenv("HOME") scans the whole list
    ]
    # A bigger pod: Kubernetes' service links (docker-link style variables for every service).
    services = ["PAYMENTS", "USERS", "SEARCH", "BILLING", "NOTIFY", "GATEWAY", "REDIS", "POSTGRES",
                "RABBITMQ", "VECTORDB", "EMBEDDER", "RERANKER", "CACHE", "AUTH", "FILES"]
    extra = []
    for i, s in enumerate(services):
        ip = "10.96.%d.%d" % (i + 1, 10 + i)
        extra += [(s + "_SERVICE_HOST", ip), (s + "_SERVICE_PORT", "8080"),
                  (s + "_PORT", "tcp://%s:8080" % ip), (s + "_PORT_8080_TCP", "tcp://%s:8080" % ip),
                  (s + "_PORT_8080_TCP_PROTO", "tcp"), (s + "_PORT_8080_TCP_PORT", "8080")]
    env = env[:-1] + extra[: max(0, nvars - len(env))] + env[-1:]
    return dict(env)


# ---- running one process with a timeout, its wall time and peak RSS ---------------------------
class Result:
    def __init__(self, secs, rss_kb, ok, why=""):
        self.secs, self.rss_kb, self.ok, self.why = secs, rss_kb, ok, why


def run(argv, env, timeout=TIMEOUT):
    """Runs argv in a new session; kills its whole group at the timeout. Peak RSS is the maximum
    over the process and the descendants it waited for (wait4's rusage)."""
    log = os.path.join(_tmp, "stderr")
    fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
          (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
          (os.POSIX_SPAWN_OPEN, 2, log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    path = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=env.get("PATH"))
    if not path:
        return Result(0, 0, False, argv[0] + ": not found")
    t0 = time.perf_counter()
    pid = os.posix_spawn(path, argv, env, file_actions=fa, setsid=True)
    _groups.add(pid)
    killed = []

    def kill():
        killed.append(1)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, ru = os.wait4(pid, 0)
    finally:
        timer.cancel()
    secs = time.perf_counter() - t0
    try:  # leftovers of the group (a server a workload forgot) must not outlive the run
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    _groups.discard(pid)
    if killed:
        return Result(secs, ru.ru_maxrss, False, "timeout after %gs" % timeout)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        with open(log, errors="replace") as f:
            tail = f.read()[-300:].strip().replace("\n", " | ")
        return Result(secs, ru.ru_maxrss, False, "exit %d: %s" % (code, tail))
    return Result(secs, ru.ru_maxrss, True)


def dir_bytes(d):
    total = files = 0
    for dp, _, fs in os.walk(d):
        for f in fs:
            if f.endswith(".jsonl"):
                total += os.path.getsize(os.path.join(dp, f))
                files += 1
    return total, files


# ---- workloads ----------------------------------------------------------------------------
class Workload:
    def __init__(self, name, argv, budget=None, ltrace_argv=None, cg_argv=None, server=None):
        self.name, self.argv, self.budget = name, argv, budget
        self.ltrace_argv = ltrace_argv  # a scaled-down version for ltrace, extrapolated
        self.cg_argv = cg_argv  # a smaller version for callgrind (same for every column)
        self.server = server  # argv of an untraced server that prints its port; {port} in argv


def b(name):
    return os.path.join(BIN, name)


def bs(name):
    return os.path.join(ROOT, "bench", name)


WORKLOADS = [
    Workload("getenv_hot", [b("getenv_hot")], ("instr", 1.10),
             ltrace_argv=[b("getenv_hot"), str(LTRACE_SCALE)], cg_argv=[b("getenv_hot"), "20"]),
    Workload("sock_io", [b("sock_io")], ("wall", 1.03), cg_argv=[b("sock_io"), "10000", "200"]),
    Workload("fork_loop", [b("fork_loop")], ("wall", 1.10)),
    Workload("fork_sock", [b("fork_sock")], ("wall", 1.10)),
    Workload("spawn_loop", [b("spawn_loop")], ("wall", 1.10)),
    Workload("py_start", [b("repeat"), "100", PY, "-c", "pass"], ("wall", 1.03)),
    Workload("node_start", [b("repeat"), "50", NODE, "-e", "0"], ("wall", 1.03)),
    Workload("node_env", [NODE, bs("node_env.js")], ("wall", 1.5)),
    Workload("py_http", [PY, bs("py_http.py"), "{port}"], ("wall", 1.03),
             server=[PY, bs("py_http_server.py")]),
    # HTTPS to the same server with a self-signed certificate made by the openssl CLI at bench time.
    Workload("py_https", [PY, bs("py_http.py"), "{port}", "10000", "{cert}"], ("wall", 1.03),
             server=[PY, bs("py_http_server.py"), "{cert}", "{key}"]),
    Workload("py_environ", [PY, bs("py_environ.py")], ("instr", 1.5),
             cg_argv=[PY, bs("py_environ.py"), "100000"]),
]


def start_server(argv, env):
    """Starts an untraced server (no LD_PRELOAD) in its own group; returns (pid, port)."""
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    _groups.add(p.pid)
    timer = threading.Timer(20, lambda: os.killpg(p.pid, signal.SIGKILL))
    timer.start()
    line = p.stdout.readline()
    timer.cancel()
    if not line.strip().isdigit():
        stop_server(p)
        raise RuntimeError("server did not start: " + " ".join(argv))
    return p, line.strip().decode()


def self_signed():
    """A certificate and key for 127.0.0.1 in the bench's temporary directory (openssl CLI)."""
    cert, key = os.path.join(_tmp, "tls.crt"), os.path.join(_tmp, "tls.key")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def stop_server(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass
    p.wait()
    _groups.discard(p.pid)


def new_tracedir(col):
    """A fresh trace directory for a shim column, None for the others."""
    if col not in SHIM_COLS:
        return None
    root = _tmp if col == "shimdisk" or not _shm else _shm
    return tempfile.mkdtemp(prefix="trace.", dir=root)


def col_env(col, env, tracedir=None):
    e = dict(env)
    if col == "empty":
        e["LD_PRELOAD"] = EMPTY
    elif col in SHIM_COLS:
        e["LD_PRELOAD"] = SHIM
        e["CREDTRACE_DIR"] = tracedir
        if os.path.exists(ADAPTER):
            e["NODE_OPTIONS"] = "--require " + ADAPTER
        e.update(SHIM_ENV)
        if col == "shimnobt":
            e["CREDTRACE_BACKTRACE"] = "0"
    return e


def col_argv(col, argv):
    return (STRACE + argv) if col == "strace" else (LTRACE + argv) if col == "ltrace" else argv


# ---- the wall-clock rounds ----------------------------------------------------------------
def measure(w, env, have):
    """Paired alternating rounds: bare, empty, shim, [strace, ltrace], bare, empty, shim, ...
    Returns per-column lists of Results, trace bytes/files of the first shim run."""
    res = {c: [] for c in COLS}
    extra = {"ltrace_bare_scaled": []}
    trace = None
    srv = None
    try:
        sub = {}
        if w.server:
            if any("{cert}" in a for a in w.server):
                sub["cert"], sub["key"] = self_signed()
            srv, sub["port"] = start_server([a.format(**sub) for a in w.server], env)
        argv = [a.format(**sub) for a in w.argv]
        for r in range(RUNS):
            for col in COLS:
                if col not in have or r >= ROUNDS.get(col, RUNS):
                    continue
                a = argv
                if col == "ltrace" and w.ltrace_argv:
                    a = [x.format(**sub) for x in w.ltrace_argv]
                    extra["ltrace_bare_scaled"].append(run(a, env))
                tracedir = new_tracedir(col)
                res[col].append(run(col_argv(col, a), col_env(col, env, tracedir)))
                if tracedir:
                    if col == "shim" and trace is None and res[col][-1].ok:
                        trace = dir_bytes(tracedir)
                    shutil.rmtree(tracedir, ignore_errors=True)
                if not res[col][-1].ok:
                    print("  %s/%s failed: %s" % (w.name, col, res[col][-1].why), file=sys.stderr)
            sys.stderr.write(".")
            sys.stderr.flush()
    finally:
        if srv:
            stop_server(srv)
    return res, extra, trace


def ratios(num, den):
    """Per-round ratios of paired runs (same round index), only where both succeeded."""
    return [a.secs / b_.secs for a, b_ in zip(num, den) if a.ok and b_.ok and b_.secs > 0]


def med(xs):
    return statistics.median(xs) if xs else None


# ---- callgrind -----------------------------------------------------------------------------
def callgrind(argv, env, col, tag):
    out = os.path.join(_tmp, "cg.%s.%s" % (tag, col))
    tracedir = new_tracedir(col)
    vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, "--trace-children=no"]
    r = run(vg + argv, col_env(col, env, tracedir), timeout=max(TIMEOUT, 300))
    if tracedir:
        shutil.rmtree(tracedir, ignore_errors=True)
    if not r.ok:
        print("  callgrind %s/%s failed: %s" % (tag, col, r.why), file=sys.stderr)
        return None, None
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1]), out
    return None, None


def shim_functions(cgfile):
    """The shim's own functions by exclusive instruction count (callgrind_annotate), largest first."""
    try:
        txt = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", cgfile],
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    rows = []
    for line in txt.splitlines():
        # "8,013,332 ( 9.83%)  shim/secret.c:ct_cred_name [/path/libcredtrace.so]"
        m = re.match(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)\s+\[(.*)\]\s*$", line)
        if m and "libcredtrace" in m.group(3):
            rows.append((int(m.group(1).replace(",", "")), m.group(2)))
    rows.sort(reverse=True)
    return rows


# ---- formatting ----------------------------------------------------------------------------
def fr(rs):
    m = med(rs)
    return "-" if m is None else "%.3f" % m


def frange(rs):
    return "-" if not rs else "%.2f-%.2f" % (min(rs), max(rs))


def main():
    have = ["bare", "empty"]
    notes = []
    if os.path.exists(SHIM):
        have.append("shim")
        if DISK_RUNS and _shm:
            have.append("shimdisk")
    else:
        notes.append("shim column empty: %s not built yet" % SHIM)
    for tool, col in (("strace", "strace"), ("ltrace", "ltrace")):
        if TRACER_RUNS and shutil.which(tool):
            have.append(col)
    if CALLGRIND and not shutil.which("valgrind"):
        notes.append("callgrind column empty: valgrind not installed")
    env30 = fixed_env(31)
    env100 = fixed_env(100)
    ws = [w for w in WORKLOADS if not ONLY or w.name in ONLY]
    do_startup = not ONLY or "startup" in ONLY
    try:
        rev = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %cs", "--", "shim"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        rev = "?"
    results = {"runs": RUNS, "shim_rev": rev, "tracer_runs": TRACER_RUNS, "disk_runs": DISK_RUNS,
               "trace_root": {"shim": _shm or _tmp, "shimdisk": _tmp}, "shim_env": SHIM_ENV,
               "columns": have, "workloads": {},
               "machine": {"nproc": os.cpu_count(), "loadavg": open("/proc/loadavg").read().split()[:3]}}
    t_start = time.time()
    for w in ws:
        sys.stderr.write("bench: %-11s " % w.name)
        res, extra, trace = measure(w, env30, have)
        d = {"bare_s": med([r.secs for r in res["bare"] if r.ok]),
             "empty_bare": ratios(res["empty"], res["bare"]),
             "shim_empty": ratios(res["shim"], res["empty"]),
             "shim_bare": ratios(res["shim"], res["bare"]),
             "shimdisk_empty": ratios(res["shimdisk"], res["empty"]),
             "strace_bare": ratios(res["strace"], res["bare"]),
             "rss_bare_kb": med([r.rss_kb for r in res["bare"] if r.ok]),
             "rss_shim_kb": med([r.rss_kb for r in res["shim"] if r.ok]),
             "trace_bytes": trace[0] if trace else None, "trace_files": trace[1] if trace else None,
             "failed": sorted({c for c in COLS for r in res[c] if not r.ok})}
        if w.ltrace_argv:  # extrapolate: bare full + scale * (ltrace scaled - bare scaled)
            est = []
            for lt, bs_, full in zip(res["ltrace"], extra["ltrace_bare_scaled"], res["bare"]):
                if lt.ok and bs_.ok and full.ok:
                    est.append((full.secs + LTRACE_SCALE * (lt.secs - bs_.secs)) / full.secs)
            d["ltrace_bare"], d["ltrace_extrapolated"] = est, True
        else:
            d["ltrace_bare"] = ratios(res["ltrace"], res["bare"])
            if any(not r.ok and r.why.startswith("timeout") for r in res["ltrace"]):
                d["ltrace_timeout"] = True
        if CALLGRIND and w.cg_argv and shutil.which("valgrind"):
            sys.stderr.write(" callgrind")
            sys.stderr.flush()
            ir = {}
            for col in ("bare", "empty", "shim"):
                if col in have:
                    ir[col], f = callgrind(w.cg_argv, env30, col, w.name)
                    if col == "shim" and f:
                        d["shim_functions"] = shim_functions(f)
            d["ir"] = ir
            if ir.get("bare") and ir.get("shim"):
                d["ir_shim_bare"] = ir["shim"] / ir["bare"]
            if ir.get("bare") and ir.get("empty"):
                d["ir_empty_bare"] = ir["empty"] / ir["bare"]
        results["workloads"][w.name] = d
        sys.stderr.write(" %.0fs\n" % (time.time() - t_start))
    if do_startup:
        sys.stderr.write("bench: startup     ")
        results["startup"] = startup(env100, have)
        sys.stderr.write(" %.0fs\n" % (time.time() - t_start))
    if not ONLY or "fleet" in ONLY:
        sys.stderr.write("bench: fleet       ")
        results["fleet"] = fleet_row()
        sys.stderr.write(" %.0fs\n" % (time.time() - t_start))
    results["elapsed_s"] = time.time() - t_start
    text = report(results, ws, notes)
    print(text)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT + ".json", "w") as f:
        json.dump(results, f, indent=1, default=str)
    with open(OUT + ".txt", "w") as f:
        f.write(text + "\n")
    return 0


def fleet_row():
    """Fleet-scale read (bench/fleet.py): credtrace report (text) against jq -c . over the
    same files, in alternating rounds; wall time and peak RSS of each."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import fleet
    d = os.path.join(_tmp, "fleet")
    nbytes, nfiles = fleet.make(d)
    cli = os.path.join(ROOT, "build", "credtrace")
    argvs = {"report": [cli, "report", d],
             "jq": ["sh", "-c", "find \"$0\" -name '*.jsonl' -print0 | xargs -0 jq -c . >/dev/null", d]}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    res = {k: [] for k in argvs}
    for _ in range(RUNS):
        for k, argv in argvs.items():
            res[k].append(run(argv, env, timeout=max(TIMEOUT, 600)))
        sys.stderr.write(".")
        sys.stderr.flush()
    shutil.rmtree(d, ignore_errors=True)
    # The same processes with a quarter of the records each: memory that follows processes, not
    # records (issue 14), keeps about the same peak.
    qbytes, _ = fleet.make(d, max(1, fleet.KB // 4))
    q = run(argvs["report"], env, timeout=max(TIMEOUT, 600))
    shutil.rmtree(d, ignore_errors=True)
    ok = {k: [r for r in v if r.ok] for k, v in res.items()}
    return {"files": nfiles, "bytes": nbytes, "hosts": fleet.HOSTS,
            "quarter": {"bytes": qbytes, "rss_kb": q.rss_kb if q.ok else None, "secs": q.secs if q.ok else None},
            "secs": {k: med([r.secs for r in v]) for k, v in ok.items()},
            "rss_kb": {k: med([r.rss_kb for r in v]) for k, v in ok.items()},
            "report_jq": ratios(res["report"], res["jq"]),
            "failed": {k: [r.why for r in v if not r.ok][:1] for k, v in res.items()}}


N_START = 1000


def startup(env, have):
    """selfexec execs itself N_START times: the per-start difference between columns is the
    preload's start-up cost (mapping + relocation + constructor) with a 100-variable environment.
    Variants say where the time goes: traces on /tmp (disk) and without backtraces (no libunwind)."""
    cols = [c for c in ("bare", "empty", "shim", "shimdisk") if c in have]
    if "shim" in have:
        cols.append("shimnobt")
    res = {c: [] for c in cols}
    argv = [b("selfexec"), str(N_START)]
    for _ in range(RUNS):
        for col in cols:
            td = new_tracedir(col)
            res[col].append(run(argv, col_env(col, env, td)))
            if td:
                shutil.rmtree(td, ignore_errors=True)
        sys.stderr.write(".")
        sys.stderr.flush()

    def diff_us(a):
        return [(x.secs - y.secs) / N_START * 1e6 for x, y in zip(res[a], res["bare"]) if x.ok and y.ok]

    out = {"n": N_START, "vars": len(env),
           "bare_us": med([r.secs / N_START * 1e6 for r in res["bare"] if r.ok]),
           "minus_bare_us": {c: diff_us(c) for c in cols if c != "bare"}}
    if CALLGRIND and shutil.which("valgrind"):  # one start of the same tiny program, counted
        ir = {}
        for col in ("bare", "empty", "shim", "shimnobt"):
            if col in cols:
                ir[col], f = callgrind([b("selfexec"), "0"], env, col, "startup")
                if col == "shim" and f:
                    out["shim_functions"] = shim_functions(f)
        out["ir"] = ir
    return out


def report(R, ws, notes):
    L = []
    fmt = "%-11s %6s %6s %6s %-10s %6s %7s %7s %8s %6s %6s %9s %7s %s"
    hdr = fmt % ("workload", "bare s", "empty/", "shim/", "(min-max)", "shim/", "/tmp:", "strace/",
                 "ltrace/", "Ir", "Ir", "trace", "maxRSS", "budget")
    L.append(hdr)
    L.append(fmt % ("", "median", "bare", "empty", "", "bare", "shim/e", "bare", "bare", "empty/",
                    "shim/", "KB/files", "MB b>s", ""))
    L.append("-" * len(hdr))
    worst = None
    over = []
    for w in ws:
        d = R["workloads"][w.name]
        lt = fr(d["ltrace_bare"])
        if d.get("ltrace_extrapolated") and lt != "-":
            lt = "~%.0f*" % med(d["ltrace_bare"])
        elif d.get("ltrace_timeout"):
            lt = ">%gs" % TIMEOUT
        elif lt != "-":
            lt = "%.2f" % med(d["ltrace_bare"])
        tb = "-" if d["trace_bytes"] is None else "%d/%d" % (d["trace_bytes"] // 1024, d["trace_files"])
        rss = "%s>%s" % tuple("-" if v is None else "%.0f" % (v / 1024.0)
                              for v in (d["rss_bare_kb"], d["rss_shim_kb"]))
        verdict = "-"
        kind, limit = w.budget
        got = None
        if kind == "wall":
            got = med(d["shim_empty"])
            what = "wall vs empty"
        else:
            got = d.get("ir_shim_bare")
            what = "instructions vs bare"
        if got is not None:
            ok = got <= limit
            verdict = "%s %.2f<=%.2f" % ("ok" if ok else "OVER", got, limit)
            if not ok:
                over.append("%s: %.3fx %s (budget %.2fx)" % (w.name, got, what, limit))
        m = med(d["shim_empty"])
        if m is not None and (worst is None or m > worst[0]):
            worst = (m, w.name)
        fail = " FAILED:" + ",".join(d["failed"]) if d["failed"] else ""
        L.append(fmt % (
            w.name, "-" if d["bare_s"] is None else "%.3f" % d["bare_s"], fr(d["empty_bare"]),
            fr(d["shim_empty"]), frange(d["shim_empty"]), fr(d["shim_bare"]),
            "-" if not d["shimdisk_empty"] else "%.2f" % med(d["shimdisk_empty"]),
            "-" if not d["strace_bare"] else "%.2f" % med(d["strace_bare"]), lt,
            "-" if d.get("ir_empty_bare") is None else "%.3f" % d["ir_empty_bare"],
            "-" if d.get("ir_shim_bare") is None else "%.3f" % d["ir_shim_bare"],
            tb, rss, verdict + fail))
    L.append("-" * len(hdr))
    L.append("ratios: median of per-round paired ratios over %d rounds (strace, ltrace: %d; "
             "/tmp: %d); Ir: callgrind instruction counts of a smaller run, same for every column."
             % (R["runs"], R["tracer_runs"], R["disk_runs"]))
    L.append("shim: traces in %s; /tmp: traces in %s (one file created per traced process)%s" % (
        R["trace_root"]["shim"], R["trace_root"]["shimdisk"],
        "; shim env " + " ".join("%s=%s" % kv for kv in R["shim_env"].items()) if R["shim_env"] else ""))
    if any(R["workloads"][w.name].get("ltrace_extrapolated") for w in ws):
        L.append("* getenv_hot under ltrace ran 1/%d of its calls; the ratio is extrapolated "
                 "(bare + %d x (ltrace - bare) of the scaled run)." % (LTRACE_SCALE, LTRACE_SCALE))
    for w in ws:
        fns = R["workloads"][w.name].get("shim_functions")
        if fns:
            tot = R["workloads"][w.name]["ir"].get("shim") or 1
            L.append("shim in %s: %.1f%% of Ir; top (exclusive): %s" % (
                w.name, 100.0 * sum(x for x, _ in fns) / tot,
                "; ".join("%s %.1f%%" % (fn, 100.0 * ir / tot) for ir, fn in fns[:4])))
    fl = R.get("fleet")
    if fl:
        sec, rss = fl["secs"], fl["rss_kb"]
        L.append("fleet: %d files, %.0f MB, %d hosts; credtrace report (text) %s s (%s MB peak), "
                 "jq -c . %s s (%s MB); report/jq %s (%s)%s" % (
                     fl["files"], fl["bytes"] / 1e6, fl["hosts"],
                     "-" if sec["report"] is None else "%.2f" % sec["report"],
                     "-" if rss["report"] is None else "%.0f" % (rss["report"] / 1024.0),
                     "-" if sec["jq"] is None else "%.2f" % sec["jq"],
                     "-" if rss["jq"] is None else "%.0f" % (rss["jq"] / 1024.0),
                     fr(fl["report_jq"]), frange(fl["report_jq"]),
                     "".join(" FAILED %s: %s" % (k, v[0]) for k, v in fl["failed"].items() if v)))
        q = fl.get("quarter") or {}
        if q.get("rss_kb") and rss["report"]:
            L.append("fleet, same processes with 1/4 of the records (%.0f MB): report %.0f MB peak, %.2f of the "
                     "full fleet's (memory follows processes when near 1, records when near 0.25)" % (
                         q["bytes"] / 1e6, q["rss_kb"] / 1024.0, q["rss_kb"] / float(rss["report"])))
    s = R.get("startup")
    if s:
        def us(xs):
            return "-" if not xs else "%.0f us (%.0f..%.0f)" % (med(xs), min(xs), max(xs))
        mb = s["minus_bare_us"]
        L.append("start-up, %d vars, selfexec x%d, cost per process over bare (%s us/start):" % (
            s["vars"], s["n"], "-" if s["bare_us"] is None else "%.0f" % s["bare_us"]))
        L.append("  empty object %s; shim %s; shim, traces on /tmp %s; shim, no backtraces %s" % (
            us(mb.get("empty")), us(mb.get("shim")), us(mb.get("shimdisk")), us(mb.get("shimnobt"))))
        ir = s.get("ir") or {}
        if ir.get("bare") and ir.get("shim"):
            L.append("  instructions, one start: bare %d, empty %s, shim %d (+%d), no backtraces %s" % (
                ir["bare"], ir.get("empty"), ir["shim"], ir["shim"] - ir["bare"], ir.get("shimnobt")))
        if s.get("shim_functions"):
            tot = ir.get("shim") or 1
            L.append("  shim at start-up: %.1f%% of Ir; top (exclusive): %s" % (
                100.0 * sum(x for x, _ in s["shim_functions"]) / tot, "; ".join(
                    "%s %.1f%%" % (fn, 100.0 * x / tot) for x, fn in s["shim_functions"][:5])))
        if mb.get("shim"):
            m = med(mb["shim"])
            ok = m < 200
            L.append("budget start-up: %s %.0f us < 200 us" % ("ok" if ok else "OVER", m))
            if not ok:
                over.append("start-up: %.0f us per process with %d variables (budget 200 us)%s" % (
                    m, s["vars"], "" if not mb.get("shimdisk") else
                    "; %.0f us with traces on /tmp" % med(mb["shimdisk"])))
    for n in notes:
        L.append("note: " + n)
    L.append("load average at start: %s; %d CPUs; took %.0f s; shim/ at commit %s" % (
        " ".join(R["machine"]["loadavg"]), R["machine"]["nproc"], R["elapsed_s"], R["shim_rev"]))
    for o in over:
        L.append("OUT OF BUDGET: " + o)
    if worst:
        L.append("worst median shim/empty wall ratio: %.3f (%s)" % worst)
    else:
        L.append("worst median shim/empty wall ratio: n/a (no shim runs)")
    return "\n".join(L)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        _cleanup()
