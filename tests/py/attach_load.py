# SPDX-License-Identifier: MIT
# attach_load.py PORT STATE_DIR: a steady load driver for the gunicorn attach test: one request at a
# time, a new connection each, until STATE_DIR/stop exists; writes "ok failed" to STATE_DIR/count.
import http.client
import os
import sys
import time

port, state = int(sys.argv[1]), sys.argv[2]
ok = failed = 0
while not os.path.exists(os.path.join(state, "stop")):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/")
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status == 200 and body == b"ok\n":
            ok += 1
        else:
            failed += 1
    except Exception:
        failed += 1
    with open(os.path.join(state, "count.tmp"), "w") as f:
        f.write("%d %d\n" % (ok, failed))
    os.replace(os.path.join(state, "count.tmp"), os.path.join(state, "count"))
    time.sleep(0.002)
