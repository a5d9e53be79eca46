/* SPDX-License-Identifier: MIT */
/* proc_exec.c: the exec family. Each call is recorded before it is made (a successful exec does not
 * return), with what the new environment lost compared to the caller's own. Stack only: these hooks
 * run in vfork children (CPython's subprocess), where the memory is the parent's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct.h"

extern char **environ;

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execv_fn)(const char *, char *const[]);
CT_STATE static execve_fn real_execve, real_execvpe;
CT_STATE static execv_fn real_execv, real_execvp;
CT_STATE static int (*real_fexecve)(int, char *const[], char *const[]);

void ct_proc_exec_resolve(void)
{
	real_execve = (execve_fn)ct_dlsym_next("execve", (void *)execve);
	real_execvpe = (execve_fn)ct_dlsym_next("execvpe", (void *)execvpe);
	real_execv = (execv_fn)ct_dlsym_next("execv", (void *)execv);
	real_execvp = (execv_fn)ct_dlsym_next("execvp", (void *)execvp);
	real_fexecve = (int (*)(int, char *const[], char *const[]))ct_dlsym_next("fexecve", (void *)fexecve);
}

void ct_exec_record(const char *fn, const char *path, char *const argv[], char *const envp[], long child,
                    int result, int err, uint64_t ts)
{
	struct ct_rec r;
	ct_rec_begin_at(&r, "exec", ts ? ts : ct_now_us());
	ct_rec_str(&r, "fn", fn);
	ct_rec_strn(&r, "path", path ? path : "", path ? (strlen(path) > 512 ? 512 : strlen(path)) : 0);
	ct_rec_argv(&r, "argv", argv);
	if (child > 0)
		ct_rec_int(&r, "child", child);
	ct_env_diff(&r, envp);
	ct_rec_bool(&r, "preload", ct_preload_names_us(ct_env_lookup(envp, "LD_PRELOAD")));
	if (result >= 0) {
		ct_rec_bool(&r, "ok", result == 0);
		if (result != 0)
			ct_rec_int(&r, "errno", err);
	}
	ct_rec_int(&r, "gen", ct_g_gen);
	ct_rec_int(&r, "forks", ct_forks_now());
	if (ct_g_pysite.set) /* a language-level site; native unwinding is kept for reads, connects, uses */
		ct_rec_site(&r);
	ct_rec_emit_any(&r);
}

static void exec_err(const char *fn, int err)
{
	struct ct_rec r;
	ct_rec_begin(&r, "exec_err");
	ct_rec_str(&r, "fn", fn);
	ct_rec_int(&r, "errno", err);
	ct_rec_emit_any(&r);
}

#define CALLER ((uintptr_t)__builtin_return_address(0))

/* Writes the "exec" record of the call, with the guard taken around it, except in a vfork child:
 * there the guard is the parent thread's memory, and a successful exec would leave it set there.
 * Returns 1 when the record was written (so a failed exec owes an "exec_err" record), 0 when the
 * call passes untraced (tracing off, or inside the shim's own work). errno is kept. */
static int before(const char *fn, const char *path, char *const argv[], char *const envp[], uintptr_t site)
{
	if (!ct_g_on || ct_g_guard)
		return 0;
	CT_KEEP_ERRNO;
	int own = ct_self() != CT_SELF_VFORK;
	if (own) {
		ct_g_guard = 1;
		ct_g_site_key = site;
	}
	ct_exec_record(fn, path, argv, envp, 0, -1, 0, 0);
	if (own)
		ct_g_guard = 0;
	return 1;
}

/* The five ways into exec; the l-forms gather their arguments and take one of the first three. */
enum exec_how { EXEC_V, EXEC_VE, EXEC_VP, EXEC_VPE, EXEC_FD };

static int resolved(enum exec_how how)
{
	switch (how) {
	case EXEC_V:
		return real_execv != NULL;
	case EXEC_VE:
		return real_execve != NULL;
	case EXEC_VP:
		return real_execvp != NULL;
	case EXEC_VPE:
		return real_execvpe != NULL;
	default:
		return real_fexecve != NULL;
	}
}

static int call_real(enum exec_how how, const char *path, int fd, char *const argv[], char *const envp[])
{
	switch (how) {
	case EXEC_V:
		return real_execv(path, argv);
	case EXEC_VE:
		return real_execve(path, argv, envp);
	case EXEC_VP:
		return real_execvp(path, argv);
	case EXEC_VPE:
		return real_execvpe(path, argv, envp);
	default:
		return real_fexecve(fd, argv, envp);
	}
}

/* Every exec hook: the call is made exactly as asked, after one "exec" record (path is the file,
 * or "fd:N" for fexecve; envp is environ for the forms without one); if it returns, an "exec_err"
 * record with its errno follows and the errno is the call's. Before the constructor, a path is
 * executed by the system call itself; a PATH search or an fd needs libc's function, looked up now. */
static int exec_hooked(enum exec_how how, const char *fn, const char *path, int fd, char *const argv[],
                       char *const envp[], uintptr_t site)
{
	if (CT_UNLIKELY(!resolved(how))) {
		if (how == EXEC_V || how == EXEC_VE)
			return (int)syscall(SYS_execve, path, argv, envp);
		ct_real_resolve();
	}
	int traced = before(fn, path, argv, envp, site);
	int rc = call_real(how, path, fd, argv, envp);
	if (traced) {
		CT_KEEP_ERRNO;
		exec_err(fn, errno);
	}
	return rc;
}

CT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_hooked(EXEC_VE, "execve", path, -1, argv, envp, CALLER);
}

CT_EXPORT int execv(const char *path, char *const argv[])
{
	return exec_hooked(EXEC_V, "execv", path, -1, argv, environ, CALLER);
}

CT_EXPORT int execvp(const char *file, char *const argv[])
{
	return exec_hooked(EXEC_VP, "execvp", file, -1, argv, environ, CALLER);
}

CT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return exec_hooked(EXEC_VPE, "execvpe", file, -1, argv, envp, CALLER);
}

/* fexecve: the record's path is "fd:N". */
CT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	char p[32] = "fd:";
	int i = 3, d = fd < 0 ? 0 : fd;
	char tmp[12];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + d % 10);
		d /= 10;
	} while (d && n < 11);
	while (n)
		p[i++] = tmp[--n];
	p[i] = 0;
	return exec_hooked(EXEC_FD, "fexecve", p, fd, argv, envp, CALLER);
}

/* execl, execlp, execle: the variadic arguments are gathered into a vector on this frame's stack
 * (alloca: the vector must live until the exec) and the vector form is called, which is what glibc
 * itself does. execle's envp follows the NULL that ends the arguments. */
static int exec_list(enum exec_how how, const char *fn, const char *path, const char *arg, va_list ap,
                     uintptr_t site)
{
	size_t n = 1;
	va_list c;
	va_copy(c, ap);
	while (va_arg(c, char *))
		n++;
	va_end(c);
	char **argv = __builtin_alloca((n + 1) * sizeof(char *));
	argv[0] = (char *)arg;
	for (size_t i = 1; i <= n; i++)
		argv[i] = va_arg(ap, char *);
	char *const *envp = how == EXEC_VE ? va_arg(ap, char *const *) : environ;
	return exec_hooked(how, fn, path, -1, argv, envp, site);
}

#define EXEC_LIST_HOOK(name, how)                                                                            \
	CT_EXPORT int name(const char *path, const char *arg, ...)                                           \
	{                                                                                                    \
		va_list ap;                                                                                  \
		va_start(ap, arg);                                                                           \
		int rc = exec_list(how, #name, path, arg, ap, CALLER);                                       \
		va_end(ap);                                                                                  \
		return rc;                                                                                   \
	}
EXEC_LIST_HOOK(execl, EXEC_V)
EXEC_LIST_HOOK(execlp, EXEC_VP)
EXEC_LIST_HOOK(execle, EXEC_VE)
