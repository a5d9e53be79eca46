#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# gen.py: writes the golden input traces (tests/golden/<case>/trace/*.jsonl) in the trace format v1
# (docs/trace-format.md). Run it after changing a case here; the .jsonl files are committed, so review
# the diff. Values never appear: only lengths and made-up fingerprints.
import json, os, shutil, sys

T0 = 1764320000000000  # microseconds
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = {}


def case(fn):
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn


class P:
    """One process image: one trace file."""

    def __init__(self, host, pid, ppid, argv, exe=None, at=0, origin="exec", parent=None, gen=0,
                 runtime=None, nonce=None, kid=None):
        self.name = f"{host}.{pid}.{nonce or '%016x' % (pid * 7919 + at)}.jsonl"
        self.nonce = nonce or "%016x" % (pid * 7919 + at)
        self.host, self.pid, self.gen = host, pid, gen
        hdr = {"t": "hdr", "ts": T0 + at * 1000, "schema": "credtrace.trace/1", "pid": pid, "ppid": ppid,
               "host": host, "container": None, "nonce": self.nonce, "exe": exe or "/usr/bin/" + argv[0],
               "argv": argv, "origin": origin, "gen": gen, "threads": 1, "vars": 30, "secure": False,
               "bt": "libunwind", "fp": "hmac-sha256/48", "cap": 16777216, "shim": "0.1.0", "preload": True}
        if kid:
            hdr["kid"] = kid
        if parent:
            hdr["parent"] = {"pid": parent.pid, "nonce": parent.nonce, "threads": 1, "fork_ts": T0 + at * 1000}
        self.recs = [hdr]
        self.sub = None  # a subdirectory of trace/: several PATH arguments (40-golden.sh)
        self.rid = 0
        self.forks = 0
        if runtime:
            self.rec(at, "runtime", name="python", version="3.11.2", reads=runtime,
                     why=None if runtime == "audit-hook" else "no PySys_AddAuditHook: Python < 3.8 or embedded")

    def rec(self, at, t, **kw):
        r = {"t": t, "ts": T0 + at * 1000}
        r.update(kw)
        self.recs.append(r)
        return self

    def env(self, at, name, state="present", ln=164, flags=(), provider="openai", fp="3f9a0c11d2e4"):
        return self.rec(at, "env", **facts(name, state, ln, flags, provider, fp))

    def read(self, at, name, state="present", ln=164, flags=(), provider="openai", fp="3f9a0c11d2e4",
             site=None, fn="getenv"):
        self.rid += 1
        return self.rec(at, "read", fn=fn, **facts(name, state, ln, flags, provider, fp), rid=self.rid,
                        gen=self.gen, forks=self.forks, site=site or {"bt": "off"})

    def fork(self, at, child):
        self.forks += 1
        return self.rec(at, "fork", fn="fork", child=child, threads=1, gen=self.gen, forks=self.forks,
                        site={"py": {"file": "/usr/lib/python3/dist-packages/gunicorn/arbiter.py",
                                     "line": 589, "func": "spawn_worker", "module_level": False}})

    def os_environ(self, at, name, *args, site, **kw):
        """A read of os.environ in Python code: the audit hook's record, its site a Python frame."""
        return self.read(at, name, *args, site=site, fn="os.environ", **kw)

    def write(self, d):
        with open(os.path.join(d, self.name), "w") as f:
            for r in self.recs:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")


def python_proc(host, pid, ppid, script, **kw):
    """`python3 script` with the CPython adapter's audit hook (its reads are os.environ's)."""
    return P(host, pid, ppid, ["python3", script], runtime="audit-hook", **kw)


def facts(name, state, ln, flags, provider, fp):
    present = state == "present"
    return {"name": name, "state": state, "len": ln if state != "absent" else 0, "flags": list(flags),
            "provider": provider if present else None, "entropy": "high" if present else None,
            "fp": fp if present else ""}


def py(file, line, func="<module>", module_level=None):
    return {"py": {"file": file, "line": line, "func": func,
                   "module_level": func == "<module>" if module_level is None else module_level}}


NATIVE = {"frames": [[1, "0x1139"], [2, "0x2724a"]]}


def mods(p, at):
    p.rec(at, "mod", id=1, path="/opt/app/bin/client", build_id="0badc0de" * 5, base="0x55d1c2a00000")
    p.rec(at, "mod", id=2, path="/lib/x86_64-linux-gnu/libc.so.6", build_id="deadbeef" * 5,
          base="0x7f0000000000")


def vfork_child(par, at, pid):
    """A vfork child that execs: its own small file (origin vfork), written after its exec record."""
    vf = P(par.host, pid, par.pid, par.recs[0]["argv"], exe=par.recs[0]["exe"], at=at, origin="vfork",
           gen=par.gen + 1)
    vf.recs[0]["parent"] = {"pid": par.pid, "nonce": par.nonce}
    vf.recs[0]["ts"] += 200  # the header is written lazily, after the exec record
    vf.recs[0]["bt"] = "off: vfork child"
    return vf


def execrec(p, at, path, argv, child=None, fn="posix_spawn", env="custom", lost=(), preload=True,
            ok=True, site=None):
    r = {"fn": fn, "path": path, "argv": argv}
    if child is not None:
        r["child"] = child
    r.update({"env": env, "lost": list(lost), "emptied": [], "changed": [], "preload": preload,
              "ok": ok, "gen": p.gen, "forks": p.forks,
              "site": site or (py("/srv/app/jobs.py", 41, "run_job") if p.gen == 0 else {"bt": "vfork"})})
    return p.rec(at, "exec", **r)


# ---- CRED_MISSING ------------------------------------------------------------------------------------
@case
def missing_primary():
    """Compose: the api service has the key, the worker service does not; both are pid 1."""
    api = python_proc("api", 1, 0, "app.py", exe="/usr/bin/python3.11")
    api.env(0, "OPENAI_API_KEY").os_environ(50, "OPENAI_API_KEY", site=py("/srv/app/app.py", 7))
    wk = python_proc("worker", 1, 0, "worker.py", exe="/usr/bin/python3.11", at=5)
    wk.os_environ(60, "OPENAI_API_KEY", "absent", site=py("/srv/app/worker.py", 8, "make_client"))
    return [api, wk]


@case
def missing_optional_probe():
    """The official OpenAI JS client probes OPENAI_ADMIN_KEY and OPENAI_WEBHOOK_SECRET: info only."""
    n = P("web", 300, 1, ["node", "index.js"])
    mods(n, 1)
    n.env(0, "OPENAI_API_KEY").read(20, "OPENAI_API_KEY", site=NATIVE)
    n.read(21, "OPENAI_ADMIN_KEY", "absent", site=NATIVE).read(22, "OPENAI_WEBHOOK_SECRET", "absent", site=NATIVE)
    return [n]


@case
def missing_feature_off():
    """LangGraph.js with LangSmith tracing off: langsmith reads LANGSMITH_API_KEY, then LANGCHAIN_API_KEY
    (utils/env.ts), both absent; the key is needed only when tracing is on: info, never an error."""
    n = P("web", 310, 1, ["node", "graph.js"])
    mods(n, 1)
    n.env(0, "OPENAI_API_KEY").read(20, "OPENAI_API_KEY", site=NATIVE)
    n.read(21, "LANGSMITH_API_KEY", "absent", site=NATIVE).read(22, "LANGCHAIN_API_KEY", "absent", site=NATIVE)
    return [n]


@case
def missing_feature_on():
    """The same with LANGSMITH_TRACING=true in the parent (a "feature" record) and a forked worker that
    inherits it: LANGSMITH_API_KEY is an error; LANGCHAIN_API_KEY, its other name, stays info."""
    n = P("web", 320, 1, ["node", "graph.js"])
    mods(n, 1)
    n.env(0, "OPENAI_API_KEY").rec(0, "feature", name="langsmith_tracing", on=True)
    n.fork(10, 321)
    w = P("web", 321, 320, ["node", "graph.js"], at=10, origin="fork", parent=n, gen=1)
    mods(w, 11)
    w.read(21, "LANGSMITH_API_KEY", "absent", site=NATIVE).read(22, "LANGCHAIN_API_KEY", "absent", site=NATIVE)
    return [n, w]


@case
def missing_fallback_neg():
    """A fallback chain read in order: Azure's AD token absent, then the API key present (openai-python
    lib/azure.py); google-genai reads GOOGLE_API_KEY and GEMINI_API_KEY, one is enough. Nothing."""
    p = python_proc("api", 330, 1, "app.py")
    p.env(0, "AZURE_OPENAI_API_KEY", ln=32, provider=None).env(0, "GEMINI_API_KEY", ln=39, provider="google")
    p.os_environ(20, "AZURE_OPENAI_AD_TOKEN", "absent", site=py("/srv/app/app.py", 5))
    p.os_environ(21, "AZURE_OPENAI_API_KEY", ln=32, provider=None, site=py("/srv/app/app.py", 5))
    p.os_environ(22, "GOOGLE_API_KEY", "absent", site=py("/srv/app/app.py", 6))
    p.os_environ(23, "GEMINI_API_KEY", ln=39, provider="google", site=py("/srv/app/app.py", 6))
    return [p]


@case
def missing_alternative_satisfied():
    """Anthropic's client reads ANTHROPIC_API_KEY (absent) while ANTHROPIC_AUTH_TOKEN is set but read
    earlier: either is enough (info, satisfied); PPLX_API_KEY and PERPLEXITY_API_KEY both absent: the
    primary is the error, the older name info."""
    p = python_proc("api", 340, 1, "app.py")
    p.env(0, "ANTHROPIC_AUTH_TOKEN", ln=108, provider="anthropic")
    p.os_environ(20, "ANTHROPIC_AUTH_TOKEN", ln=108, provider="anthropic", site=py("/srv/app/app.py", 5))
    p.os_environ(21, "ANTHROPIC_API_KEY", "absent", site=py("/srv/app/app.py", 5))
    p.os_environ(22, "PPLX_API_KEY", "absent", site=py("/srv/app/app.py", 9))
    p.os_environ(23, "PERPLEXITY_API_KEY", "absent", site=py("/srv/app/app.py", 9))
    return [p]


@case
def empty_cites_host():
    """An empty OPENAI_API_KEY read by a process that then connected to api.openai.com (peer_host from the
    getaddrinfo hook) and to a database: the finding cites the OpenAI connection, not the database's."""
    p = python_proc("api", 350, 1, "app.py")
    p.env(0, "OPENAI_API_KEY", "empty", ln=0)
    p.os_environ(20, "OPENAI_API_KEY", "empty", ln=0, site=py("/srv/app/app.py", 5))
    p.rec(30, "connect", fd=7, ino=4401, type="stream", family="inet", peer="203.0.113.7:443",
          peer_host="api.openai.com", ok=True, errno=0, gen=0, forks=0, site={"bt": "off"})
    p.rec(31, "connect", fd=8, ino=4402, type="stream", family="inet", peer="10.0.0.5:5432",
          peer_host="db.internal", ok=True, errno=0, gen=0, forks=0, site={"bt": "off"})
    return [p]


@case
def clean():
    """Negative twin of most cases: one service, key present and read."""
    p = python_proc("api", 10, 1, "app.py")
    p.env(0, "OPENAI_API_KEY").env(0, "ANTHROPIC_API_KEY", ln=108, provider="anthropic", fp="7c1d22aa0b31")
    p.os_environ(30, "OPENAI_API_KEY", site=py("/srv/app/app.py", 9, "handler"))
    return [p]


def setrec(p, at, name, state="present", ln=164, prev="absent", site=None, fn="setenv", ok=True, errno=None):
    r = {"fn": fn, **facts(name, state, ln, [], "openai", "3f9a0c11d2e4"),
         "prev": {"state": prev, "len": 164 if prev == "present" else 0,
                  "fp": "3f9a0c11d2e4" if prev == "present" else ""}, "ok": ok}
    if errno is not None:
        r["errno"] = errno
    return p.rec(at, "set", **r, gen=p.gen, forks=p.forks, site=site or {"bt": "off"})


DOTENV = py("/usr/lib/python3/dist-packages/dotenv/main.py", 97, "set_as_environment_variables")


@case
def missing_dotenv():
    """python-dotenv's load_dotenv: "if not already set" reads the key (absent), then sets it; and
    node --env-file: getenv finds each variable absent, then setenv at the same time. Neither is
    CRED_MISSING: the process answered the read itself (CRED_SET_AT_RUNTIME says so)."""
    p = python_proc("box", 920, 1, "app.py")
    p.os_environ(20, "OPENAI_API_KEY", "absent", site=py("/usr/lib/python3/dist-packages/dotenv/main.py", 95,
                                                   "set_as_environment_variables"))
    setrec(p, 20, "OPENAI_API_KEY", site=DOTENV)
    p.os_environ(30, "OPENAI_API_KEY", site=py("/srv/app/app.py", 11))
    n = P("box", 930, 1, ["node", "--env-file=.env", "index.js"])
    n.read(5, "ANTHROPIC_API_KEY", "absent")
    setrec(n, 5, "ANTHROPIC_API_KEY", ln=108)
    return [p, n]


@case
def missing_dotenv_too_late():
    """The worker was spawned before the parent's load_dotenv set the key: the worker's absent read is
    CRED_MISSING; the parent's own dotenv read is not."""
    p = python_proc("box", 940, 1, "app.py")
    execrec(p, 10, "/usr/bin/python3", ["python3", "worker.py"], child=941, env="inherit")
    p.os_environ(20, "OPENAI_API_KEY", "absent", site=py("/usr/lib/python3/dist-packages/dotenv/main.py", 95,
                                                   "set_as_environment_variables"))
    setrec(p, 20, "OPENAI_API_KEY", site=DOTENV)
    w = python_proc("box", 941, 940, "worker.py", at=11)
    w.os_environ(40, "OPENAI_API_KEY", "absent", site=py("/srv/app/worker.py", 8, "make_client"))
    # A later setenv that failed answers nothing.
    setrec(w, 41, "OPENAI_API_KEY", ok=False)
    return [p, w]


# ---- CRED_EMPTY -------------------------------------------------------------------------------------
@case
def empty_inherited():
    p = python_proc("worker", 20, 1, "worker.py")
    p.env(0, "OPENAI_API_KEY", "empty", ln=0)
    p.os_environ(10, "OPENAI_API_KEY", "empty", ln=0, site=py("/srv/app/settings.py", 14))
    return [p]


# ---- CRED_NAME_MISMATCH -----------------------------------------------------------------------------
@case
def name_mismatch():
    p = python_proc("worker", 30, 1, "worker.py")
    p.env(0, "OPEN_AI_API_KEY")
    p.os_environ(10, "OPENAI_API_KEY", "absent", site=py("/srv/app/llm.py", 3))
    return [p]


@case
def name_mismatch_neg():
    """Two related but distinct names, both set: no near miss."""
    p = python_proc("worker", 31, 1, "worker.py")
    p.env(0, "OPENAI_API_KEY").env(0, "AZURE_OPENAI_API_KEY", ln=32, provider=None, fp="aa00bb11cc22")
    p.os_environ(10, "OPENAI_API_KEY", site=py("/srv/app/llm.py", 3))
    return [p]


# ---- CRED_LOST_ON_EXEC ------------------------------------------------------------------------------
@case
def lost_spawn_read():
    """The parent spawns a worker with an explicit environment that lacks the key; the worker reads it."""
    par = python_proc("box", 4200, 1, "app.py")
    par.env(0, "OPENAI_API_KEY")
    execrec(par, 100, "/usr/bin/python3", ["python3", "worker.py"], child=4201, lost=["OPENAI_API_KEY"])
    kid = python_proc("box", 4201, 4200, "worker.py", at=101)
    kid.os_environ(150, "OPENAI_API_KEY", "absent", site=py("/srv/app/worker.py", 12))
    return [par, kid]


@case
def lost_fork_exec():
    """fork + execve in the child: the spawning parent is named first, then the child."""
    par = python_proc("box", 4400, 1, "app.py")
    par.env(0, "OPENAI_API_KEY").fork(100, 4401)
    fk = P("box", 4401, 4400, ["python3", "app.py"], at=100, origin="fork", parent=par, gen=1)
    execrec(fk, 101, "/opt/app/bin/client", ["client"], fn="execve", lost=["OPENAI_API_KEY"],
            site={"bt": "fresh-fork"})
    img = P("box", 4401, 4400, ["client"], exe="/opt/app/bin/client", at=102)
    mods(img, 102)
    img.read(110, "OPENAI_API_KEY", "absent", site=NATIVE)
    return [par, fk, img]


@case
def lost_vfork_untraced():
    """subprocess (vfork) with env={} that also drops LD_PRELOAD: the child is not traced."""
    par = python_proc("box", 4300, 1, "app.py")
    par.env(0, "OPENAI_API_KEY")
    vf = vfork_child(par, 100, 4301)
    execrec(vf, 100, "/usr/bin/python3", ["python3", "job.py"], fn="execve", lost=["OPENAI_API_KEY"],
            preload=False)
    return [par, vf]


@case
def lost_minimal_env():
    """A child deliberately started with a minimal environment that never needs the key: info."""
    par = python_proc("box", 4500, 1, "app.py")
    par.env(0, "OPENAI_API_KEY")
    vf = vfork_child(par, 100, 4501)
    execrec(vf, 100, "/usr/bin/git", ["git", "rev-parse", "HEAD"], fn="execve", lost=["OPENAI_API_KEY"])
    git = P("box", 4501, 4500, ["git", "rev-parse", "HEAD"], at=101)
    return [par, git, vf]


@case
def lost_blind_child():
    """The child is Python without read attribution: never described as 'did not read'."""
    par = P("box", 4600, 1, ["node", "server.js"])
    par.env(0, "OPENAI_API_KEY")
    mods(par, 99)
    execrec(par, 100, "/usr/bin/python3", ["python3", "task.py"], child=4601, lost=["OPENAI_API_KEY"],
            site=NATIVE)
    kid = P("box", 4601, 4600, ["python3", "task.py"], exe="/usr/bin/python3.11", at=101)
    return [par, kid]


@case
def lost_vfork_read():
    """subprocess.run(env={...}) without the key: vfork + execve, the new image reads it. pids: the
    vfork parent (it chose the environment), then the exec'd image (the vfork child's pid)."""
    par = python_proc("box", 4800, 1, "app.py")
    par.env(0, "OPENAI_API_KEY")
    vf = vfork_child(par, 100, 4801)
    execrec(vf, 100, "/usr/bin/python3", ["python3", "job.py"], fn="execve", lost=["OPENAI_API_KEY"])
    job = python_proc("box", 4801, 4800, "job.py", at=101)
    job.os_environ(130, "OPENAI_API_KEY", "absent", site=py("/srv/app/job.py", 4))
    return [par, vf, job]


NODE_FORK = {"frames": [[1, "0x18b5ecb"], [1, "0xdcfc23"]]}


@case
def lost_fork_libuv():
    """Node's child_process.fork(..., {env: {...}}) without the key: libuv forks, the child assigns
    environ = options.env and calls execvp; the new node image reads process.env and finds it absent.
    pids: the Node parent (it chose the environment), then the child."""
    par = P("box", 5200, 1, ["node", "server.js"])
    par.env(0, "OPENAI_API_KEY").read(10, "OPENAI_API_KEY")
    par.rec(50, "fork", fn="fork", child=5201, threads=7, gen=0, forks=1, site={"bt": "off"})
    par.forks = 1
    fk = P("box", 5201, 5200, ["node", "server.js"], at=50, origin="fork", parent=par, gen=1)
    fk.recs[0]["parent"]["threads"] = 7
    execrec(fk, 50, "/usr/bin/node", ["node", "server.js", "child"], fn="execvp", lost=["OPENAI_API_KEY"],
            site={"bt": "fresh-fork"})
    img = P("box", 5201, 5200, ["node", "server.js", "child"], at=80)
    img.read(120, "OPENAI_API_KEY", "absent")
    return [par, fk, img]


@case
def lost_fork_environ():
    """An older shim: the libuv fork child's environ assignment is a set (fn environ, absent) before an
    exec with env inherit and nothing in lost. The report folds the set into the exec: the parent chose
    an environment without the key (and the set is not CRED_SET_AT_RUNTIME)."""
    par = P("box", 5300, 1, ["node", "server.js"])
    par.env(0, "OPENAI_API_KEY")
    par.rec(50, "fork", fn="fork", child=5301, threads=7, gen=0, forks=1, site={"bt": "off"})
    par.forks = 1
    fk = P("box", 5301, 5300, ["node", "server.js"], at=50, origin="fork", parent=par, gen=1)
    setrec(fk, 50, "OPENAI_API_KEY", "absent", prev="present", fn="environ", site={"bt": "fresh-fork"})
    execrec(fk, 50, "/usr/bin/node", ["node", "server.js", "child"], fn="execvp", env="inherit",
            site={"bt": "fresh-fork"})
    img = P("box", 5301, 5300, ["node", "server.js", "child"], at=80)
    img.read(120, "OPENAI_API_KEY", "absent")
    return [par, fk, img]


@case
def lost_fork_parent_untraced():
    """Only the fork child's files were collected (the parent's trace is on another volume): pids still
    name the parent first, from the child's header."""
    par = python_proc("box", 5400, 1, "app.py")
    fk = P("box", 5401, 5400, ["python3", "app.py"], at=50, origin="fork", parent=par, gen=1)
    execrec(fk, 51, "/opt/app/bin/client", ["client"], fn="execve", lost=["OPENAI_API_KEY"],
            site={"bt": "fresh-fork"})
    img = P("box", 5401, 5400, ["client"], exe="/opt/app/bin/client", at=52)
    img.read(60, "OPENAI_API_KEY", "absent")
    return [fk, img]


@case
def lost_neg():
    """The child inherits the environment: nothing lost."""
    par = python_proc("box", 4700, 1, "app.py")
    par.env(0, "OPENAI_API_KEY")
    execrec(par, 100, "/usr/bin/python3", ["python3", "worker.py"], child=4701, env="inherit")
    kid = python_proc("box", 4701, 4700, "worker.py", at=101)
    kid.env(101, "OPENAI_API_KEY").os_environ(150, "OPENAI_API_KEY", site=py("/srv/app/worker.py", 12))
    return [par, kid]


# ---- Not seen ----------------------------------------------------------------------------------------
@case
def notseen_vfork():
    """A Python without its adapter (reads hidden: said once) runs git through subprocess (vfork +
    exec). The vfork child is an exec helper: it ran no code, so it hides no reads. Neither does a
    vfork child whose parent's file was not collected. A Python fork child whose parent left no trace
    but whose reads are attributed (os.environ) is not blind either."""
    par = P("box", 5500, 1, ["python3", "tool.py"], exe="/usr/bin/python3.11", runtime="none")
    par.env(0, "OPENAI_API_KEY")
    vf = vfork_child(par, 100, 5501)
    execrec(vf, 100, "/usr/bin/git", ["git", "status"], fn="execve", env="inherit")
    git = P("box", 5501, 5500, ["git", "status"], at=101)
    git.env(101, "OPENAI_API_KEY")
    ghost = python_proc("box", 5600, 1, "other.py", exe="/usr/bin/python3.11")
    vf2 = vfork_child(ghost, 200, 5601)
    execrec(vf2, 200, "/usr/bin/git", ["git", "log"], fn="execve", env="inherit")
    git2 = P("box", 5601, 5600, ["git", "log"], at=201)
    fk = P("box", 5701, 5700, ["python3", "worker.py"], exe="/usr/bin/python3.11", at=300, origin="fork",
           parent=P("box", 5700, 1, ["python3", "worker.py"]), gen=1)
    fk.os_environ(310, "OPENAI_API_KEY", site=py("/srv/app/worker.py", 9, "task"))
    # Two images that did run code with no adapter record: one reason, listed once with both pids.
    fk2 = P("box", 5801, 5800, ["python3", "job.py"], exe="/usr/bin/python3.11", at=400, origin="fork",
            parent=P("box", 5800, 1, ["python3", "job.py"]), gen=1)
    plain = P("box", 5900, 1, ["python3", "cron.py"], exe="/usr/bin/python3.11", at=500)
    return [par, vf, git, vf2, git2, fk, fk2, plain]


# ---- text output ---------------------------------------------------------------------------------------
@case
def text_escape():
    """node -e with a script of several lines, a tab and a terminal escape sequence in argv: the text
    report shows them as \\n, \\t, \\x1b (the JSON report keeps the strings); UTF-8 stays as it is, but
    a bidirectional override (U+202E) is shown as its bytes."""
    n = P("box", 6000, 1, ["node", "-e", "const k = process.env.OPENAI_API_KEY;\n\tif (!k) throw 1;\x1b[2J",
                           "caf\u00e9 \u65e5\u672c \u202eevil"], exe="/usr/bin/node")
    n.read(10, "OPENAI_API_KEY", "absent")
    return [n]


# ---- SOCKET_REUSED_AFTER_FORK -----------------------------------------------------------------------
def conn(p, at, ino, fd=5, peer="127.0.0.1:8080", typ="stream"):
    return p.rec(at, "connect", fd=fd, ino=ino, type=typ, family="inet", peer=peer, ok=True, errno=0, gen=p.gen,
                 forks=p.forks, site=py("/usr/lib/python3/dist-packages/httpx/_transports/default.py", 232,
                                        "handle_request", False))


def use(p, at, ino, owner, op="send", role="child", fd=5, peer="127.0.0.1:8080"):
    return p.rec(at, "use", fd=fd, ino=ino, op=op, role=role, owner=owner, peer=peer, gen=p.gen,
                 site=py("/srv/app/tasks.py", 30, "call_llm"))


@case
def socket_shared():
    """A connection made before the fork is used by two workers: error."""
    m = python_proc("box", 500, 1, "server.py")
    conn(m, 10, 9001)
    m.fork(100, 501).fork(110, 502)
    w1 = P("box", 501, 500, ["python3", "server.py"], at=100, origin="fork", parent=m, gen=1)
    w2 = P("box", 502, 500, ["python3", "server.py"], at=110, origin="fork", parent=m, gen=1)
    use(w1, 140, 9001, 500)
    use(w2, 150, 9001, 500, op="recv")
    return [m, w1, w2]


@case
def socket_one_child():
    """The parent closed the socket right after forking and one child used it: warning, not error."""
    m = python_proc("box", 600, 1, "server.py")
    conn(m, 10, 9002)
    m.fork(100, 601)
    m.rec(101, "close", fd=5, ino=9002, role="parent", gen=0)
    w = P("box", 601, 600, ["python3", "server.py"], at=100, origin="fork", parent=m, gen=1)
    use(w, 140, 9002, 600)
    return [m, w]


@case
def socket_attach_held():
    """credtrace attach on a worker only: it held a socket its parent holds too (made before the fork,
    connect not seen) and used it after the attach: warning, pids the parent and the worker."""
    w = P("box", 701, 700, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", origin="attach",
          runtime="audit-hook")
    w.rec(1, "held", fd=7, ino=9301, family="inet", peer="127.0.0.1:8443", inherited=True, owner=700)
    w.rec(2, "attach", what="start", slots=52, hooks=53, children=False, env_changed=False)
    use(w, 50, 9301, 700, fd=7, peer="127.0.0.1:8443")
    w.rec(90, "attach", what="detach", slots=52)
    return [w]


@case
def socket_attach_held_neg():
    """credtrace attach: a socket the worker made itself (the parent does not hold it) and used, and an
    inherited one it never used while attached: nothing."""
    w = P("box", 711, 710, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", origin="attach",
          runtime="audit-hook")
    w.rec(1, "held", fd=7, ino=9311, family="inet", peer="127.0.0.1:8443", inherited=False, owner=711)
    w.rec(1, "held", fd=8, ino=9312, family="inet", peer="127.0.0.1:8443", inherited=True, owner=710)
    w.rec(2, "attach", what="start", slots=52, hooks=53, children=False, env_changed=False)
    w.rec(90, "attach", what="detach", slots=52)
    return [w]


@case
def socket_listener_neg():
    """gunicorn: an inherited listening socket and accepted connections are the pre-fork design. The
    shim does not track them; the workers' own client sockets are connected after the fork."""
    m = P("box", 650, 1, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", runtime="audit-hook")
    m.fork(100, 651).fork(101, 652)
    out = [m]
    for pid, at in ((651, 100), (652, 101)):
        w = P("box", pid, 650, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", at=at, origin="fork",
              parent=m, gen=1)
        conn(w, at + 50, 9100 + pid, fd=9, peer="127.0.0.1:8443")
        out.append(w)
    return out


@case
def socket_accepted_neg():
    """An accepted connection handed to a forked handler, and a datagram socket used by the child."""
    m = python_proc("box", 660, 1, "forkserver.py")
    conn(m, 10, 9200, fd=7, peer="127.0.0.1:53", typ="dgram")
    m.fork(100, 661)
    h = P("box", 661, 660, ["python3", "forkserver.py"], at=100, origin="fork", parent=m, gen=1)
    use(h, 120, 9200, 660, fd=7, peer="127.0.0.1:53")
    return [m, h]


# ---- CRED_DIVERGENT ---------------------------------------------------------------------------------
@case
def divergent():
    """Same trace directory (one key), two services with different values of the key."""
    a = python_proc("api", 1, 0, "app.py")
    a.env(0, "OPENAI_API_KEY", fp="3f9a0c11d2e4")
    b = python_proc("worker", 1, 0, "worker.py", at=3)
    b.env(3, "OPENAI_API_KEY", fp="9b1c7e00f4a2")
    return [a, b]


@case
def divergent_neg():
    """Same value everywhere; a host with another fingerprint key is not compared."""
    a = python_proc("api", 1, 0, "app.py", kid="a1b2c3d4e5f6")
    a.env(0, "OPENAI_API_KEY", fp="3f9a0c11d2e4")
    b = python_proc("worker", 1, 0, "worker.py", at=3, kid="a1b2c3d4e5f6")
    b.env(3, "OPENAI_API_KEY", fp="3f9a0c11d2e4")
    c = python_proc("batch", 1, 0, "batch.py", at=4, kid="0f0f0f0f0f0f")
    c.env(4, "OPENAI_API_KEY", fp="55aa55aa55aa")
    return [a, b, c]


def under(sub, *ps):
    for p in ps:
        p.sub = sub
    return list(ps)


@case
def divergent_kid():
    """Two hosts collected apart (two PATH arguments) that share one CREDTRACE_KEY_FILE: the same kid in
    both headers, so their fingerprints are compared although they come from different inputs."""
    a = python_proc("api", 1, 0, "app.py", kid="41104bc4")
    a.env(0, "OPENAI_API_KEY", fp="3f9a0c11d2e4")
    b = python_proc("worker", 1, 0, "worker.py", at=3, kid="41104bc4")
    b.env(3, "OPENAI_API_KEY", fp="9b1c7e00f4a2")
    # A process under another key (its own CREDTRACE_KEY_FILE) is compared with nobody; the evidence
    # names the key of each fingerprint since there are two.
    c = python_proc("api", 2, 0, "admin.py", at=4, kid="77aa0011")
    c.env(4, "OPENAI_API_KEY", fp="0123456789ab")
    return under("api", a, c) + under("worker", b)


@case
def divergent_mixed_kid():
    """One trace directory; one file has a kid, the other was written by a shim without it: the key id is
    missing on one side, so they are compared as before, by input."""
    a = python_proc("api", 1, 0, "app.py", kid="41104bc4")
    a.env(0, "OPENAI_API_KEY", fp="3f9a0c11d2e4")
    b = python_proc("worker", 1, 0, "worker.py", at=3)
    b.env(3, "OPENAI_API_KEY", fp="9b1c7e00f4a2")
    return [a, b]


@case
def divergent_kid_neg():
    """Different keys never compare: two files of one directory with different kids (one used its own
    CREDTRACE_KEY_FILE), and a second input whose files have another kid or none (compared only with
    files of their own input)."""
    a = python_proc("api", 1, 0, "app.py", kid="41104bc4")
    a.env(0, "OPENAI_API_KEY", fp="3f9a0c11d2e4")
    a2 = python_proc("api", 2, 0, "admin.py", at=1, kid="77aa0011")
    a2.env(1, "OPENAI_API_KEY", fp="0123456789ab")
    b = python_proc("batch", 1, 0, "batch.py", at=4, kid="c0ffee00")
    b.env(4, "OPENAI_API_KEY", fp="55aa55aa55aa")
    old = python_proc("batch", 2, 0, "legacy.py", at=5)
    old.env(5, "OPENAI_API_KEY", fp="55aa55aa55aa")
    return under("api", a, a2) + under("batch", b, old)


# ---- CRED_MALFORMED ---------------------------------------------------------------------------------
@case
def malformed_newline():
    """A key written into a secret with echo: trailing newline."""
    p = python_proc("worker", 40, 1, "worker.py")
    p.env(0, "OPENAI_API_KEY", ln=165, flags=["newline"], fp="1212abab3434")
    p.os_environ(10, "OPENAI_API_KEY", ln=165, flags=["newline"], fp="1212abab3434", site=py("/srv/app/llm.py", 3))
    return [p]


@case
def malformed_foreign():
    """An Anthropic key in OPENAI_API_KEY, and quotes kept from a .env file."""
    p = python_proc("worker", 41, 1, "worker.py")
    p.env(0, "OPENAI_API_KEY", ln=108, flags=["foreign_prefix"], provider="anthropic", fp="77aa88bb99cc")
    p.env(0, "ANTHROPIC_API_KEY", ln=110, flags=["quoted"], provider=None, fp="12ab34cd56ef")
    return [p]


# ---- CRED_READ_BEFORE_FORK --------------------------------------------------------------------------
@case
def read_before_fork():
    """gunicorn --preload: the client is built at import time in the master; workers do the calls."""
    m = P("api", 700, 1, ["gunicorn", "--preload", "app:app"], exe="/usr/bin/python3.11", runtime="audit-hook")
    m.env(0, "OPENAI_API_KEY")
    m.os_environ(40, "OPENAI_API_KEY", site=py("/srv/app/app.py", 5))
    m.fork(1200, 701).fork(1210, 702)
    out = [m]
    for pid, at in ((701, 1200), (702, 1210)):
        w = P("api", pid, 700, ["gunicorn", "--preload", "app:app"], exe="/usr/bin/python3.11", at=at,
              origin="fork", parent=m, gen=1)
        conn(w, at + 300, 9300 + pid, fd=11, peer="127.0.0.1:8443")
        out.append(w)
    return out


@case
def read_before_fork_silent():
    """celery prefork: the main process reads the key at import time and forks two pool workers that
    record nothing of their own (no trace file): the parent's fork records name them."""
    m = P("wk", 720, 1, ["python3", "-m", "celery", "-A", "tasks", "worker"], exe="/usr/bin/python3.11",
          runtime="audit-hook")
    m.env(0, "OPENAI_API_KEY")
    m.os_environ(40, "OPENAI_API_KEY", site=py("/srv/app/tasks.py", 4))
    m.fork(900, 721).fork(910, 722)
    return [m]


@case
def read_before_fork_neg():
    """Each worker builds its client after the fork; a subprocess child that execs is not a worker."""
    m = P("api", 710, 1, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", runtime="audit-hook")
    m.env(0, "OPENAI_API_KEY")
    m.os_environ(40, "OPENAI_API_KEY", site=py("/srv/app/config.py", 5))
    m.fork(1200, 711).fork(1300, 712)
    w = P("api", 711, 710, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", at=1200, origin="fork", parent=m,
          gen=1)
    w.os_environ(1250, "OPENAI_API_KEY", site=py("/srv/app/app.py", 20, "post_fork"))
    s = P("api", 712, 710, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", at=1300, origin="fork", parent=m,
          gen=1)
    execrec(s, 1301, "/usr/bin/git", ["git", "describe"], fn="execve", env="inherit", site={"bt": "fresh-fork"})
    g = P("api", 712, 710, ["git", "describe"], at=1302)
    g.env(1302, "OPENAI_API_KEY")
    return [m, w, s, g]


# ---- fork children: their credentials at start are the parent's at the fork -------------------------
@case
def fork_inherit_neg():
    """gunicorn without --preload: the master has the key at start and forks a worker, which reads it
    after the fork and forks a process that reads it too. Fork children have no env records (their
    memory is the parent's): the tree shows the key present in both, inherited at the fork, and
    nothing is raised (no CRED_MISSING)."""
    m = P("api", 720, 1, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", runtime="audit-hook")
    m.env(0, "OPENAI_API_KEY")
    m.fork(1200, 721)
    w = P("api", 721, 720, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", at=1200, origin="fork", parent=m,
          gen=1)
    w.os_environ(1250, "OPENAI_API_KEY", site=py("/srv/app/app.py", 20, "post_fork"))
    w.fork(1300, 722)
    g = P("api", 722, 721, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", at=1300, origin="fork", parent=w,
          gen=2)
    g.os_environ(1350, "OPENAI_API_KEY", site=py("/srv/app/tasks.py", 12, "run"))
    return [m, w, g]


@case
def fork_inherit_set():
    """The master's dotenv overrides the key (setenv) before it forks, and unsets it after: the worker
    starts with the overriding value (its read is no change during its life) and keeps it. The empty
    and the malformed variable the worker inherits are reported once, where they come from (the
    master), plus the worker's own empty read."""
    m = P("api", 730, 1, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", runtime="audit-hook")
    m.env(0, "OPENAI_API_KEY").env(0, "ANTHROPIC_API_KEY", "empty", ln=0)
    m.env(0, "GROQ_API_KEY", ln=57, flags=["newline"], provider="groq", fp="5e5e0a1b2c3d")
    m.rec(20, "set", fn="setenv", **facts("OPENAI_API_KEY", "present", 164, [], "openai", "9b1e7f3300aa"),
          prev={"state": "present", "len": 164, "fp": "3f9a0c11d2e4"}, ok=True, gen=0, forks=0, site=DOTENV)
    m.fork(100, 731)
    m.rec(150, "set", fn="unsetenv", **facts("OPENAI_API_KEY", "absent", 0, [], None, ""),
          prev={"state": "present", "len": 164, "fp": "9b1e7f3300aa"}, ok=True, gen=0, forks=1,
          site=py("/srv/app/master.py", 30, "drop_secrets"))
    w = P("api", 731, 730, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", at=100, origin="fork", parent=m,
          gen=1)
    w.os_environ(200, "OPENAI_API_KEY", fp="9b1e7f3300aa", site=py("/srv/app/app.py", 20, "post_fork"))
    w.os_environ(210, "ANTHROPIC_API_KEY", "empty", ln=0, site=py("/srv/app/app.py", 21, "post_fork"))
    return [m, w]


@case
def name_mismatch_fork():
    """A fork child reads OPENAI_API_KEY and finds it absent; the parent it was forked from has
    OPEN_AI_API_KEY, and so has the child: CRED_NAME_MISMATCH for the child, not CRED_MISSING."""
    m = P("worker", 740, 1, ["celery", "-A", "app", "worker"], exe="/usr/bin/python3.11", runtime="audit-hook")
    m.env(0, "OPEN_AI_API_KEY")
    m.fork(500, 741)
    c = P("worker", 741, 740, ["celery", "-A", "app", "worker"], exe="/usr/bin/python3.11", at=500,
          origin="fork", parent=m, gen=1)
    c.os_environ(600, "OPENAI_API_KEY", "absent", site=py("/srv/app/tasks.py", 8, "make_client"))
    return [m, c]


# ---- UNTRACED_PROCESS -------------------------------------------------------------------------------
@case
def untraced_static():
    """A static binary keeps LD_PRELOAD but loads no preload: no file."""
    p = python_proc("box", 800, 1, "deploy.py")
    p.env(0, "OPENAI_API_KEY")
    execrec(p, 50, "/usr/local/bin/static-tool", ["static-tool", "sync"], child=801, env="inherit")
    return [p]


@case
def untraced_neg():
    p = python_proc("box", 810, 1, "deploy.py")
    p.env(0, "OPENAI_API_KEY")
    execrec(p, 50, "/usr/bin/tool", ["tool", "sync"], child=811, env="inherit")
    t = P("box", 811, 810, ["tool", "sync"], at=51)
    t.env(51, "OPENAI_API_KEY")
    return [p, t]


# ---- CRED_SET_AT_RUNTIME ----------------------------------------------------------------------------
@case
def set_at_runtime():
    """python-dotenv's load_dotenv() sets the key from a .env file."""
    p = python_proc("box", 900, 1, "app.py")
    setrec(p, 20, "OPENAI_API_KEY", site=DOTENV)
    p.os_environ(30, "OPENAI_API_KEY", site=py("/srv/app/app.py", 11))
    return [p]


@case
def set_at_runtime_neg():
    """A failed setenv changes nothing."""
    p = python_proc("box", 910, 1, "app.py")
    p.env(0, "OPENAI_API_KEY")
    setrec(p, 20, "OPENAI_API_KEY", prev="present", ok=False, errno=22)
    return [p]


# ---- KEY_REJECTED, KEY_SENT_DIFFERS -----------------------------------------------------------------
def cred_facts(state="present", ln=164, flags=(), provider="openai", fp="3f9a0c11d2e4"):
    f = facts("x", state, ln, flags, provider, fp)
    del f["name"]
    return f


def wire(p, at, t="wire", status=None, cred=None, match="OPENAI_API_KEY", var="OPENAI_API_KEY",
         var_env=None, n=(1, 0, 0, 0, 0), conn=1, ino=918273, tls=True, hdr="authorization"):
    r = {"conn": conn, "tls": tls, "fd": 5, "ino": ino, "peer": "10.0.0.7:443", "host": "api.openai.com",
         "api": "openai"}
    if status:
        r["status"] = status
    r.update({"hdr": hdr, "cred": cred if cred is not None else cred_facts(), "match": match, "var": var,
              "var_env": var_env if var_env is not None else cred_facts(),
              "n": dict(zip(("req", "2xx", "401", "403", "other"), n))})
    return p.rec(at, t, **r)


@case
def key_stale():
    """A client built at import time with the key of the moment; a .env loaded later replaces the key;
    the client still sends the old one and gets 401 twice: KEY_REJECTED and KEY_SENT_DIFFERS (error),
    with the import-time read that had the sent fingerprint."""
    p = python_proc("box", 1010, 1, "app.py")
    p.env(0, "OPENAI_API_KEY", fp="aaaaaaaaaaaa")
    p.os_environ(5, "OPENAI_API_KEY", fp="aaaaaaaaaaaa", site=py("/srv/app/app.py", 3))
    setrec(p, 8, "OPENAI_API_KEY", prev="present", site=py("/usr/lib/python3/dist-packages/dotenv/main.py", 98, "set_as_environment_variables", False))
    old, now = cred_facts(fp="aaaaaaaaaaaa"), cred_facts(fp="3f9a0c11d2e4")
    wire(p, 20, cred=old, match=None, var_env=now)
    wire(p, 21, "wire_status", 401, cred=old, match=None, var_env=now, n=(1, 0, 1, 0, 0))
    wire(p, 22, "wire_status", 401, cred=old, match=None, var_env=now, n=(2, 0, 2, 0, 0))
    return [p]


@case
def key_stale_neg():
    """The healthy twin: the key sent is the environment's and the server answers 200: nothing."""
    p = python_proc("box", 1020, 1, "app.py")
    p.env(0, "OPENAI_API_KEY")
    p.os_environ(5, "OPENAI_API_KEY", site=py("/srv/app/app.py", 3))
    wire(p, 20)
    return [p]


@case
def key_rejected_forked():
    """gunicorn --preload: a worker sends the environment's own key through the connection its parent
    made before the fork, and the server answers 403: KEY_REJECTED naming the inherited connection,
    next to SOCKET_REUSED_AFTER_FORK."""
    par = P("box", 1030, 1, ["gunicorn", "app:app"], exe="/usr/bin/python3", runtime="audit-hook")
    par.env(0, "OPENAI_API_KEY")
    conn(par, 5, 918273, peer="10.0.0.7:443")
    par.fork(10, 1031)
    ch = P("box", 1031, 1030, ["gunicorn", "app:app"], exe="/usr/bin/python3", at=10, origin="fork",
           parent=par, gen=1)
    use(ch, 20, 918273, 1030, peer="10.0.0.7:443")
    wire(ch, 21)
    wire(ch, 22, "wire_status", 403, n=(1, 0, 0, 1, 0))
    return [par, ch]


def main():
    only = sys.argv[1:]
    for name, fn in CASES.items():
        if only and name not in only:
            continue
        d = os.path.join(HERE, name, "trace")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for p in fn():
            os.makedirs(os.path.join(d, p.sub or ""), exist_ok=True)
            p.write(os.path.join(d, p.sub or ""))
        with open(os.path.join(HERE, name, "README"), "w") as f:
            f.write((fn.__doc__ or name).strip() + "\n")


if __name__ == "__main__":
    main()
