# SPDX-License-Identifier: MIT
# transparency.py: prints what a program can observe of os.environ; the output must be the same with
# and without the shim (tests/cases/60-python-adapter.sh). Prints no value, only facts about them.
import copy
import os
import pickle
import sys
import threading
import traceback

K = "OPENAI_API_KEY"  # present, a canary
M = "CT_MISSING_API_KEY"  # absent


def show(label, fn):
    try:
        print(label, repr(fn()))
    except Exception as e:  # the exception itself is part of the behaviour
        print(label, "raises", type(e).__name__, str(e))


env = os.environ
show("isinstance", lambda: isinstance(env, os._Environ))
show("type", lambda: type(env).__name__)
show("mro", lambda: [c.__name__ for c in type(env).__mro__])
show("instance attrs", lambda: sorted(vars(env)))
show("len", lambda: len(env) == len(list(env)))
show("dict", lambda: dict(env) == {k: env[k] for k in env})
show("copy method", lambda: (type(env.copy()).__name__, env.copy() == dict(env)))
show("copy.copy", lambda: (type(copy.copy(env)).__name__, dict(copy.copy(env)) == dict(env)))
show("unpack", lambda: {**env} == dict(env))
show("or", lambda: (env | {"A": "b"})["A"])
show("eq", lambda: env == dict(env))
show("pickle", lambda: pickle.dumps(env))
show("in present", lambda: K in env)
show("in missing", lambda: M in env)
show("iteration", lambda: sorted(k for k in env if k in (K, "HOME", "PATH")))
show("items", lambda: sorted(k for k, v in env.items() if k in (K, "HOME")))
show("values", lambda: len(list(env.values())) == len(env))
show("keys type", lambda: type(env.keys()).__name__)
show("repr", lambda: repr(env).startswith("environ({") and repr(env) == "environ(%r)" % dict(env))
show("get present len", lambda: len(env.get(K)))
show("get missing", lambda: env.get(M, "dflt"))
show("getenv", lambda: (len(os.getenv(K)), os.getenv(M)))
show("getitem missing", lambda: env[M])
show("getitem int", lambda: env[1])
show("getitem list", lambda: env[["x"]])
show("setdefault", lambda: (env.setdefault("CT_T_TOKEN", "v1"), env.setdefault("CT_T_TOKEN", "v2")))
show("pop", lambda: (env.pop("CT_T_TOKEN"), env.pop("CT_T_TOKEN", "gone")))
show("pop missing", lambda: env.pop(M))
show("set and del", lambda: (env.__setitem__("CT_U_TOKEN", "x"), env["CT_U_TOKEN"], env.__delitem__("CT_U_TOKEN"), M in env))
show("environb", lambda: (len(os.environb.get(K.encode())), os.environb.get(M.encode())))
show("surrogate value", lambda: (env.__setitem__("CT_S_TOKEN", "a\udcff"), env["CT_S_TOKEN"], env.pop("CT_S_TOKEN")))
try:
    env[M]
except KeyError:
    tb = traceback.format_exc()
print("traceback frames", [l.strip() for l in tb.splitlines() if l.strip().startswith("File")])


def worker(out, i):
    n = 0
    for _ in range(2000):
        n += len(env.get(K, "")) + len(env.get("HOME", "")) + (M in env)
    out[i] = n


out = [0] * 8
ts = [threading.Thread(target=worker, args=(out, i)) for i in range(8)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("threads", len(set(out)) == 1 and out[0] > 0)

try:
    import _xxsubinterpreters as interp
except ImportError:
    interp = None
if interp is not None:
    sid = interp.create()
    interp.run_string(sid, "import os\nassert isinstance(os.environ, os._Environ)\n"
                           "x = os.environ.get('OPENAI_API_KEY')\nd = dict(os.environ)\n")
    interp.destroy(sid)
    print("subinterpreter ok")

r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.write(w, ("%d %s" % (len(env[K]), env.get(M))).encode())
    os._exit(0)
os.close(w)
print("fork child", os.read(r, 100).decode())
os.waitpid(pid, 0)
print("modules", sorted(sys.modules))
sys.exit(3)
