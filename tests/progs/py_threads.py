# SPDX-License-Identifier: MIT
# py_threads: a threaded CPython program for the TSan case: a loopback HTTP server thread, eight
# client threads reading os.environ and making requests, and a fork whose child reads the key.
import http.server
import os
import socket
import threading


class Quiet(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
threading.Thread(target=srv.serve_forever, daemon=True).start()


def work():
    for _ in range(30):
        os.environ.get("OPENAI_API_KEY")
        os.getenv("PATH")
        s = socket.create_connection(srv.server_address)
        s.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
        s.recv(100)
        s.close()


threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
pid = os.fork()
if pid == 0:
    os.environ.get("OPENAI_API_KEY")
    os._exit(0)
os.waitpid(pid, 0)
for t in threads:
    t.join()
srv.shutdown()
print("ok")
