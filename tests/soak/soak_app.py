# SPDX-License-Identifier: MIT
# soak_app.py: the WSGI app of the soak: calls the fake model API over keep-alive, with a seeded bug.
"""Served by gunicorn with --preload (tests/soak/gunicorn_conf.py). The seeded finding is the
import-time client of most tutorials: this module reads OPENAI_API_KEY and opens a keep-alive
connection to the API when it is imported, which --preload does in the master, before the workers
are forked. Each worker then sends one request on that inherited connection (one worker at a time,
under a file lock, so the seeded bug never makes the soak itself flaky): credtrace must report
SOCKET_REUSED_AFTER_FORK and CRED_READ_BEFORE_FORK. After that each worker uses a pool of its own
connections, built in post_worker_init, one per gunicorn thread.

Paths: / (a chat call on a pooled connection), /fresh (a chat call on a new connection, closed after:
one `connect` record per call, which is what fills a trace up to its cap). A failed upstream call is
answered 502 and counted. Each worker writes its counters to SOAK_STATS_DIR/<pid>.json every 2 s and
at exit."""
import fcntl
import http.client
import json
import os
import queue
import threading
import time
import urllib.parse

BASE = urllib.parse.urlsplit(os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"))
KEY = os.environ.get("OPENAI_API_KEY", "")  # read at import time: in the master under --preload
STATS_DIR = os.environ.get("SOAK_STATS_DIR", "")
THREADS = int(os.environ.get("SOAK_THREADS", "2"))
BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "ping"}]})


class Client:
    """One keep-alive connection, as pooled API clients keep. A connection the server closed while
    idle is reopened once (clients retry that case too) and counted as a reconnect."""

    def __init__(self):
        self.conn = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=30)
        self.reconnects = 0

    def call(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}
        for attempt in (0, 1):
            try:
                self.conn.request(method, BASE.path.rstrip("/") + path, body=body, headers=headers)
                resp = self.conn.getresponse()
                resp.read()
                return resp.status
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                if attempt:
                    raise
                self.reconnects += 1
        return 0

    def close(self):
        self.conn.close()


# The seeded bug: built and connected at import time, before the fork.
shared = Client()
shared.call("GET", "/models")

stats = {"pid": 0, "requests": 0, "errors": 0, "reconnects": 0, "shared_use": None, "exc": {}}
lock = threading.Lock()
pool = queue.Queue()
last_write = [0.0]


def write_stats():
    if not STATS_DIR:
        return
    with lock:
        st = dict(stats, reconnects=stats["reconnects"] + sum(c.reconnects for c in list(pool.queue)))
    path = os.path.join(STATS_DIR, "%d.json" % os.getpid())
    with open(path + ".tmp", "w") as f:
        json.dump(st, f)
    os.replace(path + ".tmp", path)


def worker_init():
    """In each worker (gunicorn's post_worker_init): one call on the inherited connection, then the
    worker's own pool, connected now so that the worker's descriptors do not change under load."""
    stats["pid"] = os.getpid()
    with open(os.path.join(STATS_DIR or "/tmp", "shared.lock"), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        try:
            stats["shared_use"] = shared.call("GET", "/models")
        except OSError as e:
            stats["shared_use"] = type(e).__name__
    for _ in range(THREADS):
        c = Client()
        c.call("GET", "/models")
        pool.put(c)
    write_stats()


def count(ok, exc=None):
    with lock:
        stats["requests"] += 1
        if not ok:
            stats["errors"] += 1
        if exc:
            stats["exc"][exc] = stats["exc"].get(exc, 0) + 1
    now = time.monotonic()
    if now - last_write[0] > 2:
        last_write[0] = now
        write_stats()


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    status, exc = 0, None
    try:
        if path == "/fresh":
            c = Client()
            try:
                status = c.call("POST", "/chat/completions", BODY)
            finally:
                c.close()
        else:
            c = pool.get()
            try:
                status = c.call("POST", "/chat/completions", BODY)
            finally:
                pool.put(c)
    except Exception as e:  # noqa: BLE001: every failure is counted, none may kill the worker
        exc = type(e).__name__
    ok = status == 200
    count(ok, exc)
    body = b"ok\n" if ok else b"upstream failed\n"
    start_response("200 OK" if ok else "502 Bad Gateway",
                   [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
