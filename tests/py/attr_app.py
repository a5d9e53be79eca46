# SPDX-License-Identifier: MIT
# attr_app.py: credential reads in every form the adapter attributes, and bulk copies it must not
# report as reads (tests/cases/60-python-adapter.sh finds the lines by their @markers).
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attr_mod  # noqa: E402

A = os.environ["CT_A_API_KEY"]  # @a


def f():
    return os.getenv("CT_B_API_KEY")  # @b


class Settings:
    def load(self):
        return os.environ.get("CT_C_TOKEN")  # @c (absent)


def bulk():
    d = dict(os.environ)
    c = os.environ.copy()
    u = {**os.environ}
    i = [v for k, v in os.environ.items()]
    vs = list(os.environ.values())
    eq = os.environ == {}
    o = os.environ | {}
    return d, c, u, i, vs, eq, o


def thread_read():
    os.environ.get("CT_T_API_KEY")  # @t


f()
Settings().load()
bulk()
present = "CT_D_API_KEY" in os.environ  # @d
t = threading.Thread(target=thread_read)
t.start()
t.join()
os.environ.get("HOME")
pid = os.fork()
if pid == 0:
    os.environ.get("CT_E_API_KEY")  # @e
    os._exit(0)
os.waitpid(pid, 0)
