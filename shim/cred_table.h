/* SPDX-License-Identifier: MIT */
/* cred_table.h: what credtrace knows about credential variables, in one place that the shim
 * (shim/secret_table.h) and the CLI (tools/cred_info.c) both compile from; docs/findings.md renders it.
 *
 * Everything here is an X-macro list or an enum: no code, no storage. A user defines X to pick the
 * columns it needs, e.g. `#define ROW(n, p, r, of, feat, routed, src) {n, r},` then
 * `static const struct my_row rows[] = {CT_CREDS(ROW)};`. A new fact goes in as a row, not as code.
 * tests/unit/shim_tool_agree.c checks that the shim and the CLI read the same answers from it. */
#ifndef CT_CRED_TABLE_H
#define CT_CRED_TABLE_H

/* ---- the trace format's words (docs/trace-format.md) ---- */
#define CT_TRACE_SCHEMA "credtrace.trace/1"
/* Value states, by enum value (CT_ABSENT = 0 ...). */
#define CT_STATES(X) X(ABSENT, "absent") X(EMPTY, "empty") X(PRESENT, "present")
/* Shape flags, by bit index (SECRETS.md "Shape flags"). */
/* clang-format off */
#define CT_FLAGS(X)                             \
	X(WHITESPACE,     "whitespace")     \
	X(NEWLINE,        "newline")        \
	X(QUOTED,         "quoted")         \
	X(UNEXPANDED,     "unexpanded")     \
	X(PLACEHOLDER,    "placeholder")    \
	X(FOREIGN_PREFIX, "foreign_prefix") \
	X(NONPRINTABLE,   "nonprintable")   \
	X(SHORT,          "short")
/* clang-format on */

/* ---- which names are credentials ---- */
/* A rule is anchored at an underscore of the name: `before` ends right before it, `after` starts
 * right after it; to_end: `after` must end the name (a suffix rule), else it may appear anywhere. */
/* clang-format off */
#define CT_NAME_RULES(X)                 \
	X("",        "API_KEY",     1) \
	X("",        "APIKEY",      1) \
	X("",        "TOKEN",       1) \
	X("",        "PASSWORD",    1) \
	X("",        "PASSWD",      1) \
	X("",        "SECRET",      0) \
	X("ACCESS",  "KEY",         0) \
	X("PRIVATE", "KEY",         0) \
	X("",        "CREDENTIALS", 0)
/* clang-format on */

/* Names that hold a credential without matching a rule (URLs with a password in them, libpq's and
 * MySQL's password variables, the OpenAI client's admin key), and the provider key names people
 * write instead of the real one (OPENAI_KEY for OPENAI_API_KEY): recorded so that the report can
 * name the near miss. Every CT_CREDS name that no rule matches must be here (the unit test says). */
/* clang-format off */
#define CT_NAME_EXACT(X)       \
	X("DATABASE_URL")      \
	X("REDIS_URL")         \
	X("CELERY_BROKER_URL") \
	X("BROKER_URL")        \
	X("MONGODB_URI")       \
	X("PGPASSWORD")        \
	X("MYSQL_PWD")         \
	X("OPENAI_ADMIN_KEY")  \
	X("OPENAI_KEY")        \
	X("OPENAIKEY")         \
	X("ANTHROPIC_KEY")     \
	X("CLAUDE_KEY")        \
	X("GEMINI_KEY")        \
	X("GOOGLE_KEY")        \
	X("GROQ_KEY")          \
	X("MISTRAL_KEY")       \
	X("COHERE_KEY")        \
	X("OPENROUTER_KEY")    \
	X("XAI_KEY")           \
	X("LANGSMITH_KEY")     \
	X("HF_KEY")
/* clang-format on */

/* ---- providers ---- */
/* Enum suffix (P_<ID>) and the name written in traces and reports. NONE must stay first (0). */
/* clang-format off */
#define CT_PROVIDERS(X)               \
	X(NONE,       "")           \
	X(OPENAI,     "openai")     \
	X(ANTHROPIC,  "anthropic")  \
	X(OPENROUTER, "openrouter") \
	X(GOOGLE,     "google")     \
	X(AWS,        "aws")        \
	X(GITHUB,     "github")     \
	X(HF,         "huggingface")\
	X(GROQ,       "groq")       \
	X(XAI,        "xai")        \
	X(PPLX,       "perplexity") \
	X(REPLICATE,  "replicate")  \
	X(LANGSMITH,  "langsmith")  \
	X(AZURE,      "azure")      \
	X(COHERE,     "cohere")     \
	X(MISTRAL,    "mistral")    \
	X(DEEPSEEK,   "deepseek")
/* clang-format on */

/* The API hosts of a provider, for citing a key's traffic (peer_host of connections). A leading '.'
 * matches any name ending so (Azure resource names). Several rows per provider are fine. */
/* clang-format off */
#define CT_PROVIDER_HOSTS(X)                               \
	X(OPENAI,     "api.openai.com")                    \
	X(ANTHROPIC,  "api.anthropic.com")                 \
	X(GOOGLE,     "generativelanguage.googleapis.com") \
	X(LANGSMITH,  "api.smith.langchain.com")           \
	X(LANGSMITH,  ".api.smith.langchain.com")          \
	X(OPENROUTER, "openrouter.ai")                     \
	X(GROQ,       "api.groq.com")                      \
	X(XAI,        "api.x.ai")                          \
	X(PPLX,       "api.perplexity.ai")                 \
	X(MISTRAL,    "api.mistral.ai")                    \
	X(COHERE,     "api.cohere.com")                    \
	X(COHERE,     "api.cohere.ai")                     \
	X(DEEPSEEK,   "api.deepseek.com")                  \
	X(AZURE,      ".openai.azure.com")                 \
	X(HF,         "huggingface.co")                    \
	X(HF,         ".hf.space")                         \
	X(REPLICATE,  "api.replicate.com")                 \
	X(GITHUB,     "api.github.com")
/* clang-format on */

/* ---- roles ---- */
/* primary: a client that reads it needs it (unless one of its alternatives is there).
 * alternative: another name for the credential of its `of` row: either is enough.
 * optional: a probe; the client works without it (an admin key, a webhook secret). An optional row
 *   without a provider is a setting that usually comes from code (celery's broker URL): its absence
 *   is no finding at all, while another process having it still is.
 * feature: needed only while a feature flag (CT_FEATURE_FLAGS) is on in that process. */
#define CT_ROLES(X)                                                                                          \
	X(PRIMARY, "primary") X(ALTERNATIVE, "alternative") X(OPTIONAL, "optional") X(FEATURE, "feature")

#define CT_ROLE_ENUM(id, str) CT_ROLE_##id,
enum ct_role { CT_ROLES(CT_ROLE_ENUM) CT_ROLE_COUNT };
#undef CT_ROLE_ENUM

/* ---- features: a credential needed only when a flag variable holds a value ---- */
/* X(ID, "trace name", "what it is, for messages"). NONE must stay first (0). */
#define CT_FEATURES(X) X(NONE, "", "") X(LANGSMITH_TRACING, "langsmith_tracing", "LangSmith tracing")
/* X(FEATURE ID, variable, the exact value that turns it on). Any one row on turns the feature on.
 * langchain-core js `utils/callbacks.ts` isTracingEnabled; langsmith `utils/env.ts`. */
/* clang-format off */
#define CT_FEATURE_FLAGS(X)                                \
	X(LANGSMITH_TRACING, "LANGSMITH_TRACING_V2", "true") \
	X(LANGSMITH_TRACING, "LANGCHAIN_TRACING_V2", "true") \
	X(LANGSMITH_TRACING, "LANGSMITH_TRACING",    "true") \
	X(LANGSMITH_TRACING, "LANGCHAIN_TRACING",    "true")
/* clang-format on */
#define CT_FEAT_ENUM(id, str, label) CT_FEAT_##id,
enum ct_feature { CT_FEATURES(CT_FEAT_ENUM) CT_FEAT_COUNT };
#undef CT_FEAT_ENUM

/* ---- the credentials ---- */
/* X(name, PROVIDER ID, ROLE ID, of, FEATURE ID, routed, source)
 *   of: the row this one is an alternative of or belongs to ("" = itself). Names that share an `of`
 *       are one credential: any one present satisfies the others, and they are never near misses of
 *       one another (CRED_NAME_MISMATCH). An alternative inherits its credential's role and feature.
 *   routed: OPENAI_BASE_URL/OPENAI_API_BASE in the environment can change the provider expected.
 *   source: the SDK file that reads it, for docs/findings.md. */
/* clang-format off */
#define CT_CREDS(X) \
	X("OPENAI_API_KEY",           OPENAI,     PRIMARY,     "",                   NONE, 1, "openai-python `src/openai/_client.py`, openai-node `src/client.ts`") \
	X("OPENAI_ADMIN_KEY",         OPENAI,     OPTIONAL,    "OPENAI_API_KEY",     NONE, 0, "openai-python `src/openai/_client.py` (read always; enough alone), openai-node `src/client.ts`") \
	X("OPENAI_WEBHOOK_SECRET",    OPENAI,     OPTIONAL,    "",                   NONE, 0, "openai-node `src/client.ts`, openai-python `src/openai/_client.py`") \
	X("AZURE_OPENAI_API_KEY",     AZURE,      PRIMARY,     "",                   NONE, 0, "openai-python `src/openai/lib/azure.py`, openai-node `src/azure.ts`") \
	X("AZURE_OPENAI_AD_TOKEN",    AZURE,      ALTERNATIVE, "AZURE_OPENAI_API_KEY", NONE, 0, "openai-python `src/openai/lib/azure.py` (read first)") \
	X("ANTHROPIC_API_KEY",        ANTHROPIC,  PRIMARY,     "",                   NONE, 0, "anthropic-sdk-python `src/anthropic/_client.py`, anthropic-sdk-typescript `src/client.ts`") \
	X("ANTHROPIC_AUTH_TOKEN",     ANTHROPIC,  ALTERNATIVE, "ANTHROPIC_API_KEY",  NONE, 0, "anthropic `_client.py` / `client.ts` (either is enough)") \
	X("GOOGLE_API_KEY",           GOOGLE,     PRIMARY,     "",                   NONE, 0, "google-genai `google/genai/_api_client.py`, js-genai `src/node/node_client.ts`") \
	X("GEMINI_API_KEY",           GOOGLE,     ALTERNATIVE, "GOOGLE_API_KEY",     NONE, 0, "google-genai `_api_client.py` (both read always; either is enough)") \
	X("GOOGLE_APPLICATION_CREDENTIALS", GOOGLE, OPTIONAL,  "",                   NONE, 0, "google-auth-library `src/auth/googleauth.ts` (a key file path; ADC probe, also read lower-case)") \
	X("LANGSMITH_API_KEY",        LANGSMITH,  FEATURE,     "",                   LANGSMITH_TRACING, 0, "langsmith js `src/utils/env.ts` getLangSmithEnvironmentVariable, python `langsmith/utils.py` get_env_var") \
	X("LANGCHAIN_API_KEY",        LANGSMITH,  ALTERNATIVE, "LANGSMITH_API_KEY",  NONE, 0, "langsmith `utils/env.ts` (LANGSMITH_x, else LANGCHAIN_x)") \
	X("HF_TOKEN",                 HF,         OPTIONAL,    "",                   NONE, 0, "huggingface_hub `utils/_auth.py` (anonymous without)") \
	X("HUGGING_FACE_HUB_TOKEN",   HF,         ALTERNATIVE, "HF_TOKEN",           NONE, 0, "huggingface_hub `utils/_auth.py` (HF_TOKEN or HUGGING_FACE_HUB_TOKEN)") \
	X("HUGGINGFACEHUB_API_TOKEN", HF,         ALTERNATIVE, "HF_TOKEN",           NONE, 0, "langchain-huggingface (older LangChain name)") \
	X("CO_API_KEY",               COHERE,     PRIMARY,     "",                   NONE, 0, "cohere-python `src/cohere/client.py` (default argument: read at import)") \
	X("COHERE_API_KEY",           COHERE,     ALTERNATIVE, "CO_API_KEY",         NONE, 0, "cohere-python `client.py` (CO_API_KEY, then COHERE_API_KEY)") \
	X("OPENROUTER_API_KEY",       OPENROUTER, PRIMARY,     "",                   NONE, 0, "SECRETS.md provider table") \
	X("GROQ_API_KEY",             GROQ,       PRIMARY,     "",                   NONE, 0, "groq-python `src/groq/_client.py`") \
	X("XAI_API_KEY",              XAI,        PRIMARY,     "",                   NONE, 0, "xai-sdk-python `src/xai_sdk/client.py`") \
	X("MISTRAL_API_KEY",          MISTRAL,    PRIMARY,     "",                   NONE, 0, "mistralai `src/mistralai/sdk.py`") \
	X("DEEPSEEK_API_KEY",         DEEPSEEK,   PRIMARY,     "",                   NONE, 0, "langchain-deepseek `chat_models.py`") \
	X("PERPLEXITY_API_KEY",       PPLX,       PRIMARY,     "",                   NONE, 0, "langchain-perplexity `chat_models.py`") \
	X("PPLX_API_KEY",             PPLX,       ALTERNATIVE, "PERPLEXITY_API_KEY", NONE, 0, "langchain-community `chat_models/perplexity.py` (older name)") \
	X("REPLICATE_API_TOKEN",      REPLICATE,  PRIMARY,     "",                   NONE, 0, "replicate-python `replicate/client.py`") \
	X("GITHUB_TOKEN",             GITHUB,     PRIMARY,     "",                   NONE, 0, "gh `pkg/cmd/factory` (GH_TOKEN, then GITHUB_TOKEN)") \
	X("GH_TOKEN",                 GITHUB,     ALTERNATIVE, "GITHUB_TOKEN",       NONE, 0, "gh (either is enough)") \
	X("AWS_ACCESS_KEY_ID",        AWS,        OPTIONAL,    "",                   NONE, 0, "botocore `credentials.py` (env, then shared files, then instance roles)") \
	X("AWS_SECRET_ACCESS_KEY",    AWS,        OPTIONAL,    "AWS_ACCESS_KEY_ID",  NONE, 0, "botocore `credentials.py`") \
	X("AWS_SESSION_TOKEN",        AWS,        OPTIONAL,    "",                   NONE, 0, "botocore `credentials.py` (temporary keys only)") \
	X("CELERY_BROKER_URL",        NONE,       OPTIONAL,    "",                   NONE, 0, "celery `app/base.py` (a probe; the broker URL may come from code)") \
	X("BROKER_URL",               NONE,       OPTIONAL,    "CELERY_BROKER_URL",  NONE, 0, "celery `app/defaults.py` (old setting name)")
/* clang-format on */

#endif
