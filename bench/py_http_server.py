# SPDX-License-Identifier: MIT
# py_http_server: the untraced side of py_http. An HTTP/1.1 keep-alive server on 127.0.0.1 that
# answers every GET with a small body; prints its port on stdout once listening, then serves until
# killed. Usage: python3 py_http_server.py
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection carries every request of a run
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle and the client's delayed
    # ACK cost 40 ms per request.
    disable_nagle_algorithm = True
    body = b'{"ok":true}'

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
sys.stdout.close()
srv.serve_forever()
