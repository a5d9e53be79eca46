# SPDX-License-Identifier: MIT
# attach_worker.py PORT STATE_DIR SECONDS: started without credtrace. Connects to the fake API, then
# forks; the child (the worker) keeps sending requests on the parent's connection and reading
# OPENAI_API_KEY from os.environ, counting its successful requests in STATE_DIR/count. Every tenth
# request also reads a new credential name, so a traced worker keeps producing new records.
import http.client
import os
import sys
import time

port, state, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
conn.connect()  # before the fork: the bug under test
pid = os.fork()
if pid:
    with open(os.path.join(state, "child.tmp"), "w") as f:
        f.write(str(pid))
    os.replace(os.path.join(state, "child.tmp"), os.path.join(state, "child"))
    os.waitpid(pid, 0)
    sys.exit(0)

ok = failed = 0
end = time.time() + seconds
while time.time() < end:
    key = os.environ.get("OPENAI_API_KEY")
    conn.request("GET", "/v1/models", headers={"Authorization": "Bearer " + (key or "")})
    resp = conn.getresponse()
    resp.read()
    if resp.status == 200:
        ok += 1
    else:
        failed += 1
    os.environ.get("PROBE%d_API_KEY" % (ok // 10))
    with open(os.path.join(state, "count.tmp"), "w") as f:
        f.write("%d %d\n" % (ok, failed))
    os.replace(os.path.join(state, "count.tmp"), os.path.join(state, "count"))
    time.sleep(0.005)
