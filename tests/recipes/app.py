# SPDX-License-Identifier: MIT
# app.py: the recipes' WSGI and ASGI app (tests/cases/55-recipes.sh): a client made and warmed up at
# import time against the fake API (OPENAI_BASE_URL), as real apps do; make_client() is what the
# documented fix calls in each worker instead.
import os

import requests


def make_client():
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + os.environ.get("OPENAI_API_KEY", "")
    s.get(os.environ["OPENAI_BASE_URL"] + "/models", timeout=30)
    return s


client = make_client()


def call():
    return client.get(os.environ["OPENAI_BASE_URL"] + "/models", timeout=30).status_code


def app(environ, start_response):  # WSGI (gunicorn)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"%d\n" % call()]


async def asgi(scope, receive, send):  # ASGI (uvicorn)
    if scope["type"] != "http":
        return
    status = call()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"%d\n" % status})
