# SPDX-License-Identifier: MIT
# py_http: the traced side of py_http. N keep-alive GET requests with http.client over one
# connection to py_http_server.py. Usage: python3 py_http.py PORT [N] (default 10000).
import http.client
import sys

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
for _ in range(n):
    conn.request("GET", "/v1/models")
    r = conn.getresponse()
    if r.status != 200 or not r.read():
        sys.exit("py_http: bad response")
conn.close()
