#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# load.py: steady keep-alive HTTP load for the soak, bounded by time and request count.
"""load.py --port P --duration SECS [--max-requests N] [--threads T] [--rate R] [--fresh-every K]
        [--out FILE]

T threads (default 4), each with one keep-alive http.client connection to 127.0.0.1:P, send GET
requests at R requests per second in total (default 50: steady load, not a benchmark; the machine is
shared), every K-th to /fresh (default 10), the rest to /, until SECS have passed or N requests were
sent. A response other than 200, or a connection error (then the connection is reopened), is an
error. Writes (or prints) a JSON object: sent, ok, errors, errors by kind, reconnects, seconds,
latency p50/p99 in ms (information only: nothing asserts on time)."""
import argparse
import http.client
import json
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--max-requests", type=int, default=10 ** 9)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--fresh-every", type=int, default=10)
    ap.add_argument("--out")
    a = ap.parse_args()

    lock = threading.Lock()
    res = {"sent": 0, "ok": 0, "errors": 0, "kinds": {}, "reconnects": 0}
    lat = []
    start = time.monotonic()
    deadline = start + a.duration
    interval = a.threads / a.rate

    def take():
        with lock:
            if res["sent"] >= a.max_requests:
                return -1
            res["sent"] += 1
            return res["sent"]

    def err(kind):
        with lock:
            res["errors"] += 1
            res["kinds"][kind] = res["kinds"].get(kind, 0) + 1

    def run(k):
        conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        nxt = start + interval * k / a.threads  # threads spread over one interval
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            if nxt > now:
                time.sleep(nxt - now)
            nxt += interval
            n = take()
            if n < 0:
                break
            path = "/fresh" if a.fresh_every and n % a.fresh_every == 0 else "/"
            t0 = time.monotonic()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    with lock:
                        res["ok"] += 1
                        lat.append(time.monotonic() - t0)
                else:
                    err("http %d" % r.status)
                if r.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as e:
                err(type(e).__name__)
                conn.close()
                with lock:
                    res["reconnects"] += 1
        conn.close()

    ts = [threading.Thread(target=run, args=(k,)) for k in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    res["seconds"] = round(time.monotonic() - start, 1)
    lat.sort()
    res["p50_ms"] = round(lat[len(lat) // 2] * 1000, 2) if lat else None
    res["p99_ms"] = round(lat[int(len(lat) * 0.99)] * 1000, 2) if lat else None
    out = json.dumps(res)
    if a.out:
        with open(a.out, "w") as f:
            f.write(out + "\n")
    else:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
