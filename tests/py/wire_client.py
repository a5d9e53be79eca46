# SPDX-License-Identifier: MIT
# wire_client.py MODE LIB BASE_URL: two POSTs to BASE_URL/chat/completions with a client built the
# way MODE says, through LIB (httpx or requests); prints each status. WIRE_CA: the CA file that
# verifies an https BASE_URL. Used by tests/cases/62-wire.sh; never prints a key.
#   healthy  the key read from OPENAI_API_KEY
#   stale    the client is built at import time, then a .env (WIRE_DOTENV) replaces OPENAI_API_KEY
#   empty    a config merge gives "" (settings.get("key") or "")
#   config   the key comes from a JSON file (WIRE_CONFIG), not from the environment
#   foreign  ANTHROPIC_API_KEY's value sent to an OpenAI-style endpoint
import json
import os
import sys

mode, lib, base = sys.argv[1:4]
verify = os.environ.get("WIRE_CA") or True


def client(key):
    headers = {"Authorization": "Bearer " + key}
    if lib == "httpx":
        import httpx
        c = httpx.Client(base_url=base, headers=headers, verify=verify)
        return lambda: c.post("/chat/completions", json={"model": "m", "messages": []}).status_code
    import requests
    s = requests.Session()
    s.headers.update(headers)
    return lambda: s.post(base + "/chat/completions", json={"model": "m", "messages": []},
                          verify=verify).status_code


if mode == "healthy":
    call = client(os.environ["OPENAI_API_KEY"])
elif mode == "stale":
    call = client(os.environ["OPENAI_API_KEY"])  # module level: at import time
    from dotenv import load_dotenv
    load_dotenv(os.environ["WIRE_DOTENV"], override=True)  # the rotated key arrives afterwards
elif mode == "empty":
    settings = {}
    call = client(settings.get("key") or "")
elif mode == "config":
    with open(os.environ["WIRE_CONFIG"]) as f:
        call = client(json.load(f)["api_key"])
elif mode == "foreign":
    call = client(os.environ["ANTHROPIC_API_KEY"])
else:
    sys.exit("wire_client: unknown mode " + mode)
print(call(), call())
