/* SPDX-License-Identifier: MIT */
/* trace_hdr.c: the "hdr" record, the first line of every trace file (docs/trace-format.md): who the
 * process is, where it came from, and what this trace can and cannot show (backtraces, fingerprints,
 * cap, settings with bad values). The one place a header is built: at start, in a fork child's
 * first write, in a vfork child's file. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "ct_secret.h"
#include "ct_writer.h"

extern char **environ;

CT_STATE struct ct_hdr_facts ct_g_hdr_facts = {.bt = "off"};

void ct_hdr_build(struct ct_rec *r, const char *origin, const char *nonce)
{
	const struct ct_hdr_facts *h = &ct_g_hdr_facts;
	int vfork = origin[0] == 'v';
	int own_start = origin[0] == 'e' || origin[0] == 'a'; /* exec and attach: no parent of ours */
	ct_rec_str(r, "schema", CT_SCHEMA);
	ct_rec_int(r, "pid", vfork ? ct_raw_getpid() : ct_g_pid);
	ct_rec_int(r, "ppid", vfork ? ct_g_pid : syscall(SYS_getppid));
	ct_rec_str(r, "host", ct_g_host);
	ct_rec_str(r, "container", h->container[0] ? h->container : NULL);
	ct_rec_str(r, "nonce", nonce);
	ct_rec_str(r, "exe", ct_g_exe);
	ct_rec_argv(r, "argv", ct_g_argv);
	ct_rec_str(r, "origin", origin);
	ct_rec_int(r, "gen", vfork ? ct_g_gen + 1 : ct_g_gen);
	if (vfork) {
		ct_rec_obj(r, "parent");
		ct_rec_int(r, "pid", ct_g_pid);
		ct_rec_str(r, "nonce", ct_g_nonce);
		ct_rec_end(r);
	} else if (!own_start) {
		ct_rec_obj(r, "parent");
		ct_rec_int(r, "pid", h->parent.pid);
		ct_rec_str(r, "nonce", h->parent.nonce);
		ct_rec_int(r, "threads", h->parent.threads);
		ct_rec_int(r, "fork_ts", (long long)h->parent.fork_ts);
		ct_rec_end(r);
	}
	ct_rec_int(r, "threads", vfork || !own_start ? 1 : ct_thread_count());
	ct_rec_int(r, "vars", h->vars);
	ct_rec_bool(r, "secure", 0);
	ct_rec_str(r, "bt", vfork ? "off: vfork child" : h->bt);
	ct_rec_str(r, "fp", ct_fp_state());
	if (ct_fp_kid())
		ct_rec_str(r, "kid", ct_fp_kid());
	ct_rec_int(r, "cap", (long long)ct_trace_cap());
	ct_rec_bool(r, "preload", ct_preload_names_us(ct_envp_lookup(environ, "LD_PRELOAD")));
	ct_rec_str(r, "shim", CT_VERSION);
	if (ct_config_problem(0)) { /* settings with a bad value, each kept at its default */
		ct_rec_arr(r, "config");
		for (int i = 0; ct_config_problem(i); i++)
			ct_rec_str(r, NULL, ct_config_problem(i));
		ct_rec_end(r);
	}
}

void ct_trace_write_hdr(const char *origin)
{
	struct ct_rec r;
	ct_rec_begin(&r, "hdr");
	ct_hdr_build(&r, origin, ct_g_nonce);
	ct_trace_emit(&r);
}
