/* SPDX-License-Identifier: MIT */
/* fuzz_secret.c: libFuzzer target for shim/secret.c: arbitrary bytes as name, value and context.
 * Input: [flags byte][name bytes] 0x00 [value bytes] (no separator: the value is empty). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_fp(const char *fp)
{
	size_t i;
	if (!fp[0])
		return 1;
	for (i = 0; i < 12; i++)
		if (!((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f')))
			return 0;
	return fp[12] == 0;
}

static int known(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const providers[] = {
	    "openai", "anthropic", "openrouter", "google",    "aws",       "github", "huggingface",
	    "groq",   "xai",       "perplexity", "replicate", "langsmith", NULL};
	static const char *const bands[] = {"low", "medium", "high", NULL};
	static const unsigned char key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	const uint8_t *sep;
	size_t nl, vl;
	char *name, *value, *url, *envp[3];
	struct ct_facts f;
	unsigned mode;
	int a, b;

	if (size < 1)
		return 0;
	mode = data[0];
	data++, size--;
	sep = memchr(data, 0, size);
	nl = sep ? (size_t)(sep - data) : size;
	vl = sep ? size - nl - 1 : 0;
	/* exact-size heap copies: ASan sees any read past them */
	name = malloc(nl + 1);
	value = malloc(vl + 1);
	memcpy(name, data, nl);
	name[nl] = 0;
	memcpy(value, data + nl + (sep != NULL), vl);
	value[vl] = 0;

	/* names: the bounded and the NUL-terminated forms agree (an embedded NUL ends both) */
	if (mode & 1)
		ct_cred_configure(mode & 2 ? value : "*_PW,FOO?,X*Y*Z");
	a = ct_cred_name(name);
	b = ct_cred_namen(name, nl);
	assert(a == b);
	{
		char *exact = malloc(nl ? nl : 1);
		memcpy(exact, name, nl);
		assert(ct_cred_namen(exact, nl) == b); /* no terminating NUL at all */
		free(exact);
	}
	if (mode & 1)
		ct_cred_configure(NULL);

	/* facts: the value also serves as a base URL in the context */
	ct_fp_key(mode & 4 ? key : NULL, mode & 4 ? sizeof key : 0);
	url = malloc(vl + 17);
	memcpy(url, "OPENAI_BASE_URL=", 16);
	memcpy(url + 16, value, vl + 1);
	envp[0] = url;
	envp[1] = mode & 8 ? "OPENAI_API_BASE=https://openrouter.ai/api/v1" : NULL;
	envp[2] = NULL;
	ct_facts_of(mode & 16 ? "OPENAI_API_KEY" : name, mode & 16 ? 14 : nl, value, mode & 32 ? envp : NULL,
	            &f);
	assert(f.len == strlen(value));
	assert(f.state == CT_EMPTY || f.state == CT_PRESENT);
	assert(f.flags < 1u << CT_F_COUNT);
	assert(is_fp(f.fp));
	assert(!(mode & 4) || f.state != CT_PRESENT || f.fp[0]);
	assert(f.state == CT_PRESENT || !f.fp[0]);
	assert(!f.provider || known(f.provider, providers));
	assert(f.state != CT_PRESENT ? !f.entropy : f.entropy && known(f.entropy, bands));
	for (unsigned i = 0; i < CT_F_COUNT; i++)
		assert(!(f.flags >> i & 1) || ct_flag_name(i));
	ct_facts_of(name, nl, NULL, NULL, &f);
	assert(f.state == CT_ABSENT && f.len == 0 && !f.fp[0]);
	(void)ct_looks_like_key(value);
	(void)ct_looks_like_key(name);

	free(url);
	free(name);
	free(value);
	return 0;
}
