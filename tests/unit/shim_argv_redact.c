/* SPDX-License-Identifier: MIT */
/* shim_argv_redact.c: unit tests of shim/argv_redact.c, the one rule for which command-line arguments
 * are written as "<redacted>", by the shim's argv records and by `credtrace snap`. Key-shaped values
 * are built at run time; the output names cases, never values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argv_redact.h"
#include "check.h"
#include "ct.h"

/* prefix + n random alphanumerics, at least one digit (a provider key's shape) */
static char *key(char *buf, const char *prefix, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t p = strlen(prefix);

	memcpy(buf, prefix, p);
	for (size_t i = 0; i < n; i++)
		buf[p + i] = al[rand() % (int)(sizeof al - 1)];
	buf[p] = '7';
	buf[p + n] = 0;
	return buf;
}

int main(void)
{
	char k[128], arg[256], env0[256];
	char *envp[] = {env0, "HOME=/root", NULL};
	char *none[] = {NULL};

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	ct_cred_configure(NULL);
	/* kept */
	OK(!ct_argv_redact("python3", NULL, none), "a program name is kept");
	OK(!ct_argv_redact("app.py", "python3", none), "a script is kept");
	OK(!ct_argv_redact("--port", "app.py", none), "an option is kept");
	OK(!ct_argv_redact("8080", "--port", none), "a value of an ordinary option is kept");
	OK(!ct_argv_redact("--workers=4", NULL, none), "an ordinary --name=value is kept");
	OK(!ct_argv_redact("-p", "x", none), "a short option is kept");
	OK(!ct_argv_redact("hunter22", "-p", none), "a short option's value is kept (too ambiguous)");
	OK(!ct_argv_redact("https://example.com/x", NULL, none), "a URL without user:password@ is kept");
	OK(!ct_argv_redact("HOME=/root", NULL, none), "NAME=value of an ordinary variable is kept");
	/* the value after a secret option */
	OK(ct_argv_redact("hunter22", "--api-key", none), "the value after --api-key");
	OK(ct_argv_redact("hunter22", "--TOKEN", none), "the value after --TOKEN (any case)");
	OK(ct_argv_redact("hunter22", "--password", none), "the value after --password");
	OK(ct_argv_redact("hunter22", "--client-secret", none), "the value after --client-secret");
	OK(ct_argv_redact("hunter22", "--auth", none), "the value after --auth");
	OK(ct_argv_redact("hunter22", "--creds", none), "the value after --creds");
	OK(!ct_argv_redact("hunter22", "--api-key=x", none), "not after --api-key=x (it had its value)");
	/* key-shaped words */
	OK(ct_argv_redact(key(k, "sk-proj-", 48), NULL, none), "an OpenAI-shaped key alone");
	OK(ct_argv_redact(key(k, "sk-ant-api03-", 60), "x", none), "an Anthropic-shaped key alone");
	snprintf(arg, sizeof arg, "--key-file=%s", key(k, "ghp_", 36));
	OK(ct_argv_redact(arg, NULL, none), "--name=<key-shaped value>");
	snprintf(arg, sizeof arg, "X=%s", key(k, "sk-proj-", 48));
	OK(ct_argv_redact(arg, NULL, none), "X=<key-shaped value>");
	/* the value of a credential variable of the environment given */
	snprintf(env0, sizeof env0, "MY_SERVICE_TOKEN=%s", "plainvalue99");
	OK(ct_argv_redact("plainvalue99", NULL, envp), "a credential variable's value from envp");
	OK(!ct_argv_redact("plainvalue99", NULL, none), "the same word, not in envp: kept");
	snprintf(env0, sizeof env0, "MY_SERVICE_NAME=%s", "plainvalue99");
	OK(!ct_argv_redact("plainvalue99", NULL, envp), "an ordinary variable's value: kept");
	snprintf(env0, sizeof env0, "MY_SERVICE_TOKEN=%s", "short7");
	OK(!ct_argv_redact("short7", NULL, envp), "a credential's value under 8 bytes: kept");
	/* headers, URLs, NAME=value */
	OK(ct_argv_redact("Authorization: Bearer abc", "-H", none), "an Authorization header");
	OK(ct_argv_redact("x-api-key: abc", "-H", none), "an x-api-key header");
	OK(ct_argv_redact("bearer abc", NULL, none), "a bearer token");
	OK(ct_argv_redact("https://user:pw@example.com/", NULL, none), "a URL with user:password@");
	OK(ct_argv_redact("OPENAI_API_KEY=abc", NULL, none), "NAME=value of a credential variable");
	OK(ct_argv_redact("--openai-api-key=abc", NULL, none), "--secret-option=value");
	OK(ct_argv_redact("db.password=abc", NULL, none), "a password= word");
	OK(ct_argv_redact("api_token=abc", NULL, none), "a token= word");
	return CHECK_DONE();
}
