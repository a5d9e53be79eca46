# SPDX-License-Identifier: MIT
# snap_httpx_app.py: a gunicorn app with an httpx client, for the `credtrace snap` tests.
# SNAP_CLIENT=import (default): the client is built and warmed up at import, so under --preload its
# pooled keep-alive connection is inherited by every worker (the import-time client bug).
# SNAP_CLIENT=post_fork: each worker builds its own in gunicorn's post_fork hook (snap_httpx_conf.py).
import os

import httpx

BASE = os.environ["OPENAI_BASE_URL"]
KEY = os.environ.get("OPENAI_API_KEY", "")
client = None


def make_client():
    global client
    client = httpx.Client(base_url=BASE, headers={"Authorization": "Bearer " + KEY}, timeout=30)
    client.get("/models")


if os.environ.get("SNAP_CLIENT", "import") == "import":
    make_client()


def app(environ, start_response):
    status = client.get("/models").status_code
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"%d %d\n" % (status, os.getpid())]
