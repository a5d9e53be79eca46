# SPDX-License-Identifier: MIT
# py_http: the traced side of py_http and py_https. N keep-alive POSTs with http.client over one
# connection to py_http_server.py, each with `Authorization: Bearer $OPENAI_API_KEY` as LLM clients
# send it (the shim looks at every request head). With CAFILE: HTTPS, the server's self-signed
# certificate trusted from CAFILE. Usage: python3 py_http.py PORT [N] [CAFILE] (default N 10000).
import http.client
import os
import ssl
import sys

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
if len(sys.argv) > 3:
    ctx = ssl.create_default_context(cafile=sys.argv[3])
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
else:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
headers = {"Authorization": "Bearer " + os.environ.get("OPENAI_API_KEY", ""),
           "Content-Type": "application/json"}
body = b'{"model":"gpt-4o-mini","messages":[]}'
for _ in range(n):
    conn.request("POST", "/v1/chat/completions", body=body, headers=headers)
    r = conn.getresponse()
    if r.status != 200 or not r.read():
        sys.exit("py_http: bad response")
conn.close()
