#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 67-node-sdks: the real SDKs of tests/node/package.json (openai, @anthropic-ai/sdk, @google/genai,
# langsmith, @langchain/langgraph with @langchain/openai) under `credtrace run`, each pointed at the
# loopback fake API: a correct app gives no error and no warning finding; its broken twin (no key,
# tracing on without a LangSmith key) gives the CRED_MISSING error for the right variable.
# shellcheck source=tests/lib.sh disable=SC2119
. "$(dirname "$0")/../lib.sh"

NODE=/usr/bin/node
APP=$ROOT/tests/node/sdk_app.js
if [ ! -x "$NODE" ]; then
	skip "node SDKs" "no $NODE (Debian package nodejs)"
	exit 0
fi
if [ ! -d "$ROOT/tests/node/node_modules/openai" ]; then
	skip "node SDKs" "tests/node/node_modules missing: run 'npm ci --prefix tests/node' (.ci/run does)"
	exit 0
fi
trap stop_fake_api EXIT

# sdk_case NAME SDK KEY-PREFIX WANT-STATUS EXPECT [VAR=VALUE|VAR=@key...]: runs the SDK app in a
# clean environment (a fresh fake API accepting a fresh canary key; "VAR=@key" gives VAR that key);
# EXPECT is "clean" (no error or warning) or the finding it must raise, "CODE:VAR:severity" (lib.sh).
sdk_case() {
	local name=$1 sdk=$2 want=$4 expect=$5 rc=0
	sdk_api "$3"
	shift 5
	sdk_env "$@"
	env -i PATH=/usr/bin:/bin HOME="$W" METADATA_SERVER_DETECTION=none \
		OPENAI_BASE_URL="http://127.0.0.1:$API_PORT/v1" ANTHROPIC_BASE_URL="http://127.0.0.1:$API_PORT" \
		FAKE_API_URL="http://127.0.0.1:$API_PORT" LANGSMITH_ENDPOINT="http://127.0.0.1:$API_PORT" \
		"${SDK_ENV[@]}" "$CLI" run -q -o "$W/$name" "$NODE" "$APP" "$sdk" >"$W/$name.out" 2>"$W/$name.err" || rc=$?
	sdk_expect "$name" "$W/$name" "$rc" "$want" "$expect"
	# Network only to loopback: every connection the SDK made went to the fake API.
	check "$name: loopback only" tq "$W/$name" \
		'all(r.get("peer", "").startswith("127.0.0.1:") for r in by("connect") if r.get("family") in ("inet", "inet6"))'
}

OK_OPENAI=OPENAI_API_KEY=@key
sdk_case openai-ok openai sk-proj- 0 clean "$OK_OPENAI"
sdk_case openai-nokey openai sk-proj- 1 CRED_MISSING:OPENAI_API_KEY:error
sdk_case anthropic-ok anthropic sk-ant-api03- 0 clean ANTHROPIC_API_KEY=@key
sdk_case anthropic-token anthropic sk-ant-api03- 0 clean ANTHROPIC_AUTH_TOKEN=@key
sdk_case anthropic-nokey anthropic sk-ant-api03- 1 CRED_MISSING:ANTHROPIC_API_KEY:error
sdk_case google-gemini google AIza 0 clean GEMINI_API_KEY=@key
sdk_case google-google google AIza 0 clean GOOGLE_API_KEY=@key
sdk_case google-nokey google AIza 1 CRED_MISSING:GOOGLE_API_KEY:error
sdk_case langgraph-ok langgraph sk-proj- 0 clean "$OK_OPENAI"
sdk_case langgraph-tracing-nokey langgraph sk-proj- 0 CRED_MISSING:LANGSMITH_API_KEY:error "$OK_OPENAI" \
	LANGSMITH_TRACING=true
sdk_case langsmith-ok langsmith lsv2_pt_ 0 clean LANGCHAIN_TRACING_V2=true LANGSMITH_API_KEY=@key
sdk_case langsmith-legacy-name langsmith lsv2_pt_ 0 clean LANGCHAIN_TRACING_V2=true LANGCHAIN_API_KEY=@key
sdk_case langsmith-nokey langsmith lsv2_pt_ 0 CRED_MISSING:LANGSMITH_API_KEY:error LANGSMITH_TRACING_V2=true
# The SDK calls themselves: the correct apps' call succeeded (the fake API accepted their key).
for c in openai-ok anthropic-ok anthropic-token google-gemini google-google langgraph-ok langsmith-ok; do
	check "$c: the SDK call succeeded" grep -q ': ok$' "$W/$c.out"
done
