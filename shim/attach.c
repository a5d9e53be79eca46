/* SPDX-License-Identifier: MIT */
/* attach.c: the shim loaded into a running process by `credtrace attach` (not by LD_PRELOAD):
 * starts tracing when told, with the settings the CLI passed, and stops when told. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"

/*
 * The CLI makes one thread of the target call dlopen on this library and then credtrace_attach
 * (or later credtrace_detach), with ptrace. The constructor, run by that dlopen, only notes that it
 * came late and does nothing: nothing binds to a library opened RTLD_LOCAL, so no hook runs before
 * credtrace_attach binds the GOT slots (got_patch.c). The settings come in the attach call, not from
 * the environment, which the target keeps unchanged (except with --children, said so in the trace).
 */

CT_STATE int ct_g_late;
static int attached, started;
static char cfg[2048];
static const char *set_dir;
static long set_for;
static int set_children;
/* --children: the values replaced, to put back at detach. */
static char old_preload[2048], old_dir[1024];
static int had_preload, had_dir, env_changed;

struct order {
	uintptr_t self;
	int late;
};

static int order_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct order *o = data;
	const char *b = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
	(void)size;
	if (info->dlpi_addr == o->self)
		return 1; /* reached ourselves first: preloaded */
	if (b && !strncmp(b + 1, "libc.so", 7)) {
		o->late = 1; /* libc is before us in the link map: we were opened by dlopen */
		return 1;
	}
	return 0;
}

/* The linker's symbol for this object's ELF header: its load address, with no dladdr (every
 * preloaded process runs this check in its constructor). */
extern const char __ehdr_start[] CT_HIDDEN;

/* LD_PRELOAD puts the shim in the link map before libc; dlopen appends it after. */
int ct_loaded_late(void)
{
	struct order o = {(uintptr_t)__ehdr_start, 0};
	dl_iterate_phdr(order_cb, &o);
	return ct_g_late = o.late;
}

/* A CREDTRACE_* setting passed by attach (ct_env_lookup asks here first while it is set). */
const char *ct_attach_setting(const char *name)
{
	if (!ct_g_late || strncmp(name, "CREDTRACE_", 10) != 0)
		return NULL;
	if (!strcmp(name + 10, "DIR") && set_dir && *set_dir)
		return set_dir;
	return NULL;
}

/* cfg: "key=value\n" lines (dir, for, children), copied: the caller's string is on its stack. */
static void parse(const char *in)
{
	size_t n = strlen(in);
	char *p;
	if (n >= sizeof cfg)
		n = sizeof cfg - 1;
	memcpy(cfg, in, n);
	cfg[n] = 0;
	set_dir = NULL;
	set_for = -1;
	set_children = 0;
	for (p = cfg; *p;) {
		char *nl = strchr(p, '\n'), *eq = strchr(p, '=');
		if (nl)
			*nl = 0;
		if (eq) {
			*eq = 0;
			if (!strcmp(p, "dir"))
				set_dir = eq + 1;
			else if (!strcmp(p, "for"))
				set_for = strtol(eq + 1, NULL, 10);
			else if (!strcmp(p, "children"))
				set_children = eq[1] == '1';
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void save_var(const char *name, char *buf, size_t n, int *had)
{
	const char *v = getenv(name); /* libc's: a late shim's own calls bind to libc */
	*had = v != NULL;
	buf[0] = 0;
	if (v && strlen(v) < n)
		memcpy(buf, v, strlen(v) + 1);
}

/* --children: programs the process starts from now on load the shim at their start. */
static void children_env(void)
{
	char v[4096];
	size_t n;
	save_var("LD_PRELOAD", old_preload, sizeof old_preload, &had_preload);
	save_var("CREDTRACE_DIR", old_dir, sizeof old_dir, &had_dir);
	n = strlen(ct_g_self_path);
	if (had_preload && old_preload[0] && strlen(old_preload) + n + 2 < sizeof v) {
		memcpy(v, ct_g_self_path, n);
		v[n] = ' ';
		memcpy(v + n + 1, old_preload, strlen(old_preload) + 1);
	} else {
		memcpy(v, ct_g_self_path, n + 1);
	}
	setenv("LD_PRELOAD", v, 1);
	if (set_dir && *set_dir)
		setenv("CREDTRACE_DIR", set_dir, 1);
	env_changed = 1;
}

static void children_env_restore(void)
{
	if (!env_changed)
		return;
	if (had_preload)
		setenv("LD_PRELOAD", old_preload, 1);
	else
		unsetenv("LD_PRELOAD");
	if (had_dir)
		setenv("CREDTRACE_DIR", old_dir, 1);
	else if (set_dir && *set_dir)
		unsetenv("CREDTRACE_DIR");
	env_changed = 0;
}

static void attach_record(const char *what, int slots)
{
	struct ct_rec r;
	ct_rec_begin(&r, "attach");
	ct_rec_str(&r, "what", what);
	ct_rec_int(&r, "slots", slots);
	if (what[0] == 's' || what[0] == 'a') {
		ct_rec_int(&r, "hooks", ct_got_hooks());
		if (set_for > 0)
			ct_rec_int(&r, "for", set_for);
		ct_rec_bool(&r, "children", set_children);
		ct_rec_bool(&r, "env_changed", env_changed);
	}
	ct_rec_emit(&r);
}

/* Starts tracing. Returns the number of GOT slots bound, or -1 when the shim was preloaded (the
 * process is traced already), -2 when tracing could not start (trace directory), -3 when attached,
 * -4 when another thread is binding slots (after its own dlopen): nothing changed, try again. */
CT_EXPORT int credtrace_attach(const char *settings);
int credtrace_attach(const char *settings)
{
	CT_KEEP_ERRNO; /* attaching must not show in the host's errno, whatever it returns */
	int slots, again = started;
	if (!ct_g_late)
		return -1;
	if (attached)
		return -3;
	parse(settings ? settings : "");
	if (!started) {
		ct_start(ct_g_argv, "attach");
		started = ct_g_on; /* a failed start (no trace directory) may be retried with another */
	} else {
		ct_g_on = 1; /* the trace file of the first attach goes on */
	}
	if (!ct_g_on)
		return -2;
	ct_g_guard = 1;
	slots = ct_got_patch();
	if (slots < 0) { /* another thread is binding slots after its dlopen: try again later */
		ct_g_on = 0;
		ct_g_guard = 0;
		return -4;
	}
	ct_sock_held_scan();
	if (set_children)
		children_env();
	attach_record(again ? "again" : "start", slots);
	ct_g_guard = 0;
	ct_py_attach();
	attached = 1;
	return slots;
}

/* Stops tracing: every slot bound to a hook goes back to libc, nothing more is written. The
 * library stays mapped: a thread may be inside a hook right now. Returns slots restored, -1 when not
 * attached, -4 when another thread is binding slots (still attached: try again). */
CT_EXPORT int credtrace_detach(void);
int credtrace_detach(void)
{
	CT_KEEP_ERRNO;
	int slots;
	if (!attached)
		return -1;
	ct_g_guard = 1;
	slots = ct_got_restore();
	if (slots < 0) {
		ct_g_guard = 0;
		return -4;
	}
	ct_py_detach();
	children_env_restore();
	attach_record("detach", slots);
	if (ct_env_exit_pending())
		ct_env_exit(); /* read counts so far: the trace ends here */
	ct_g_on = 0;
	attached = 0;
	ct_g_guard = 0;
	return slots;
}
