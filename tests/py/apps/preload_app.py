# SPDX-License-Identifier: MIT
# preload_app.py: gunicorn --preload app with a module-level client warmed up at import: every
# worker inherits the client and its open keep-alive connection (the import-time client bug).
import os

import requests

BASE = os.environ["OPENAI_BASE_URL"]
KEY = os.environ.get("OPENAI_API_KEY", "")  # @key
session = requests.Session()
WARM = session.get(BASE + "/models", headers={"Authorization": "Bearer " + KEY}, timeout=30).status_code


def app(environ, start_response):
    status = session.get(BASE + "/models", headers={"Authorization": "Bearer " + KEY}, timeout=30).status_code
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"%d\n" % status]
