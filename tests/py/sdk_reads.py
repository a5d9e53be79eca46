# SPDX-License-Identifier: MIT
# sdk_reads.py SDK: the environment reads of a Python SDK that Debian does not package, in the order
# its source makes them (the file each follows is named), then one call to tests/fake_api.py with
# Debian's httpx as that SDK would make it (FAKE_API_URL). Used by 69-python-sdk-reads.sh. Prints
# "SDK: ok" or "SDK: failed (why)", never a value; exit 1 when the SDK would have failed.
import os
import sys

import httpx

BASE = os.environ.get("FAKE_API_URL", "http://127.0.0.1:9")


def post(path, headers, body):
    r = httpx.post(BASE + path, headers=headers, json=body, timeout=30)
    return r.status_code


def openai():
    # openai-python src/openai/_client.py, OpenAI.__init__: api_key, then admin_api_key (read always),
    # organization, project, webhook_secret, base_url; an error only when neither key is there.
    api_key = os.environ.get("OPENAI_API_KEY")
    admin_key = os.environ.get("OPENAI_ADMIN_KEY")
    os.environ.get("OPENAI_ORG_ID"), os.environ.get("OPENAI_PROJECT_ID")
    os.environ.get("OPENAI_WEBHOOK_SECRET")
    if api_key is None and admin_key is None:
        raise RuntimeError("OpenAIError: the api_key client option must be set")
    if api_key is None:
        return 200  # an admin-only client: no chat call
    return post("/v1/chat/completions", {"Authorization": "Bearer " + api_key},
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})


def anthropic():
    # anthropic-sdk-python src/anthropic/_client.py, Anthropic.__init__: api_key and auth_token are
    # both read; a missing pair fails at the first request (_validate_headers), not at construction.
    api_key = os.environ.get("ANTHROPIC_API_KEY")
    token = os.environ.get("ANTHROPIC_AUTH_TOKEN")
    if api_key is None and token is None:
        raise RuntimeError("TypeError: could not resolve authentication method")
    headers = {"x-api-key": api_key} if api_key else {"Authorization": "Bearer " + token}
    return post("/v1/messages", headers, {"model": "claude-sonnet-4-5", "max_tokens": 8,
                                          "messages": [{"role": "user", "content": "hi"}]})


def google():
    # google-genai google/genai/_api_client.py, get_env_api_key (BaseApiClient.__init__): both
    # GOOGLE_API_KEY and GEMINI_API_KEY are read, always; GOOGLE_API_KEY wins when both are set.
    google_key = os.environ.get("GOOGLE_API_KEY")
    gemini_key = os.environ.get("GEMINI_API_KEY")
    key = google_key or gemini_key
    if not key:
        raise RuntimeError("ValueError: missing key inputs argument")
    return post("/v1beta/models/gemini-2.5-flash:generateContent", {"x-goog-api-key": key},
                {"contents": [{"parts": [{"text": "hi"}]}]})


def langsmith():
    # langsmith python/langsmith/utils.py get_env_var (lru_cached: once per process): LANGSMITH_x,
    # else LANGCHAIN_x; tracing_is_enabled reads the tracing flags. With tracing on and no key,
    # client.py _validate_api_key_if_hosted only warns: the app goes on, its runs are refused.
    def get_env_var(name):
        return os.environ.get("LANGSMITH_" + name) or os.environ.get("LANGCHAIN_" + name)
    key = get_env_var("API_KEY")
    tracing = get_env_var("TRACING_V2") == "true" or get_env_var("TRACING") == "true"
    if not tracing:
        return 200
    if not key:
        print("langsmith: warning: API key must be provided when using hosted LangSmith API",
              file=sys.stderr)
    # The runs are sent in the background; a refusal (401 without a key) does not fail the app.
    post("/runs/batch", {"x-api-key": key} if key else {}, {"post": [], "patch": []})
    return 200


def huggingface():
    # huggingface_hub src/huggingface_hub/utils/_auth.py _get_token_from_environment: HF_TOKEN or
    # HUGGING_FACE_HUB_TOKEN; none is fine (anonymous requests).
    os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    return 200


def cohere():
    # cohere-python src/cohere/client.py: api_key defaults to _get_api_key_from_environment(), which
    # reads CO_API_KEY, then COHERE_API_KEY; an error when neither is set.
    key = os.environ.get("CO_API_KEY") or os.environ.get("COHERE_API_KEY")
    if not key:
        raise RuntimeError("ApiError: api_key is required")
    return post("/v1/chat/completions", {"Authorization": "Bearer " + key}, {"model": "command-r"})


SDKS = {"openai": openai, "anthropic": anthropic, "google": google, "langsmith": langsmith,
        "huggingface": huggingface, "cohere": cohere}

if __name__ == "__main__":
    name = sys.argv[1]
    try:
        status = SDKS[name]()
    except RuntimeError as e:
        print("%s: failed (%s)" % (name, str(e).split(":")[0]))
        sys.exit(1)
    print("%s: %s" % (name, "ok" if status == 200 else "failed (HTTP %d)" % status))
    sys.exit(0 if status == 200 else 1)
