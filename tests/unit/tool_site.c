/* SPDX-License-Identifier: MIT */
/* tool_site.c: unit tests of site_is_node_env (tools/model_site.c): which symbolized native frames
 * mean a read came from Node's process.env (docs/runtimes.md#nodejs). */
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
	expect("uv_os_setenv", 0);
	expect("make_client", 0);
	expect("EnvGetter", 0); /* not Node's */
	expect("", 0);
	return failed;
}
