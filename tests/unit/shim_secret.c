/* SPDX-License-Identifier: MIT */
/* shim_secret.c: unit tests of shim/secret.c and shim/sha256.c (names, facts, fingerprints, hashes).
 * Values are synthetic, built at run time from a random seed; output names cases, never values. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ct.h"

int ct_secret_selfcheck(void);
void ct_sha256(const unsigned char *msg, size_t n, unsigned char out[32]);
void ct_sha256_portable(int on);

/* ---- synthetic values ---- */
static uint64_t rng;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (unsigned)(rng % n);
}
/* prefix + random alphanumerics up to total length len, with at least one digit */
static char *mk(char *buf, const char *prefix, size_t len)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t p = strlen(prefix), i;
	memcpy(buf, prefix, p);
	for (i = p; i < len; i++)
		buf[i] = al[rnd(62)];
	if (len > p)
		buf[p + (len - p) / 2] = (char)('0' + rnd(10));
	buf[len] = 0;
	return buf;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < n; i++)
		out[2 * i] = h[b[i] >> 4], out[2 * i + 1] = h[b[i] & 15];
	out[2 * n] = 0;
}

/* ---- names ---- */
static void test_names(void)
{
	static const char *const yes[] = {
	    "OPENAI_API_KEY",
	    "ANTHROPIC_API_KEY",
	    "openai_api_key",
	    "Openai_Api_Key",
	    "MY_APIKEY",
	    "GH_TOKEN",
	    "HF_TOKEN",
	    "GITHUB_TOKEN",
	    "HUGGINGFACEHUB_API_TOKEN",
	    "AWS_SESSION_TOKEN",
	    "DB_PASSWORD",
	    "MYSQL_ROOT_PASSWD",
	    "AWS_SECRET_ACCESS_KEY",
	    "AWS_ACCESS_KEY_ID",
	    "CLIENT_SECRET_VALUE",
	    "OPENAI_WEBHOOK_SECRET",
	    "SSH_PRIVATE_KEY",
	    "JWT_PRIVATE_KEY_PEM",
	    "GOOGLE_APPLICATION_CREDENTIALS",
	    "DATABASE_URL",
	    "REDIS_URL",
	    "database_url",
	    "PGPASSWORD",
	    "MYSQL_PWD",
	    "OPENAI_ADMIN_KEY",
	    "CELERY_BROKER_URL",
	    "X_TOKEN",
	    "AZURE_OPENAI_API_KEY",
	    "LANGSMITH_API_KEY",
	    "SECRET_KEY_BASE_X_SECRET",
	    "AWS_SECRET_ACCESS_KEY_FILEX",
	};
	static const char *const no[] = {
	    "",
	    "H",
	    "HOME",
	    "PATH",
	    "TZ",
	    "LANG",
	    "TERM",
	    "PYTHONPATH",
	    "LC_ALL",
	    "MALLOC_ARENA_MAX",
	    "XDG_RUNTIME_DIR",
	    "TOKEN",
	    "PASSWORD",
	    "A_TOKEN_URL",
	    "TOKENIZERS_PARALLELISM",
	    "POSTGRES_PASSWORD_FILE",
	    "AWS_SHARED_CREDENTIALS_FILE",
	    "MY_SECRET_PATH",
	    "SECRETS_DIR_X",
	    "OPENAI_BASE_URL",
	    "OPENAI_API_BASE",
	    "OPENAI_ORG_ID",
	    "LD_LIBRARY_PATH",
	    "SSL_CERT_FILE",
	    "DBUS_SESSION_BUS_ADDRESS",
	    "SSH_AUTH_SOCK",
	    "KEY",
	    "_TOKENS",
	    "API_KEYS",
	    "DATABASE_URLS",
	    "REDIS_URL_X",
	    "GITHUB_TOKEN_URL",
	    "MY_SECRET_DIR",
	    "LANGCHAIN_TRACING_V2",
	};
	char msg[160];
	size_t i;

	OK(ct_secret_selfcheck(), "names: table constants agree with the tables");
	for (i = 0; i < sizeof yes / sizeof *yes; i++) {
		snprintf(msg, sizeof msg, "name %s is a credential", yes[i]);
		OK(ct_cred_name(yes[i]) && ct_cred_namen(yes[i], strlen(yes[i])), "%s", msg);
	}
	for (i = 0; i < sizeof no / sizeof *no; i++) {
		snprintf(msg, sizeof msg, "name '%s' is not a credential", no[i]);
		OK(!ct_cred_name(no[i]) && !ct_cred_namen(no[i], strlen(no[i])), "%s", msg);
	}
	OK(!ct_cred_name(NULL) && !ct_cred_namen(NULL, 5), "name NULL is not a credential");
	OK(ct_cred_namen("OPENAI_API_KEY=x", 14), "namen stops at n (NAME=value entry)");
	OK(!ct_cred_namen("OPENAI_API_KEY=x", 13), "namen: a cut suffix does not match");
	OK(ct_cred_namen("GH_TOKENS", 8), "namen: GH_TOKEN inside a longer buffer");
	OK(!ct_cred_namen("GH_TO\0KEN", 9), "namen: an embedded NUL ends the name");
	OK(!ct_cred_namen("DATABASE_URL", 11), "namen: exact name cut short");
}

/* A name that ends exactly at the end of a readable page: any read past it faults. */
static void test_page_edge(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const char *const names[] = {"GH_TOKEN", "HOME",       "A_",          "X_SECRET", "MY_API_KE",
	                                    "LC_ALL",   "PGPASSWORD", "DATABASE_UR", "ACCESS_",  "_"};
	size_t i;
	int good = 1;

	if (m == MAP_FAILED) {
		printf("skip - page edge: mmap failed\n");
		return;
	}
	mprotect(m + pg, (size_t)pg, PROT_NONE);
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		size_t l = strlen(names[i]);
		char *bounded = m + pg - l, *term = m + pg - l - 1;
		memcpy(bounded, names[i], l); /* no NUL: namen must stop at l */
		good &= ct_cred_namen(bounded, l) == ct_cred_namen(names[i], l);
		memcpy(term, names[i], l + 1); /* NUL in the last byte of the page */
		good &= ct_cred_name(term) == ct_cred_name(names[i]);
	}
	OK(good, "names at the end of a page: no read past them");
	munmap(m, (size_t)pg * 2);
}

static void test_configured(void)
{
	char many[2048];
	size_t i, o = 0;

	ct_cred_configure("MY_CUSTOM_VAR, FOO*:*_PW,?X,,:");
	OK(ct_cred_name("MY_CUSTOM_VAR") && ct_cred_name("my_custom_var"), "configured: exact name");
	OK(ct_cred_name("FOOBAR") && ct_cred_name("FOO"), "configured: trailing glob");
	OK(ct_cred_name("DB_PW") && !ct_cred_name("DB_PWX"), "configured: leading glob");
	OK(ct_cred_name("AX") && !ct_cred_name("AAX"), "configured: ? matches one byte, short names too");
	OK(ct_cred_namen("AX=1", 2), "configured: namen");
	OK(!ct_cred_name("HOME") && !ct_cred_name("BAR"), "configured: others still ignored");
	OK(ct_cred_name("OPENAI_API_KEY"), "configured: built-in rules still apply");
	ct_cred_configure("A*B*C");
	OK(ct_cred_name("AxxBxxC") && ct_cred_name("ABC") && !ct_cred_name("AxxBxx"),
	   "configured: several stars");
	ct_cred_configure(NULL);
	OK(!ct_cred_name("FOOBAR") && !ct_cred_name("AX"), "configured: NULL clears");
	OK(!ct_cred_name("HOME") && ct_cred_name("GH_TOKEN"), "configured: cleared, built-ins back");
	/* 40 patterns: the first 32 are kept */
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(many + o, sizeof many - o, "VAR_%02zu,", i);
	ct_cred_configure(many);
	OK(ct_cred_name("VAR_31") && !ct_cred_name("VAR_32"), "configured: at most 32 patterns");
	/* more than 1 KiB: what fits is kept, the rest ignored, no overflow */
	memset(many, 'Z', sizeof many - 1);
	many[sizeof many - 1] = 0;
	memcpy(many, "SHORT_ONE,", 10);
	ct_cred_configure(many);
	OK(ct_cred_name("SHORT_ONE"), "configured: an oversized pattern is dropped");
	ct_cred_configure("*");
	OK(ct_cred_name("H") && ct_cred_name("HOME"), "configured: * matches every name");
	ct_cred_configure("");
	OK(!ct_cred_name("HOME"), "configured: empty string clears");
}

/* ---- values ---- */
static struct ct_facts F(const char *name, const char *value, char *const *envp) {
	struct ct_facts f;
	memset(&f, 0x5a, sizeof f);
	ct_facts_of(name, name ? strlen(name) : 0, value, envp, &f);
	return f;
} static int prov_is(const struct ct_facts *f, const char *p)
{
	return p ? f->provider && !strcmp(f->provider, p) : !f->provider;
}
static const char *flagstr(unsigned flags, char *buf)
{
	unsigned b;
	buf[0] = 0;
	for (b = 0; b < CT_F_COUNT; b++)
		if (flags >> b & 1)
			strcat(strcat(buf, buf[0] ? "," : ""), ct_flag_name(b));
	return buf;
}
/* flags exactly want (and a message with what was seen, never the value) */
static void flags_eq(const char *what, const char *name, const char *value, char *const *envp, unsigned want)
{
	struct ct_facts f = F(name, value, envp);
	char got[160], exp[160], detail[400];
	flagstr(f.flags, got);
	int good = f.flags == want;
	snprintf(detail, sizeof detail, ": flags [%s], want [%s]", got, flagstr(want, exp));
	OK(good, "%s%s", what, good ? "" : detail);
}
static void flag_has(const char *what, const char *name, const char *value, unsigned bit, int want)
{
	struct ct_facts f = F(name, value, NULL);
	char got[160], detail[200];
	int good = !!(f.flags & bit) == want;
	snprintf(detail, sizeof detail, ": flags [%s]", flagstr(f.flags, got));
	OK(good, "%s%s", what, good ? "" : detail);
}

static void test_states(void)
{
	struct ct_facts f;
	char k[256];

	f = F("OPENAI_API_KEY", NULL, NULL);
	OK(f.state == CT_ABSENT && f.len == 0 && !f.flags && !f.provider && !f.entropy && !f.fp[0],
	   "absent: no facts");
	f = F("OPENAI_API_KEY", "", NULL);
	OK(f.state == CT_EMPTY && f.len == 0 && !f.flags && !f.entropy && !f.fp[0], "empty string");
	f = F("OPENAI_API_KEY", " \t ", NULL);
	OK(f.state == CT_EMPTY && f.len == 3 && f.flags == CT_F_WHITESPACE && !f.fp[0],
	   "whitespace only is empty");
	f = F("OPENAI_API_KEY", "\n", NULL);
	OK(f.state == CT_EMPTY && f.flags == CT_F_NEWLINE && !f.entropy, "newline only is empty");
	f = F("OPENAI_API_KEY", mk(k, "sk-proj-", 164), NULL);
	OK(f.state == CT_PRESENT && f.len == 164 && f.flags == 0 && prov_is(&f, "openai") && f.entropy &&
	       !strcmp(f.entropy, "high"),
	   "present: OpenAI project key, clean");
	OK(!strcmp(ct_state_name(CT_ABSENT), "absent") && !strcmp(ct_state_name(CT_EMPTY), "empty") &&
	       !strcmp(ct_state_name(CT_PRESENT), "present"),
	   "state names");
}

static void test_providers(void)
{
	static const struct {
		const char *prefix, *var, *prov;
		size_t len;
	} c[] = {
	    {"sk-proj-", "OPENAI_API_KEY", "openai", 164},
	    {"sk-proj-", "OPENAI_API_KEY", "openai", 132},
	    {"sk-svcacct-", "OPENAI_API_KEY", "openai", 164},
	    {"sk-admin-", "OPENAI_ADMIN_KEY", "openai", 164},
	    {"sk-", "OPENAI_API_KEY", "openai", 51},
	    {"sk-ant-api03-", "ANTHROPIC_API_KEY", "anthropic", 108},
	    {"sk-ant-admin01-", "ANTHROPIC_API_KEY", "anthropic", 108},
	    {"sk-or-v1-", "OPENROUTER_API_KEY", "openrouter", 73},
	    {"AIza", "GOOGLE_API_KEY", "google", 39},
	    {"AIza", "GEMINI_API_KEY", "google", 39},
	    {"AKIA", "AWS_ACCESS_KEY_ID", "aws", 20},
	    {"ASIA", "AWS_ACCESS_KEY_ID", "aws", 20},
	    {"ghp_", "GITHUB_TOKEN", "github", 40},
	    {"gho_", "GH_TOKEN", "github", 40},
	    {"ghu_", "GH_TOKEN", "github", 40},
	    {"ghs_", "GH_TOKEN", "github", 40},
	    {"ghr_", "GH_TOKEN", "github", 40},
	    {"github_pat_", "GITHUB_TOKEN", "github", 93},
	    {"hf_", "HF_TOKEN", "huggingface", 37},
	    {"api_org_", "HUGGINGFACEHUB_API_TOKEN", "huggingface", 42},
	    {"gsk_", "GROQ_API_KEY", "groq", 56},
	    {"xai-", "XAI_API_KEY", "xai", 84},
	    {"pplx-", "PERPLEXITY_API_KEY", "perplexity", 53},
	    {"r8_", "REPLICATE_API_TOKEN", "replicate", 40},
	    {"lsv2_pt_", "LANGSMITH_API_KEY", "langsmith", 51},
	    {"lsv2_sk_", "LANGCHAIN_API_KEY", "langsmith", 51},
	};
	char k[256], msg[160], detail[200], fl[160];
	size_t i;

	for (i = 0; i < sizeof c / sizeof *c; i++) {
		struct ct_facts f = F(c[i].var, mk(k, c[i].prefix, c[i].len), NULL);
		snprintf(msg, sizeof msg, "provider %s from %s in %s, len %zu, no flags", c[i].prov,
		         c[i].prefix, c[i].var, c[i].len);
		int good = prov_is(&f, c[i].prov) && f.flags == 0;
		snprintf(detail, sizeof detail, ": provider %s flags [%s]", f.provider ? f.provider : "null",
		         flagstr(f.flags, fl));
		OK(good, "%s%s", msg, good ? "" : detail);
		snprintf(msg, sizeof msg, "looks like a key: %s, len %zu", c[i].prefix, c[i].len);
		OK(ct_looks_like_key(k), "%s", msg);
	}
	OK(prov_is((struct ct_facts[]){F("X_TOKEN", mk(k, "sk-", 35), NULL)}, NULL),
	   "sk- + 32 is ambiguous: no class");
	OK(prov_is((struct ct_facts[]){F("X_TOKEN", mk(k, "sk-", 60), NULL)}, NULL),
	   "sk- + 57 is ambiguous: no class");
	OK(prov_is((struct ct_facts[]){F("X_TOKEN", mk(k, "", 32), NULL)}, NULL), "no prefix: no class");
	OK(prov_is((struct ct_facts[]){F("X_TOKEN", mk(k, "sk-ant-api03-", 60), NULL)}, "anthropic"),
	   "longest prefix wins over sk-");
	OK(prov_is((struct ct_facts[]){F("X_TOKEN", mk(k, "sk-or-v1-", 73), NULL)}, "openrouter"),
	   "sk-or-v1- is OpenRouter");
	/* quotes do not hide the class */
	k[0] = '"';
	mk(k + 1, "sk-ant-api03-", 108);
	strcat(k, "\"");
	OK(prov_is((struct ct_facts[]){F("ANTHROPIC_API_KEY", k, NULL)}, "anthropic"),
	   "class seen through quotes");
}

static void test_flags(void)
{
	char k[300], v[400];
	char *or_env[] = {"HOME=/root", "OPENAI_BASE_URL=https://OpenRouter.ai/api/v1", NULL};
	char *or_env2[] = {"OPENAI_API_BASE=https://openrouter.ai/api/v1", NULL};
	char *local_env[] = {"OPENAI_BASE_URL=http://127.0.0.1:8000/v1", NULL};
	char *oai_env[] = {"OPENAI_BASE_URL=https://api.openai.com/v1", NULL};
	char *empty_env[] = {"OPENAI_BASE_URL=", NULL};
	static const char *const ph[] = {
	    "changeme",
	    "CHANGE_ME",
	    "your-api-key",
	    "your_api_key",
	    "YOUR-KEY-HERE",
	    "add_your_key_here",
	    "replace_me",
	    "placeholder",
	    "example",
	    "sample",
	    "dummy",
	    "test",
	    "TODO",
	    "xxx",
	    "none",
	    "null",
	    "nil",
	    "undefined",
	    "true",
	    "false",
	    "aaaaaaaa",
	    "********",
	    "sk-xxxxxxxxxxxxxxxxxxxx",
	    "sk-proj-your-api-key-here",
	    "<your openai key>",
	    "Your API Key",
	    "EMPTY",
	    "openai-api-key",
	    "OPENAI_API_KEY",
	    "your_openai_api_key_here",
	    "sk-test",
	    "...",
	};
	static const char *const unexp[] = {
	    "${OPENAI_API_KEY}", "$OPENAI_API_KEY",  "$(cat /run/secrets/key)",       "{{ openai_key }}",
	    "%OPENAI_API_KEY%",  "@OPENAI_API_KEY@", "${{ secrets.OPENAI_API_KEY }}", "Bearer ${TOKEN}",
	};
	static const char *const not_unexp[] = {"pa$sw0rd-9f", "50%off%", "a@b.c", "${", "$", "%%", "ab{{cd"};
	char msg[160];
	size_t i;

	mk(k, "sk-proj-", 164);
	snprintf(v, sizeof v, " %s", k);
	flags_eq("whitespace: leading space", "OPENAI_API_KEY", v, NULL, CT_F_WHITESPACE);
	snprintf(v, sizeof v, "%s\t", k);
	flags_eq("whitespace: trailing tab", "OPENAI_API_KEY", v, NULL, CT_F_WHITESPACE);
	snprintf(v, sizeof v, "%s\n", k);
	flags_eq("newline: trailing LF (echo)", "OPENAI_API_KEY", v, NULL, CT_F_NEWLINE);
	snprintf(v, sizeof v, "%s\r\n", k);
	flags_eq("newline: CRLF .env", "OPENAI_API_KEY", v, NULL, CT_F_NEWLINE);
	snprintf(v, sizeof v, "%s \n", k);
	flags_eq("whitespace and newline: space before LF", "OPENAI_API_KEY", v, NULL,
	         CT_F_WHITESPACE | CT_F_NEWLINE);
	snprintf(v, sizeof v, "\"%s\"", k);
	flags_eq("quoted: double quotes", "OPENAI_API_KEY", v, NULL, CT_F_QUOTED);
	snprintf(v, sizeof v, "'%s'", k);
	flags_eq("quoted: single quotes", "OPENAI_API_KEY", v, NULL, CT_F_QUOTED);
	snprintf(v, sizeof v, "`%s`", k);
	flags_eq("quoted: backticks", "OPENAI_API_KEY", v, NULL, CT_F_QUOTED);
	snprintf(v, sizeof v, "\"%s'", k);
	flags_eq("quoted: mismatched quotes are not", "OPENAI_API_KEY", v, NULL, 0);
	snprintf(v, sizeof v, "\"%s\"\r\n", k);
	flags_eq("quoted and newline", "OPENAI_API_KEY", v, NULL, CT_F_QUOTED | CT_F_NEWLINE);
	for (i = 0; i < sizeof unexp / sizeof *unexp; i++) {
		snprintf(msg, sizeof msg, "unexpanded: form %zu", i + 1);
		flag_has(msg, "MY_TOKEN", unexp[i], CT_F_UNEXPANDED, 1);
	}
	for (i = 0; i < sizeof not_unexp / sizeof *not_unexp; i++) {
		snprintf(msg, sizeof msg, "not unexpanded: form %zu", i + 1);
		flag_has(msg, "MY_TOKEN", not_unexp[i], CT_F_UNEXPANDED, 0);
	}
	for (i = 0; i < sizeof ph / sizeof *ph; i++) {
		snprintf(msg, sizeof msg, "placeholder: %s", ph[i]); /* placeholders are not secrets */
		flag_has(msg, "OPENAI_API_KEY", ph[i], CT_F_PLACEHOLDER, 1);
	}
	flag_has("placeholder: near miss of the name", "HF_TOKEN", "hf-token", CT_F_PLACEHOLDER, 1);
	flag_has("not placeholder: random key", "OPENAI_API_KEY", k, CT_F_PLACEHOLDER, 0);
	flag_has("not placeholder: password", "DB_PASSWORD", "Tr0ub4dor&3", CT_F_PLACEHOLDER, 0);
	flag_has("not placeholder: one character", "DB_PASSWORD", "x", CT_F_PLACEHOLDER, 0);
	flag_has("not placeholder: a word containing test", "DB_PASSWORD", "contestant-91", CT_F_PLACEHOLDER,
	         0);

	flags_eq("foreign: Anthropic key in OPENAI_API_KEY", "OPENAI_API_KEY", mk(k, "sk-ant-api03-", 108),
	         NULL, CT_F_FOREIGN_PREFIX);
	flags_eq("foreign: OpenAI key in ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", mk(k, "sk-proj-", 164),
	         NULL, CT_F_FOREIGN_PREFIX);
	flags_eq("foreign: GitHub token in HF_TOKEN", "HF_TOKEN", mk(k, "ghp_", 40), NULL,
	         CT_F_FOREIGN_PREFIX);
	flags_eq("foreign: lower-case variable name too", "anthropic_api_key", mk(k, "sk-proj-", 164), NULL,
	         CT_F_FOREIGN_PREFIX);
	flags_eq("not foreign: OpenRouter key in OPENAI_API_KEY (base URL set in code)", "OPENAI_API_KEY",
	         mk(k, "sk-or-v1-", 73), NULL, 0);
	flags_eq("not foreign: key in a variable with no expectation", "MY_API_KEY",
	         mk(k, "sk-ant-api03-", 108), NULL, 0);
	flags_eq("OpenRouter base URL: OpenAI key is foreign", "OPENAI_API_KEY", mk(k, "sk-proj-", 164),
	         or_env, CT_F_FOREIGN_PREFIX);
	flags_eq("OpenRouter base URL: OpenRouter key fits", "OPENAI_API_KEY", mk(k, "sk-or-v1-", 73), or_env,
	         0);
	flags_eq("OpenRouter via OPENAI_API_BASE", "OPENAI_API_KEY", mk(k, "sk-proj-", 164), or_env2,
	         CT_F_FOREIGN_PREFIX);
	flags_eq("OpenRouter base URL: short is judged against OpenRouter", "OPENAI_API_KEY", "abc123",
	         or_env, CT_F_SHORT);
	flags_eq("local base URL: no expectation", "OPENAI_API_KEY", mk(k, "sk-ant-api03-", 108), local_env,
	         0);
	flags_eq("local base URL: a short local key is fine", "OPENAI_API_KEY", "abc123", local_env, 0);
	flags_eq("api.openai.com base URL: Anthropic key foreign", "OPENAI_API_KEY",
	         mk(k, "sk-ant-api03-", 108), oai_env, CT_F_FOREIGN_PREFIX);
	flags_eq("empty base URL is ignored", "OPENAI_API_KEY", mk(k, "sk-ant-api03-", 108), empty_env,
	         CT_F_FOREIGN_PREFIX);

	flags_eq("nonprintable: control byte", "MY_TOKEN",
	         "ab\x01"
	         "cd-9f8e7d",
	         NULL, CT_F_NONPRINTABLE);
	flags_eq("nonprintable: UTF-8", "MY_TOKEN", "p\xc3\xa4ssw0rd-91", NULL, CT_F_NONPRINTABLE);
	flags_eq("nonprintable: DEL", "MY_TOKEN",
	         "abc\x7f"
	         "def-123",
	         NULL, CT_F_NONPRINTABLE);

	flags_eq("short: truncated project key", "OPENAI_API_KEY", mk(k, "sk-proj-", 40), NULL, CT_F_SHORT);
	flags_eq("short: unclassified value in OPENAI_API_KEY", "OPENAI_API_KEY", "abc123", NULL, CT_F_SHORT);
	flags_eq("short: value's own class in an unknown variable", "MY_TOKEN", mk(k, "hf_", 20), NULL,
	         CT_F_SHORT);
	flags_eq("short: AWS id", "AWS_ACCESS_KEY_ID", mk(k, "AKIA", 16), NULL, CT_F_SHORT);
	flags_eq("not short: password in an unknown variable", "DB_PASSWORD", "Tr0ub4dor&3", NULL, 0);

	for (i = 0; i < CT_F_COUNT; i++) {
		snprintf(msg, sizeof msg, "flag name %zu", i);
		OK(ct_flag_name((unsigned)i) && ct_flag_name((unsigned)i)[0], "%s", msg);
	}
	{
		/* 128 KiB (the kernel's limit for one variable) of openers without closers: linear time */
		static char big[128 * 1024 + 1];
		for (i = 0; i + 2 <= sizeof big - 1; i += 2)
			big[i] = '$', big[i + 1] = '{';
		flag_has("unexpanded: 128 KiB of openers, no closer", "MY_TOKEN", big, CT_F_UNEXPANDED, 0);
		big[sizeof big - 2] = '}';
		flag_has("unexpanded: 128 KiB, closer at the end", "MY_TOKEN", big, CT_F_UNEXPANDED, 1);
	}
	OK(!strcmp(ct_flag_name(5), "foreign_prefix") && !ct_flag_name(CT_F_COUNT) && !ct_flag_name(99),
	   "flag names: foreign_prefix and out of range");
}

static void test_entropy(void)
{
	char k[300];
	struct ct_facts f;

	f = F("MY_TOKEN", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL);
	OK(f.entropy && !strcmp(f.entropy, "low"), "entropy low: repeated byte");
	f = F("MY_TOKEN", "changeme", NULL);
	OK(f.entropy && !strcmp(f.entropy, "low"), "entropy low: word");
	f = F("MY_TOKEN", "abcabcabcabcabcabcabcabcabcabcabcabc", NULL);
	OK(f.entropy && !strcmp(f.entropy, "low"), "entropy low: short cycle");
	f = F("MY_PASSWORD", "password123", NULL);
	OK(f.entropy && !strcmp(f.entropy, "medium"), "entropy medium: password");
	f = F("MY_TOKEN", mk(k, "", 64), NULL);
	OK(f.entropy && !strcmp(f.entropy, "high"), "entropy high: 64 random alphanumerics");
	{
		static const char hx[] = "0123456789abcdef";
		int i;
		for (i = 0; i < 32; i++)
			k[i] = hx[rnd(16)];
		k[32] = 0;
	}
	f = F("AZURE_OPENAI_API_KEY", k, NULL);
	OK(f.entropy && strcmp(f.entropy, "low"), "entropy not low: 32 random hex digits");
}

static void test_hashes(void)
{
	static const struct {
		const char *msg;
		size_t rep;
		const char *want;
	} sha[] = {
	    {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	    {"a", 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
	    {"a", 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
	    {"a", 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
	    {"a", 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
	    {"a", 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
	    {"a", 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
	    {"a", 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
	    {"a", 1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"},
	};
	unsigned char key[131], data[160], out[32];
	char h[65], msg[100];
	size_t i;

	for (i = 0; i < sizeof sha / sizeof *sha; i++) {
		unsigned char buf[1000];
		size_t n = sha[i].rep == 1 ? strlen(sha[i].msg) : sha[i].rep;
		if (sha[i].rep == 1)
			memcpy(buf, sha[i].msg, n);
		else
			memset(buf, 'a', n);
		ct_sha256(buf, n, out);
		hex(out, 32, h);
		snprintf(msg, sizeof msg, "SHA-256 vector %zu (%zu bytes)", i + 1, n);
		OK(!strcmp(h, sha[i].want), "%s", msg);
	}
	memset(key, 0x0b, 20);
	ct_hmac_sha256(key, 20, (const unsigned char *)"Hi There", 8, out);
	hex(out, 32, h);
	OK(!strcmp(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
	   "HMAC RFC 4231 case 1");
	ct_hmac_sha256((const unsigned char *)"Jefe", 4,
	               (const unsigned char *)"what do ya want for nothing?", 28, out);
	hex(out, 32, h);
	OK(!strcmp(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
	   "HMAC RFC 4231 case 2");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	ct_hmac_sha256(key, 20, data, 50, out);
	hex(out, 32, h);
	OK(!strcmp(h, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
	   "HMAC RFC 4231 case 3");
	for (i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, 50);
	ct_hmac_sha256(key, 25, data, 50, out);
	hex(out, 32, h);
	OK(!strcmp(h, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
	   "HMAC RFC 4231 case 4");
	memset(key, 0xaa, 131);
	ct_hmac_sha256(key, 131,
	               (const unsigned char *)"Test Using Larger Than Block-Size Key - Hash Key First", 54,
	               out);
	hex(out, 32, h);
	OK(!strcmp(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
	   "HMAC RFC 4231 case 6");
	{
		const char *m7 =
		    "This is a test using a larger than block-size key and a larger than block-size data. "
		    "The key needs to be hashed before being used by the HMAC algorithm.";
		ct_hmac_sha256(key, 131, (const unsigned char *)m7, strlen(m7), out);
		hex(out, 32, h);
		OK(!strcmp(h, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
		   "HMAC RFC 4231 case 7");
	}
}

static int is_fp(const char *fp)
{
	size_t i;
	for (i = 0; i < 12; i++)
		if (!((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f')))
			return 0;
	return fp[12] == 0;
}

/* No fact carries a piece of the value: strings are static or hex, and no 6-byte window of the
 * value appears in any of them. */
static int leaks(const struct ct_facts *f, const char *v)
{
	const char *s[3 + CT_F_COUNT];
	size_t n = strlen(v), i, j, k = 0;
	s[k++] = f->provider ? f->provider : "";
	s[k++] = f->entropy ? f->entropy : "";
	s[k++] = f->fp;
	for (i = 0; i < CT_F_COUNT; i++)
		if (f->flags >> i & 1)
			s[k++] = ct_flag_name((unsigned)i);
	for (i = 0; i + 6 <= n; i++) {
		char w[7];
		memcpy(w, v + i, 6);
		w[6] = 0;
		for (j = 0; j < k; j++)
			if (strstr(s[j], w))
				return 1;
	}
	return 0;
}

static void test_fingerprints(void)
{
	unsigned char key1[32], key2[32], mac[32];
	char a[200], b[200], fpa[13], h[65];
	struct ct_facts f;
	size_t i;
	int good;

	for (i = 0; i < 32; i++)
		key1[i] = (unsigned char)rnd(256), key2[i] = (unsigned char)rnd(256);
	ct_fp_key(NULL, 0);
	f = F("OPENAI_API_KEY", mk(a, "sk-proj-", 164), NULL);
	OK(f.fp[0] == 0, "fingerprint off without a key");
	ct_fp_key(key1, 32);
	f = F("OPENAI_API_KEY", a, NULL);
	OK(is_fp(f.fp), "fingerprint: 12 lowercase hex digits");
	memcpy(fpa, f.fp, 13);
	f = F("OTHER_API_KEY", a, NULL);
	OK(!strcmp(f.fp, fpa), "fingerprint stable, independent of the name");
	ct_hmac_sha256(key1, 32, (const unsigned char *)a, strlen(a), mac);
	hex(mac, 6, h);
	OK(!strcmp(h, fpa), "fingerprint = first 6 bytes of HMAC-SHA256(key, value)");
	memcpy(b, a, strlen(a) + 1);
	b[100] ^= 1;
	f = F("OPENAI_API_KEY", b, NULL);
	OK(is_fp(f.fp) && strcmp(f.fp, fpa), "fingerprint differs when one bit of the value does");
	snprintf(b, sizeof b, "%s\n", a);
	f = F("OPENAI_API_KEY", b, NULL);
	OK(strcmp(f.fp, fpa), "fingerprint covers the raw value (trailing newline differs)");
	ct_fp_key(key2, 32);
	f = F("OPENAI_API_KEY", a, NULL);
	OK(is_fp(f.fp) && strcmp(f.fp, fpa), "fingerprint depends on the key");
	f = F("OPENAI_API_KEY", "  ", NULL);
	OK(f.fp[0] == 0, "fingerprint empty for an empty value");
	f = F("OPENAI_API_KEY", NULL, NULL);
	OK(f.fp[0] == 0, "fingerprint empty for an absent value");

	/* many random values of every shape: invariants and no leak */
	good = 1;
	for (i = 0; i < 2000; i++) {
		static const char *const pre[] = {"",   "sk-", "sk-proj-", "sk-ant-api03-", "hf_", "AKIA",
		                                  "\"", " ",   "${"};
		size_t len = 1 + rnd(180);
		mk(a, pre[rnd(9)], len > 8 ? len : 8);
		f = F(i & 1 ? "OPENAI_API_KEY" : "MY_SECRET", a, NULL);
		good &= f.len == strlen(a) && (f.state != CT_PRESENT || is_fp(f.fp)) && !leaks(&f, a);
	}
	OK(good, "2000 random values: len right, fp hex, no 6-byte piece of a value in any fact");
	ct_fp_key(NULL, 0);
}

/* ct_facts_ofn: a value inside a larger buffer (a request header), not NUL-terminated, gives the
 * facts of exactly those bytes (the wire hooks read headers in place). */
static void test_facts_n(void)
{
	unsigned char key[32];
	char a[200], buf[260];
	struct ct_facts f, g;
	size_t n, i;
	for (i = 0; i < 32; i++)
		key[i] = (unsigned char)rnd(256);
	ct_fp_key(key, 32);
	n = strlen(mk(a, "sk-proj-", 164));
	memcpy(buf, a, n);
	memcpy(buf + n, "\r\nHost: x\r\n", 12);
	ct_facts_ofn("OPENAI_API_KEY", 14, buf, n, NULL, &f);
	g = F("OPENAI_API_KEY", a, NULL);
	OK(f.state == g.state && f.len == g.len && f.flags == g.flags && !strcmp(f.fp, g.fp) &&
	       f.provider == g.provider && f.entropy == g.entropy,
	   "facts of n bytes in place equal the facts of the same NUL-terminated value");
	ct_facts_ofn("OPENAI_API_KEY", 14, buf, 0, NULL, &f);
	OK(f.state == CT_EMPTY && f.len == 0 && !f.fp[0], "zero bytes: an empty credential");
	memcpy(buf, "\"sk-x\"", 6);
	ct_facts_ofn("ANTHROPIC_API_KEY", 17, buf, 6, NULL, &f);
	OK((f.flags & CT_F_QUOTED) && f.len == 6, "shape flags judged on the n bytes");
	OK(!strcmp(ct_var_of_provider("openai"), "OPENAI_API_KEY") &&
	       !strcmp(ct_var_of_provider("anthropic"), "ANTHROPIC_API_KEY") && !ct_var_of_provider("nope") &&
	       !ct_var_of_provider(NULL),
	   "a provider's primary variable");
	ct_fp_key(NULL, 0);
}

static void test_looks_like_key(void)
{
	static const char *const no[] = {
	    "sk-learn",
	    "hf_transfer",
	    "/usr/bin/python3",
	    "--api-key",
	    "AKIA",
	    "ASIA",
	    "github_pat_",
	    "hello",
	    "sk-",
	    "hf_hub_enable_hf_transfer",
	    "ghp_",
	    "",
	    "xai-grok-beta",
	    "r8_/path/with/slashes/1234567890",
	    "sk-proj-has spaces 1234567890abcdef",
	};
	char msg[120], k[200];
	size_t i;

	for (i = 0; i < sizeof no / sizeof *no; i++) {
		snprintf(msg, sizeof msg, "not a key: '%s'", no[i]);
		OK(!ct_looks_like_key(no[i]), "%s", msg);
	}
	OK(!ct_looks_like_key(NULL), "not a key: NULL");
	OK(ct_looks_like_key(mk(k, "sk-", 35)), "a key: sk- + 32 (DeepSeek-like)");
	OK(!ct_looks_like_key(mk(k, "", 40)), "not a key: no known prefix");
}

/* Where the CPU has SHA extensions the two compressions must agree on any input: random lengths
 * across block boundaries, random bytes. Elsewhere this checks the portable one against itself. */
static void test_sha_impls(void)
{
	unsigned char msg[300], a[32], b[32];
	int i, same = 1;
	for (i = 0; i < 2000 && same; i++) {
		size_t n = rnd(sizeof msg), j;
		for (j = 0; j < n; j++)
			msg[j] = (unsigned char)rnd(256);
		ct_sha256(msg, n, a);
		ct_sha256_portable(1);
		ct_sha256(msg, n, b);
		ct_sha256_portable(0);
		same = !memcmp(a, b, 32);
	}
	OK(same, "SHA-256: the CPU's compression and the portable one agree on 2000 random messages");
}

int main(void)
{
	/* The shim finds this in its constructor (compat.c); the test binary links sha256.o alone. */
	ct_g_cpuid_leaf = dlsym(RTLD_DEFAULT, "__x86_get_cpuid_feature_leaf");
	rng = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() << 32 ^ 0x1234567;
	if (!rng)
		rng = 1;
	test_names();
	test_page_edge();
	test_configured();
	test_states();
	test_providers();
	test_flags();
	test_entropy();
	test_hashes(); /* with the compression this CPU picks (SHA-NI where it has them) */
	ct_sha256_portable(1);
	test_hashes(); /* and again with the portable one */
	ct_sha256_portable(0);
	test_sha_impls();
	test_fingerprints();
	test_facts_n();
	test_looks_like_key();
	return CHECK_DONE();
}
