# SPDX-License-Identifier: MIT
# ctwsgi.py: a WSGI app for gunicorn that reads its key at import time (the preload pattern).
import os

KEY = os.environ.get("OPENAI_API_KEY")  # @g


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
