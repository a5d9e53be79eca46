# SPDX-License-Identifier: MIT
# watch_live.py GO: a traced process that keeps running (85-watch): it connects, waits for the file
# GO, then forks a child that writes on the inherited connection (SOCKET_REUSED_AFTER_FORK), writes
# on it itself, creates GO.forked and waits for GO.stop.
import os
import socket
import sys
import time


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.05)


go = sys.argv[1]
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(4)
conn = socket.create_connection(listener.getsockname())
peer, _ = listener.accept()
conn.sendall(b"a")
wait_for(go)
pid = os.fork()
if pid == 0:
    conn.sendall(b"b")
    os._exit(0)
os.waitpid(pid, 0)
conn.sendall(b"c")
open(go + ".forked", "w").close()
wait_for(go + ".stop")
