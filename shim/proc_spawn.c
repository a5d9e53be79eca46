/* SPDX-License-Identifier: MIT */
/* proc_spawn.c: posix_spawn, posix_spawnp, system and popen. They reach exec through glibc-internal
 * calls that no hook sees, so they are recorded here. */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>

#include "ct.h"

extern char **environ;

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                        char *const[], char *const[]);
CT_STATE static spawn_fn real_spawn, real_spawnp;
CT_STATE static int (*real_system)(const char *);
CT_STATE static FILE *(*real_popen)(const char *, const char *);

/* Unversioned, like every hook: they interpose on whichever glibc version a binary bound to and
 * call the current one (GLIBC_2.15). Exporting both versions would mean defining glibc's version
 * names in this object; the price of not doing so is that a binary linked against glibc < 2.15
 * (2011), whose posix_spawn ran a script without #! through /bin/sh, gets ENOEXEC instead. */
void ct_proc_spawn_resolve(void)
{
	real_spawn = (spawn_fn)ct_dlsym_next("posix_spawn", (void *)posix_spawn);
	real_spawnp = (spawn_fn)ct_dlsym_next("posix_spawnp", (void *)posix_spawnp);
	real_system = (int (*)(const char *))ct_dlsym_next("system", (void *)system);
	real_popen = (FILE * (*)(const char *, const char *)) ct_dlsym_next("popen", (void *)popen);
}

static int spawn(const char *fn, spawn_fn *real, pid_t *pid, const char *path,
                 const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at, char *const argv[],
                 char *const envp[], uintptr_t site)
{
	pid_t child = 0;
	int rc;
	uint64_t t0;
	if (CT_UNLIKELY(!*real))
		ct_real_resolve();
	if (!*real)
		return ENOSYS;
	if (!ct_g_on || ct_g_guard || ct_vfork_child())
		return (*real)(pid, path, fa, at, argv, envp);
	{
		CT_KEEP_ERRNO;
		ct_g_guard = 1;
		ct_g_site_key = site;
		/* the record's time is the call's start: the child may write before we do */
		t0 = ct_now_us();
	}
	rc = (*real)(&child, path, fa, at, argv, envp);
	CT_KEEP_ERRNO;
	if (pid)
		*pid = child;
	ct_exec_record(fn, path, argv, envp, rc == 0 ? child : 0, rc == 0 ? 0 : 1, rc, t0);
	ct_g_guard = 0;
	return rc;
}

/* posix_spawn, posix_spawnp: made exactly as asked (the pid is written where the caller wanted it
 * once the call returns); one "exec" record with the child's pid, or the error returned. */
CT_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                          const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
	return spawn("posix_spawn", &real_spawn, pid, path, fa, at, argv, envp,
	             (uintptr_t)__builtin_return_address(0));
}
CT_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                           const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
	return spawn("posix_spawnp", &real_spawnp, pid, file, fa, at, argv, envp,
	             (uintptr_t)__builtin_return_address(0));
}

/* system and popen run /bin/sh -c through glibc's internal spawn: recorded before the call, since
 * system() returns only when the command ended. */
static void shell_record(const char *fn, const char *cmd)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	CT_KEEP_ERRNO;
	ct_g_guard = 1;
	ct_exec_record(fn, "/bin/sh", argv, environ, 0, -1, 0, 0);
	ct_g_guard = 0;
}

CT_EXPORT int system(const char *cmd)
{
	if (CT_UNLIKELY(!real_system))
		ct_real_resolve();
	if (ct_g_on && !ct_g_guard && cmd && !ct_vfork_child())
		shell_record("system", cmd);
	return real_system(cmd);
}

CT_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	if (CT_UNLIKELY(!real_popen))
		ct_real_resolve();
	if (ct_g_on && !ct_g_guard && cmd && !ct_vfork_child())
		shell_record("popen", cmd);
	return real_popen(cmd, mode);
}
