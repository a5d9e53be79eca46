/* SPDX-License-Identifier: MIT */
/* shim_config.c: unit tests of shim/config.c (sizes, booleans, a bad value keeps the default). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "config.h"

static void test_sizes(void)
{
	static const struct {
		const char *in;
		int rc;
		uint64_t want;
	} t[] = {
	    {"4096", 0, 4096},
	    {"8k", 0, 8192},
	    {"8K", 0, 8192},
	    {"3M", 0, 3u << 20},
	    {"2G", 0, 2ull << 30},
	    {"18446744073709551615", 0, UINT64_MAX},
	    {"abc", -1, 0},
	    {"-5", -1, 0},
	    {" 8k", -1, 0},
	    {"8k ", -1, 0},
	    {"1e6", -1, 0},
	    {"", -1, 0},
	    {"8kb", -1, 0},
	    {"1.5M", -1, 0},
	    {"99999999999999999999", -2, 0},
	    {"17179869184G", -2, 0},
	    {"18446744073709551616", -2, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t v = 12345;
		int rc = ct_parse_size(t[i].in, &v);
		char name[96];
		snprintf(name, sizeof name, "size \"%s\" -> rc %d", t[i].in, t[i].rc);
		OK(rc == t[i].rc && (rc != 0 ? v == 12345 : v == t[i].want), "%s", name);
	}
}

static void test_bools(void)
{
	static const struct {
		const char *in;
		int rc, want;
	} t[] = {{"1", 0, 1},   {"0", 0, 0},   {"true", 0, 1}, {"FALSE", 0, 0},
	         {"yes", 0, 1}, {"No", 0, 0},  {"on", 0, 1},   {"off", 0, 0},
	         {"2", -1, 0},  {"ye", -1, 0}, {" 1", -1, 0},  {"truex", -1, 0}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int v = 7, rc = ct_parse_bool(t[i].in, &v);
		char name[64];
		snprintf(name, sizeof name, "bool \"%s\" -> rc %d", t[i].in, t[i].rc);
		OK(rc == t[i].rc && (rc != 0 ? v == 7 : v == t[i].want), "%s", name);
	}
}

static void test_read(void)
{
	char *env[] = {"CREDTRACE_MAX_BYTES=1e6",
	               "CREDTRACE_BACKTRACE=maybe",
	               "CREDTRACE_FINGERPRINT=off",
	               "CREDTRACE_VARS=A_KEY,B_*",
	               "CREDTRACE_DIR=",
	               "CREDTRACE_DEBUG=yes",
	               NULL};
	ct_config_read(env);
	OK(ct_g_config.max_bytes == CT_MAX_BYTES_DEFAULT, "bad size keeps the default");
	OK(ct_g_config.backtrace == 1, "bad boolean keeps the default");
	OK(ct_g_config.fingerprint == 0, "off turns fingerprints off");
	OK(ct_g_config.debug == 1, "yes turns debug on");
	OK(ct_g_config.vars && !strcmp(ct_g_config.vars, "A_KEY,B_*"), "list kept as given");
	OK(ct_g_config.trace_dir == NULL, "empty CREDTRACE_DIR means the default");
	/* in the table's order: CREDTRACE_BACKTRACE comes before CREDTRACE_MAX_BYTES */
	const char *p0 = ct_config_problem(0), *p1 = ct_config_problem(1);
	OK(p1 && strstr(p1, "CREDTRACE_MAX_BYTES: not a size") && strstr(p1, "using 16M"),
	   "the size problem names the setting and the default");
	OK(p0 && strstr(p0, "CREDTRACE_BACKTRACE: not a boolean"), "the boolean problem names the setting");
	OK(ct_config_problem(2) == NULL, "two problems, no more");
	OK(p0 && p1 && !strstr(p1, "1e6") && !strstr(p0, "maybe"), "values are never echoed");
	char *env2[] = {"CREDTRACE_MAX_BYTES=1", NULL};
	ct_config_read(env2);
	OK(ct_g_config.max_bytes == CT_MAX_BYTES_MIN && ct_config_problem(0) &&
	       strstr(ct_config_problem(0), "using 4096"),
	   "a size below one record is raised to 4096, and said");
}

int main(void)
{
	test_sizes();
	test_bools();
	test_read();
	return CHECK_DONE();
}
