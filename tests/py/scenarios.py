# SPDX-License-Identifier: MIT
# scenarios.py MODE: the ways an LLM app loses or breaks its key when it is scaled, each against
# tests/fake_api.py at OPENAI_BASE_URL with requests (tests/cases/61-python-scenarios.sh).
# Prints one line per API call: who, and the status. Exits 1 when any call failed.
import multiprocessing
import os
import subprocess
import sys

import requests

BASE = os.environ["OPENAI_BASE_URL"]
failed = False


class Client:
    """Like the official clients: the key is read once, at construction; one pooled session."""

    def __init__(self, api_key=None):
        self.key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")
        self.session = requests.Session()

    def models(self):
        return self.session.get(BASE + "/models", headers={"Authorization": "Bearer " + self.key},
                                timeout=30).status_code


def call(who, client):
    global failed
    try:
        status = client.models()
    except Exception as e:  # never print the message: requests quotes a malformed header value
        status = type(e).__name__
    print(who, status, flush=True)
    if status != 200:
        failed = True
    return status


def child_main(client):
    sys.exit(0 if call("child", client) == 200 else 1)


def run_children(target, n=2):
    # One after the other: two children on one shared connection at the same time would read each
    # other's responses (the real bug's worst form), which makes the test's statuses flaky.
    global failed
    ctx = multiprocessing.get_context("fork")
    for _ in range(n):
        p = ctx.Process(target=target)
        p.start()
        p.join()
        failed |= p.exitcode != 0


mode = sys.argv[1]
if mode == "mpfork":  # a session used before fork, then by every worker: one shared connection
    client = Client()
    call("parent", client)
    run_children(lambda: child_main(client))
elif mode == "mpfork-ok":  # negative control: each worker builds its own client after the fork
    call("parent", Client())
    run_children(lambda: child_main(Client()))
elif mode == "subproc":  # a batch job started with a scrubbed environment
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    failed = subprocess.run([sys.executable, __file__, "single"], env=env).returncode != 0
elif mode == "subproc-ok":
    failed = subprocess.run([sys.executable, __file__, "single"]).returncode != 0
elif mode == "merge":  # a config merge that turns a missing setting into ""
    settings = {"openai_api_key": None}
    os.environ["OPENAI_API_KEY"] = settings.get("openai_api_key") or ""
    call("main", Client())
elif mode == "divergent":  # a worker started with another key than its parent
    env = dict(os.environ, OPENAI_API_KEY=os.environ["CT_OTHER_KEY"])
    call("parent", Client())
    failed = subprocess.run([sys.executable, __file__, "single"], env=env).returncode != 0
elif mode == "single":
    call("single", Client())
else:
    sys.exit("unknown mode " + mode)
sys.exit(1 if failed else 0)
