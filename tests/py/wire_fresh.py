# SPDX-License-Identifier: MIT
# wire_fresh.py PORT N: a client that opens a new connection per request (http.client), the way a
# worker without a pooled client does: N POSTs with OPENAI_API_KEY's value, one with WIRE_OTHER's
# (another key: the server refuses it), then 5 more with OPENAI_API_KEY's. Prints the statuses as
# "200xN 401 200x5". Used by tests/cases/63-wire-agg.sh; never prints a key.
import http.client
import os
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])


def post(key):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/v1/chat/completions", body=b'{"model": "m", "messages": []}',
              headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    st = c.getresponse().status
    c.close()
    return st


def run(key, k):
    sts = [post(key) for _ in range(k)]
    return "%dx%d" % (sts[0], k) if len(set(sts)) == 1 else " ".join(map(str, sts))


good = os.environ["OPENAI_API_KEY"]
print(run(good, n), run(os.environ["WIRE_OTHER"], 1).split("x")[0], run(good, 5))
