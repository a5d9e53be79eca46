/* SPDX-License-Identifier: MIT */
/* env_calls: every environment call with its return value and errno, printed, so that a run under
 * the shim can be compared with a bare run byte for byte. The credential value comes from the
 * environment (a canary) and is never printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *what, long rc)
{
	printf("%s rc=%ld errno=%d\n", what, rc, errno);
	errno = 0;
}

int main(void)
{
	const char *k = getenv("OPENAI_API_KEY");
	char *put = strdup("GROQ_API_KEY=gsk_short");
	errno = 0;
	printf("key %s len=%zu\n", k ? "present" : "absent", k ? strlen(k) : 0);
	show("secure_getenv", secure_getenv("OPENAI_API_KEY") != NULL);
	show("getenv-missing", getenv("OPEN_AI_API_KEY") != NULL);
	show("setenv-empty-name", setenv("", "x", 1));
	show("setenv-eq-name", setenv("A=B", "x", 1));
	show("setenv-empty-value", setenv("ANTHROPIC_API_KEY", "", 1));
	show("setenv-no-overwrite", setenv("ANTHROPIC_API_KEY", "sk-ant-zzz", 0));
	show("setenv-plain", setenv("PLAIN_VAR", "1", 1));
	show("putenv", putenv(put));
	show("unsetenv", unsetenv("ANTHROPIC_API_KEY"));
	show("unsetenv-eq", unsetenv("X=Y"));
	show("unsetenv-empty", unsetenv(""));
	errno = 1234; /* hooks must leave a caller's errno alone on success */
	(void)getenv("OPENAI_API_KEY");
	printf("errno after getenv=%d\n", errno);
	errno = 0;
	show("clearenv", clearenv());
	show("getenv-after-clear", getenv("OPENAI_API_KEY") != NULL);
	return 3;
}
