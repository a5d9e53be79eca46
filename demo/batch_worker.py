# SPDX-License-Identifier: MIT
# batch_worker.py: the demo's batch job: builds its own client from its environment and calls the API.
import os
import sys

from llm import APIError, LLMClient

try:
    out = LLMClient.from_env().chat("nightly digest")
    print("[batch  %d] digest: %s" % (os.getpid(), out), flush=True)
except APIError as e:
    print("[batch  %d] failed: %s" % (os.getpid(), e), flush=True)
    sys.exit(1)
