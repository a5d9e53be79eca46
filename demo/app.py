# SPDX-License-Identifier: MIT
# app.py: the demo service: a prefork parent with an import-time client, and a batch job started
# with a scrubbed environment. It reproduces, on one machine, the 401 users see once they scale out.
import os
import subprocess
import sys

from llm import APIError, LLMClient

# Built at import time, in the parent, as in most tutorials: this reads OPENAI_API_KEY and opens the
# pooled keep-alive connection before any worker exists.
client = LLMClient.from_env()
client.models()  # warm-up request: the connection is now open


def say(who, msg):
    print("[%-6s %d] %s" % (who, os.getpid(), msg), flush=True)


def worker(n):
    # A forked worker inherits the parent's client, key and open socket, and sends on that socket.
    try:
        say("worker", "job %d: %s" % (n, client.chat("summarise ticket %d" % n)))
        return 0
    except (APIError, OSError) as e:
        say("worker", "job %d failed: %s" % (n, e))
        return 1


def main():
    say("parent", "client built at import time; connection to the API open")
    failed = 0
    # Prefork: two workers. They take turns here so that the output is stable; real workers race
    # on the shared socket and can read each other's responses.
    for n in (1, 2):
        pid = os.fork()
        if pid == 0:
            os._exit(worker(n))
        _, status = os.waitpid(pid, 0)
        failed += os.waitstatus_to_exitcode(status) != 0
    # The nightly batch runs in its own interpreter. Its environment is "hardened" by dropping every
    # *_API_KEY, so the batch client is built without a key.
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run([sys.executable, os.path.join(here, "batch_worker.py")], env=env)
    failed += r.returncode != 0
    say("parent", "%d of 3 jobs failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
