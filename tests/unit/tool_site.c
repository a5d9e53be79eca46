/* SPDX-License-Identifier: MIT */
/* tool_site.c: unit tests of site_is_node_env and site_is_node_dotenv (tools/model_site.c): which
 * symbolized native frames mean a read or set came from Node's process.env or node --env-file. */
#include <stdio.h>

#include "model_int.h"

static int failed;

static void expect(const char *func, int want)
{
	int got = site_is_node_env(func);

	printf("%s - %s %s Node's process.env%s\n", got == want ? "ok" : "not ok", func,
	       want ? "is" : "is not", got == want ? "" : ": wrong");
	failed |= got != want;
}

static void dotenv(const char *func, int want)
{
	int got = site_is_node_dotenv(func);

	printf("%s - %s %s node --env-file%s\n", got == want ? "ok" : "not ok", func, want ? "is" : "is not",
	       got == want ? "" : ": wrong");
	failed |= got != want;
}

int main(void)
{
	/* Frames of a process.env read in Node 20 (addr2line on /usr/bin/node, see docs/runtimes.md). */
	expect("uv_os_getenv", 1);
	expect("_ZNK4node12RealEnvStore3GetB5cxx11EPKc", 1);
	expect("_ZN4nodeL9EnvGetterEN2v85LocalINS0_4NameEEERKNS0_20PropertyCallbackInfoINS0_5ValueEEE", 1);
	expect("node::EnvGetter(v8::Local<v8::Name>, v8::PropertyCallbackInfo<v8::Value> const&)", 1);
	expect("node::KVStore::Clone(v8::Isolate*) const", 1);
	expect("_ZNK4node7KVStore5CloneEPN2v87IsolateE", 1);
	expect("node::EnvQuery(v8::Local<v8::Name>, v8::PropertyCallbackInfo<v8::Integer> const&)", 1);
	/* Not the getter: an application's own function, libuv's other calls, a name that only looks alike.
	 */
	expect("main", 0);
	expect("uv_os_getenv_r", 0);
	expect("make_client", 0);
	expect("EnvGetter", 0); /* not Node's */
	expect("", 0);
	/* Writes: process.env.X = v and delete process.env.X. */
	expect("uv_os_setenv", 1);
	expect("uv_os_unsetenv", 1);
	expect(
	    "_ZN4nodeL9EnvSetterEN2v85LocalINS0_4NameEEENS1_INS0_5ValueEEERKNS0_20PropertyCallbackInfoIS4_EE",
	    1);
	expect("_ZN4nodeL10EnvDeleterEN2v85LocalINS0_4NameEEERKNS0_20PropertyCallbackInfoINS0_7BooleanEEE",
	       1);
	/* node --env-file: node::Dotenv, which reads and sets through the same store. */
	dotenv("_ZN4node6Dotenv14SetEnvironmentEPNS_11EnvironmentE", 1);
	dotenv("node::Dotenv::SetEnvironment(node::Environment*)", 1);
	dotenv("_ZNK4node12RealEnvStore3GetB5cxx11EPKc", 0);
	dotenv("load_dotenv", 0);
	expect("_ZN4node6Dotenv14SetEnvironmentEPNS_11EnvironmentE", 0);
	return failed;
}
