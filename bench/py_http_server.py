# SPDX-License-Identifier: MIT
# py_http_server: the untraced side of py_http. An HTTP/1.1 keep-alive server on 127.0.0.1 that
# answers every GET and POST with a small body; prints its port on stdout once listening, then serves
# until killed. With CERT and KEY it speaks HTTPS. Usage: python3 py_http_server.py [CERT KEY]
import http.server
import ssl
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

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) > 2:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
sys.stdout.close()
srv.serve_forever()
