/* SPDX-License-Identifier: MIT */
/* tool_names.c: unit tests of near-miss credential names and primary keys (tools/names.c). */
#include <stdio.h>

#include "check.h"
#include "names.h"

static void near(const char *a, const char *b, int want)
{
	char what[200];
	snprintf(what, sizeof what, "%s %s %s", a, want ? "~" : "!~", b);
	CHECK_INT(names_near(a, b), want, "%s", what);
	snprintf(what, sizeof what, "%s %s %s (symmetric)", b, want ? "~" : "!~", a);
	CHECK_INT(names_near(b, a), want, "%s", what);
}

int main(void)
{
	/* '_' and '-' removed, case-insensitive */
	near("OPENAI_API_KEY", "OPEN_AI_API_KEY", 1);
	near("OPENAI_API_KEY", "openai_api_key", 1);
	near("OPENAI_API_KEY", "OPENAI-API-KEY", 1);
	near("OPENAI_API_KEY", "OPENAIAPIKEY", 1);
	/* edit distance <= 2 for names of 8 or more characters */
	near("OPENAI_API_KEY", "OPENAI_APIKEY_", 1);
	near("ANTHROPIC_API_KEY", "ANTROPIC_API_KEY", 1);
	near("ANTHROPIC_API_KEY", "ANHTROPIC_API_KEY", 1);
	near("OPENAI_API_KEY", "OPENAI_API_KEYS", 1);
	near("OPENAI_API_KEY", "OPENAI_API_BASE", 0); /* distance 3 */
	near("DB_TOKEN", "DB_TOKAN", 1);              /* 8 characters */
	near("A_TOKEN", "B_TOKEN", 0);                /* 7 characters: too short for edit distance */
	/* a provider token dropped or added */
	near("OPENAI_API_KEY", "OPENAI_KEY", 1);
	near("ANTHROPIC_API_KEY", "ANTHROPIC_KEY", 1);
	near("OPENAI_API_KEY", "API_KEY", 1);
	near("GROQ_API_KEY", "GROQ_KEY", 1);
	near("OPENAI_API_KEY", "OPENAI_ADMIN_KEY", 0); /* a different key, not a dropped token */
	near("OPENAI_ADMIN_KEY", "OPENAI_KEY", 0);
	near("OPENAI_API_KEY", "OPENAI_ORG_ID", 0);
	/* well-known names of different services are never near misses */
	near("HF_TOKEN", "GH_TOKEN", 0);
	near("GITHUB_TOKEN", "GITLAB_TOKEN", 0);
	near("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", 0);
	near("GROQ_API_KEY", "GROK_API_KEY", 0);
	near("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", 0);
	/* unrelated and identical names */
	near("OPENAI_API_KEY", "ANTHROPIC_API_KEY", 0);
	near("OPENAI_API_KEY", "OPENAI_API_KEY", 0);
	near("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", 0);
	/* edit distance helper */
	CHECK_INT(names_distance("kitten", "sitting", 5), 3, "distance kitten/sitting");
	CHECK_INT(names_distance("abc", "ABC", 2), 0, "distance is case-insensitive");
	CHECK_INT(names_distance("a", "abcdefgh", 2), 3, "distance capped");
	/* primary keys */
	CHECK_INT(names_primary("OPENAI_API_KEY"), 1, "OPENAI_API_KEY is primary");
	CHECK_INT(names_primary("ANTHROPIC_API_KEY"), 1, "ANTHROPIC_API_KEY is primary");
	CHECK_INT(names_primary("OPENAI_ADMIN_KEY"), 0, "OPENAI_ADMIN_KEY is not primary");
	CHECK_INT(names_primary("OPENAI_WEBHOOK_SECRET"), 0, "OPENAI_WEBHOOK_SECRET is not primary");
	return CHECK_DONE();
}
