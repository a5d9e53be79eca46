#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# gen_snap.py: golden input traces of `credtrace snap -o` (origin "snap", "sock" records;
# docs/trace-format.md, Snapshots), written with gen.py's helpers. Run it after changing a case here.
import sys

import gen
from gen import P, T0


def snap(p, netns="net:[4026531840]", environ=True, forked=False, unreadable=None, parent=None):
    """Turns a P into a snapshot process: origin snap, the "snap" header object."""
    h = p.recs[0]
    for k in ("gen", "threads", "secure", "bt", "cap", "shim", "preload"):
        h.pop(k, None)
    h["origin"] = "snap"
    h["kid"] = "1a2b3c4d"
    if parent:
        h["parent"] = {"pid": parent.pid, "nonce": parent.nonce}
    h["snap"] = {"uid": 1000, "environ": environ, "unreadable": unreadable, "ts": T0 + 500000,
                 "forked": forked, "netns": netns, "other_sockets": 0}
    return p


def sock(p, fd, ino, role, local, peer, state="established"):
    p.rec(500, "sock", fd=fd, ino=ino, type="stream", family="inet", state=state, role=role, local=local,
          peer=peer)


@gen.case
def snap_socket_shared():
    """snap of gunicorn --preload: the import-time client's connection is held by the master and both
    workers (error), a second one by the master and one worker (warning); the listener and an
    accepted connection held by several processes raise nothing."""
    m = snap(P("box", 700, 1, ["gunicorn", "app:app"], exe="/usr/bin/python3.11"))
    m.env(0, "OPENAI_API_KEY")
    out = [m]
    for pid, at in ((701, 100), (702, 110)):
        w = snap(P("box", pid, 700, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", at=at),
                 forked=True, parent=m)
        w.env(0, "OPENAI_API_KEY")
        out.append(w)
    for p in out:
        sock(p, 3, 7001, "client", "127.0.0.1:46158", "10.0.0.5:443")
        sock(p, 6, 7000, "listen", "0.0.0.0:8000", "0.0.0.0:0", state="listen")
        if p.pid != 700:
            sock(p, 9, 7002, "accepted", "127.0.0.1:8000", "127.0.0.1:51000")
    sock(m, 4, 7003, "client", "127.0.0.1:46160", "10.0.0.6:6379")
    sock(out[1], 4, 7003, "client", "127.0.0.1:46160", "10.0.0.6:6379")
    return out


@gen.case
def snap_socket_neg():
    """snap of a pre-fork server whose workers built their clients after the fork: the listener and
    an accepted connection are shared by design, each client socket is held by one process."""
    m = snap(P("box", 710, 1, ["gunicorn", "app:app"], exe="/usr/bin/python3.11"))
    out = [m]
    for pid, at in ((711, 100), (712, 110)):
        out.append(snap(P("box", pid, 710, ["gunicorn", "app:app"], exe="/usr/bin/python3.11", at=at),
                        forked=True, parent=m))
    for p in out:
        sock(p, 6, 7100, "listen", "0.0.0.0:8000", "0.0.0.0:0", state="listen")
        sock(p, 9, 7101, "accepted", "127.0.0.1:8000", "127.0.0.1:51000")
        if p.pid != 710:
            sock(p, 3, 7100 + p.pid, "client", "127.0.0.1:%d" % (40000 + p.pid), "10.0.0.5:443")
    return out


@gen.case
def snap_missing():
    """Three replicas of one program in a snapshot: one started without OPENAI_API_KEY (error); one
    whose environment could not be read is not counted as lacking it."""
    a = snap(P("box", 720, 1, ["python3", "worker.py"]))
    a.env(0, "OPENAI_API_KEY")
    b = snap(P("box", 721, 1, ["python3", "worker.py"], at=10))
    c = snap(P("box", 722, 1, ["python3", "worker.py"], at=20), environ=False,
             unreadable="environ: permission denied: another user's process (uid 1001); run as that "
                        "user, as root, or with CAP_SYS_PTRACE")
    return [a, b, c]


@gen.case
def snap_missing_neg():
    """Two programs in a snapshot, only one of which has the key; and a replica that cannot be read."""
    a = snap(P("box", 730, 1, ["python3", "api.py"]))
    a.env(0, "OPENAI_API_KEY")
    b = snap(P("box", 731, 1, ["python3", "cron.py"], at=10))
    c = snap(P("box", 732, 1, ["python3", "api.py"], at=20), environ=False, unreadable="exited during the snapshot (environ)")
    return [a, b, c]


if __name__ == "__main__":
    sys.argv[1:] = [n for n in gen.CASES if n.startswith("snap-")]
    gen.main()
