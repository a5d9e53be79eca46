/* SPDX-License-Identifier: MIT */
/* tool_site.c: unit tests of site_is_node_env and site_is_node_dotenv (tools/model_site.c): which
 * symbolized native frames mean a read or set came from Node's process.env or node --env-file. */
#include <stdio.h>

#include "check.h"
#include "model_int.h"

static void node_env(const char *func, int want)
{
	CHECK_INT(site_is_node_env(func), want, "%s %s Node's process.env", func, want ? "is" : "is not");
}

static void node_dotenv(const char *func, int want)
{
	CHECK_INT(site_is_node_dotenv(func), want, "%s %s node --env-file", func, want ? "is" : "is not");
}

int main(void)
{
	/* Frames of a process.env read in Node 20 (addr2line on /usr/bin/node, see docs/runtimes.md). */
	node_env("uv_os_getenv", 1);
	node_env("_ZNK4node12RealEnvStore3GetB5cxx11EPKc", 1);
	node_env("_ZN4nodeL9EnvGetterEN2v85LocalINS0_4NameEEERKNS0_20PropertyCallbackInfoINS0_5ValueEEE", 1);
	node_env("node::EnvGetter(v8::Local<v8::Name>, v8::PropertyCallbackInfo<v8::Value> const&)", 1);
	node_env("node::KVStore::Clone(v8::Isolate*) const", 1);
	node_env("_ZNK4node7KVStore5CloneEPN2v87IsolateE", 1);
	node_env("node::EnvQuery(v8::Local<v8::Name>, v8::PropertyCallbackInfo<v8::Integer> const&)", 1);
	/* Not the getter: an application's own function, libuv's other calls, a name that only looks alike.
	 */
	node_env("main", 0);
	node_env("uv_os_getenv_r", 0);
	node_env("make_client", 0);
	node_env("EnvGetter", 0); /* not Node's */
	node_env("", 0);
	/* Writes: process.env.X = v and delete process.env.X. */
	node_env("uv_os_setenv", 1);
	node_env("uv_os_unsetenv", 1);
	node_env(
	    "_ZN4nodeL9EnvSetterEN2v85LocalINS0_4NameEEENS1_INS0_5ValueEEERKNS0_20PropertyCallbackInfoIS4_EE",
	    1);
	node_env("_ZN4nodeL10EnvDeleterEN2v85LocalINS0_4NameEEERKNS0_20PropertyCallbackInfoINS0_7BooleanEEE",
	         1);
	/* node --env-file: node::Dotenv, which reads and sets through the same store. */
	node_dotenv("_ZN4node6Dotenv14SetEnvironmentEPNS_11EnvironmentE", 1);
	node_dotenv("node::Dotenv::SetEnvironment(node::Environment*)", 1);
	node_dotenv("_ZNK4node12RealEnvStore3GetB5cxx11EPKc", 0);
	node_dotenv("load_dotenv", 0);
	node_env("_ZN4node6Dotenv14SetEnvironmentEPNS_11EnvironmentE", 0);
	return CHECK_DONE();
}
