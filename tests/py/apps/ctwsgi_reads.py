# SPDX-License-Identifier: MIT
# ctwsgi_reads.py: a WSGI app that reads its key on every request (the attach tests' worker).
import os


def app(environ, start_response):
    key = os.environ.get("OPENAI_API_KEY")  # @r
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n" if key else b"no key\n"]
