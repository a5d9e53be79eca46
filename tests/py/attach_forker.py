# SPDX-License-Identifier: MIT
# attach_forker.py STATE_DIR SECONDS: started without credtrace; forks a child that reads
# OPENAI_API_KEY every 50 ms and runs /bin/true every third round, counting rounds in STATE_DIR/count.
import os
import subprocess
import sys
import time

state, seconds = sys.argv[1], float(sys.argv[2])
rounds = 0
end = time.time() + seconds
while time.time() < end:
    pid = os.fork()
    if pid == 0:
        os.environ.get("OPENAI_API_KEY")
        os._exit(0)
    os.waitpid(pid, 0)
    if rounds % 3 == 0:
        subprocess.call(["/bin/true"])
    rounds += 1
    with open(os.path.join(state, "count.tmp"), "w") as f:
        f.write("%d\n" % rounds)
    os.replace(os.path.join(state, "count.tmp"), os.path.join(state, "count"))
    time.sleep(0.05)
