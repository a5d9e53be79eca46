/* SPDX-License-Identifier: MIT */
/* names.c: near-miss credential names (OPEN_AI_API_KEY for OPENAI_API_KEY); roles come from cred_info.c. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cred_info.h"
#include "names.h"

/* Well-known names of distinct services: close in spelling, never a typo of one another. Names of
 * the credential table (shim/cred_table.h) are distinct from one another too (see names_near). */
static const char *const distinct[] = {
    "GITHUB_TOKEN",
    "GITLAB_TOKEN",
    "GH_TOKEN",
    "HF_TOKEN",
    "GL_TOKEN",
    "NPM_TOKEN",
    "PYPI_TOKEN",
    "SLACK_TOKEN",
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "GROQ_API_KEY",
    "GROK_API_KEY",
    "XAI_API_KEY",
    "LANGSMITH_API_KEY",
    "LANGCHAIN_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "OPENAI_ADMIN_KEY",
};

/* Tokens people drop or add: the generic API and the provider names themselves. */
static const char *const droppable[] = {
    "API",        "OPENAI",    "ANTHROPIC", "CLAUDE",    "GOOGLE",      "GEMINI",
    "GROQ",       "XAI",       "MISTRAL",   "COHERE",    "OPENROUTER",  "DEEPSEEK",
    "PERPLEXITY", "REPLICATE", "LANGSMITH", "LANGCHAIN", "HUGGINGFACE",
};

#define NELEM(a)     (sizeof(a) / sizeof((a)[0]))
#define NAME_MAX_LEN 128
#define TOKENS_MAX   16

static int in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(list[i], name))
			return 1;
	return 0;
}

int names_primary(const char *name)
{
	const struct cred_info *c = cred_info(name);
	return c && c->role == CT_ROLE_PRIMARY;
}

int names_distance(const char *a, const char *b, int cap)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[NAME_MAX_LEN + 1];

	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > (size_t)cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0], best;
		row[0] = (int)i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int sub =
			    diag + (toupper((unsigned char)a[i - 1]) != toupper((unsigned char)b[j - 1]));
			int v = sub;
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > cap) /* every path already costs more than cap */
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

/* Upper-cases s without '_' and '-' into out (size NAME_MAX_LEN + 1). */
static void squash(const char *s, char *out)
{
	size_t n = 0;

	for (; *s && n < NAME_MAX_LEN; s++)
		if (*s != '_' && *s != '-')
			out[n++] = (char)toupper((unsigned char)*s);
	out[n] = 0;
}

/* Splits an upper-cased copy of s at '_' and '-'; returns the token count (0 when too many). */
static int tokens(const char *s, char *buf, char **tok)
{
	int n = 0;

	strncpy(buf, s, NAME_MAX_LEN);
	buf[NAME_MAX_LEN] = 0;
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	for (char *p = strtok(buf, "_-"); p; p = strtok(NULL, "_-")) {
		if (n == TOKENS_MAX)
			return 0;
		tok[n++] = p;
	}
	return n;
}

/* 1 when long = short with one droppable token inserted somewhere. */
static int one_token_more(char **lg, int nl, char **sh, int ns)
{
	if (nl != ns + 1)
		return 0;
	for (int skip = 0; skip < nl; skip++) {
		int ok = in_list(droppable, NELEM(droppable), lg[skip]);
		for (int i = 0, j = 0; ok && i < nl; i++) {
			if (i == skip)
				continue;
			ok = !strcmp(lg[i], sh[j++]);
		}
		if (ok)
			return 1;
	}
	return 0;
}

int names_near(const char *a, const char *b)
{
	char sa[NAME_MAX_LEN + 1], sb[NAME_MAX_LEN + 1], ba[NAME_MAX_LEN + 1], bb[NAME_MAX_LEN + 1];
	char *ta[TOKENS_MAX], *tb[TOKENS_MAX];
	int na, nb;

	if (!strcmp(a, b))
		return 0;
	squash(a, sa);
	squash(b, sb);
	if (!strcmp(sa, sb))
		return 1;
	/* Two names the table knows are either one credential's alternatives (LANGSMITH_API_KEY,
	 * LANGCHAIN_API_KEY) or different credentials: a typo is a name the table does not know. */
	if (cred_info(a) && cred_info(b))
		return 0;
	if (in_list(distinct, NELEM(distinct), a) && in_list(distinct, NELEM(distinct), b))
		return 0;
	if (strlen(a) >= 8 && strlen(b) >= 8 && names_distance(a, b, 2) <= 2)
		return 1;
	na = tokens(a, ba, ta);
	nb = tokens(b, bb, tb);
	return one_token_more(ta, na, tb, nb) || one_token_more(tb, nb, ta, na);
}
