#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# fake_api.py: a loopback stand-in for an OpenAI-style API (HTTP/1.1 keep-alive), for tests and the demo.
"""Answers POST /v1/chat/completions and GET /v1/models with 200 when the request carries
`Authorization: Bearer <key>` for the key given at start, else 401 with OpenAI's error body (without
the masked key that the real API echoes: that is how keys leak into logs). The same key is accepted in
`x-api-key` (Anthropic, LangSmith) and `x-goog-api-key` (Google) for the other SDKs' shapes:
POST /v1/messages (Anthropic), POST /v1beta/models/M:generateContent (Gemini), and LangSmith's
GET /info and POST /runs... (tests/node/sdk_app.js). The key is compared in
constant time and never printed or logged.

  fake_api.py [--port N|0] [--port-file F] (--key-file F | --key-env VAR) [--log F]
              [--tls-cert PEM --tls-key PEM]

With --tls-cert and --tls-key it speaks HTTPS (HTTP/1.1 over TLS, no ALPN h2) with that certificate,
e.g. a self-signed one made by the openssl CLI at test time; clients trust it with SSL_CERT_FILE or
their verify option.

With --port 0 (the default) the kernel picks a free port; it is printed as the first line of stdout
or written to --port-file. --log appends one JSON line per request: connection number, request
number on that connection, method, path, status and auth outcome (ok, wrong, missing, malformed).
GET /_stats (no auth) gives the same counts. Exits on SIGTERM, SIGINT, or when its parent dies.
"""
import argparse
import hmac
import json
import os
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UNAUTHORIZED = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                          "param": None, "code": "invalid_api_key"}}
NO_KEY = {"error": {"message": "You didn't provide an API key. You need to provide your API key in an "
                               "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "type": "invalid_request_error", "param": None, "code": None}}


class State:
    def __init__(self, key, log):
        self.key = key.encode()
        self.log = log
        self.lock = threading.Lock()
        self.conns = 0
        self.per_conn = {}  # connection number -> requests served on it

    def new_conn(self):
        with self.lock:
            self.conns += 1
            self.per_conn[self.conns] = 0
            return self.conns

    def count(self, conn, entry):
        with self.lock:
            self.per_conn[conn] += 1
            entry["req"] = self.per_conn[conn]
            if self.log:
                self.log.write(json.dumps(entry) + "\n")
                self.log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: what pooled clients (httpx, requests, Node agents) use
    timeout = 60                   # an idle kept-alive connection is closed after this
    server_version = "fake-api/1"

    def setup(self):
        super().setup()
        self.conn_no = self.server.state.new_conn()

    def log_message(self, fmt, *args):  # the default writes every request line to stderr
        pass

    def auth(self):
        h = self.headers.get("Authorization")
        other = self.headers.get("x-api-key") or self.headers.get("x-goog-api-key")
        if h is None and other is None:
            return "missing"
        if h is not None and not h.startswith("Bearer "):
            return "malformed"
        got = h[7:] if h is not None else other
        # compare_digest: the time taken does not depend on how much of the key matched.
        return "ok" if hmac.compare_digest(got.encode(), self.server.state.key) else "wrong"

    def reply(self, status, body, outcome):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.server.state.count(self.conn_no, {"conn": self.conn_no, "method": self.command,
                                               "path": self.path, "status": status, "auth": outcome})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def authorized(self):
        outcome = self.auth()
        if outcome != "ok":
            self.reply(401, NO_KEY if outcome == "missing" else UNAUTHORIZED, outcome)
            return False
        return True

    def do_GET(self):
        if self.path == "/_stats":
            with self.server.state.lock:
                st = {"connections": self.server.state.conns,
                      "per_conn": {str(k): v for k, v in self.server.state.per_conn.items()}}
            self.reply(200, st, "none")
        elif self.path.split("?")[0] == "/info":  # LangSmith's server info probe
            self.reply(200, {"version": "fake", "batch_ingest_config": {}}, "none")
        elif self.path == "/v1/models":
            if self.authorized():
                self.reply(200, {"object": "list", "data": [
                    {"id": "gpt-4o-mini", "object": "model", "owned_by": "fake"}]}, "ok")
        else:
            self.reply(404, {"error": {"message": "not found", "type": "invalid_request_error"}}, "none")

    def do_POST(self):
        req = self.body()
        path = self.path.split("?")[0]
        if path in ("/v1/messages", "/runs", "/runs/batch", "/runs/multipart") or \
                (path.startswith("/v1beta/models/") and path.endswith(":generateContent")):
            if req is None and not path.startswith("/runs"):  # LangSmith's multipart is not JSON
                self.reply(400, {"error": {"message": "body is not JSON"}}, "none")
            elif self.authorized():
                self.reply(200, other_reply(path, req or {}), "ok")
        elif self.path != "/v1/chat/completions":
            self.reply(404, {"error": {"message": "not found", "type": "invalid_request_error"}}, "none")
        elif req is None:
            self.reply(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}},
                       "none")
        elif self.authorized():
            self.reply(200, {
                "id": "chatcmpl-fake-%d-%d" % (self.conn_no, self.server.state.per_conn[self.conn_no] + 1),
                "object": "chat.completion", "created": int(time.time()),
                "model": req.get("model", "gpt-4o-mini"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "ok"}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}, "ok")


def other_reply(path, req):
    """The smallest success body each SDK accepts."""
    if path == "/v1/messages":
        return {"id": "msg_fake", "type": "message", "role": "assistant", "model": req.get("model", "m"),
                "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
                "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}
    if path.startswith("/v1beta/"):
        return {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]},
                                "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}}
    return {}  # LangSmith run ingestion


def read_key(args):
    if args.key_file:
        with open(args.key_file) as f:
            key = f.read()
        # One trailing newline is how `echo >file` stores a key; the server is not what is under test.
        key = key[:-1] if key.endswith("\n") else key
    else:
        key = os.environ.get(args.key_env, "")
    if not key:
        sys.exit("fake_api: the key is empty or missing")
    return key


def watch_parent(ppid):
    # Tests and the demo always stop the server, but a killed test must not leave it running.
    while os.getppid() == ppid:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def main():
    ap = argparse.ArgumentParser(description="loopback OpenAI-style API stand-in")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--key-file")
    g.add_argument("--key-env", help="name of an environment variable holding the key")
    ap.add_argument("--log")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    log = open(args.log, "a") if args.log else None
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        ctx.set_alpn_protocols(["http/1.1"])
        # The handshake runs in the handler's thread (first read), not in accept: a stuck client
        # cannot block the others.
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    srv.state = State(read_key(args), log)
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)  # readers never see a half-written file
    else:
        print(port, flush=True)

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
