#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 69-python-sdk-reads: the read sequences of the Python SDKs Debian does not ship (openai, anthropic,
# google-genai, langsmith, huggingface_hub, cohere), reproduced by tests/py/sdk_reads.py on Debian's
# httpx against the fake API, under `credtrace run`: a correct setup gives no error or warning, each
# broken twin the CRED_MISSING error for the right variable.
# shellcheck source=tests/lib.sh disable=SC2119
. "$(dirname "$0")/../lib.sh"

if ! $PY -c 'import httpx' 2>/dev/null; then
	skip "python SDK reads" "python3-httpx not installed"
	exit 0
fi
trap stop_fake_api EXIT

# py_case NAME SDK KEY-PREFIX WANT-STATUS EXPECT [VAR=VALUE|VAR=@key...] (as 67-node-sdks.sh)
py_case() {
	local name=$1 sdk=$2 want=$4 expect=$5 rc=0
	sdk_api "$3"
	shift 5
	sdk_env "$@"
	env -i PATH=/usr/bin:/bin HOME="$W" PYTHONDONTWRITEBYTECODE=1 FAKE_API_URL="http://127.0.0.1:$API_PORT" \
		"${SDK_ENV[@]}" "$CLI" run -q -o "$W/$name" "$PY" "$ROOT/tests/py/sdk_reads.py" "$sdk" \
		>"$W/$name.out" 2>"$W/$name.err" || rc=$?
	sdk_expect "$name" "$W/$name" "$rc" "$want" "$expect"
}

py_case openai-ok openai sk-proj- 0 clean OPENAI_API_KEY=@key
py_case openai-admin-only openai sk-admin- 0 clean OPENAI_ADMIN_KEY=@key
py_case openai-nokey openai sk-proj- 1 CRED_MISSING:OPENAI_API_KEY:error
py_case anthropic-token anthropic sk-ant-api03- 0 clean ANTHROPIC_AUTH_TOKEN=@key
py_case anthropic-nokey anthropic sk-ant-api03- 1 CRED_MISSING:ANTHROPIC_API_KEY:error
py_case google-gemini google AIza 0 clean GEMINI_API_KEY=@key
py_case google-nokey google AIza 1 CRED_MISSING:GOOGLE_API_KEY:error
py_case langsmith-off langsmith lsv2_pt_ 0 clean
py_case langsmith-legacy langsmith lsv2_pt_ 0 clean LANGCHAIN_TRACING_V2=true LANGCHAIN_API_KEY=@key
py_case langsmith-on-nokey langsmith lsv2_pt_ 0 CRED_MISSING:LANGSMITH_API_KEY:error LANGSMITH_TRACING=true
py_case huggingface-anonymous huggingface hf_ 0 clean
py_case cohere-legacy cohere co 0 clean COHERE_API_KEY=@key
py_case cohere-nokey cohere co 1 CRED_MISSING:CO_API_KEY:error
