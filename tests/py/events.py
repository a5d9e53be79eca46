# SPDX-License-Identifier: MIT
# events.py: libc calls made from Python (setenv, unsetenv, fork, spawn, connect) that the adapter
# attributes to the Python line through the audit hook and ct_g_pysite.
import os
import socket
import subprocess


def go():
    os.environ["CT_EV_API_KEY"] = "changed-value"  # @set
    del os.environ["CT_EV_API_KEY"]  # @unset
    subprocess.run(["/bin/true"])  # @spawn
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", 9))  # @connect
    except OSError:
        pass
    s.close()
    pid = os.fork()  # @fork
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


go()
