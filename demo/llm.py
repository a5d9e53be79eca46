# SPDX-License-Identifier: MIT
# llm.py: a minimal OpenAI-style client (stdlib http.client), written the way real clients behave.
"""Like the official clients, LLMClient takes its key from OPENAI_API_KEY when it is built and keeps
one pooled keep-alive connection to the API. Both facts are what breaks when it is built in a parent
process and used in forked workers, or built in a process whose environment lacks the key."""
import http.client
import json
import os
import urllib.parse


class APIError(Exception):
    def __init__(self, status, message):
        super().__init__("%d %s" % (status, message))
        self.status = status


class LLMClient:
    def __init__(self, api_key, base_url):
        self.api_key = api_key
        u = urllib.parse.urlsplit(base_url)
        self.prefix = u.path.rstrip("/")
        # One connection, kept alive and reused for every request, as httpx and requests pools do.
        self.conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)

    @classmethod
    def from_env(cls):
        # The official clients do this: read the key once, at construction.
        return cls(os.environ.get("OPENAI_API_KEY", ""),
                   os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1"))

    def _call(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.api_key, "Content-Type": "application/json"}
        self.conn.request(method, self.prefix + path, body=json.dumps(body) if body else None,
                          headers=headers)
        resp = self.conn.getresponse()
        data = json.loads(resp.read() or b"{}")
        if resp.status != 200:
            raise APIError(resp.status, data.get("error", {}).get("message", ""))
        return data

    def models(self):
        return [m["id"] for m in self._call("GET", "/models")["data"]]

    def chat(self, prompt):
        r = self._call("POST", "/chat/completions",
                       {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]})
        return r["choices"][0]["message"]["content"]
