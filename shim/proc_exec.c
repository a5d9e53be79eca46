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
	ct_rec_int(&r, "gen", ct_gen);
	ct_rec_int(&r, "forks", ct_forks_now());
	if (ct_pysite.set) /* a language-level site; native unwinding is kept for reads, connects, uses */
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

/* Records the call; returns whether the guard was taken (never in a vfork child: the guard is the
 * parent thread's memory, and a successful exec would leave it set there). */
static int before(const char *fn, const char *path, char *const argv[], char *const envp[], uintptr_t site)
{
	int e = errno, own;
	if (!ct_on || ct_guard)
		return -1;
	own = ct_self() != CT_SELF_VFORK;
	if (own) {
		ct_guard = 1;
		ct_site_key = site;
	}
	ct_exec_record(fn, path, argv, envp, 0, -1, 0, 0);
	if (own)
		ct_guard = 0;
	errno = e;
	return 0;
}

static int after(int traced, const char *fn, int rc)
{
	if (traced == 0) {
		int e = errno;
		exec_err(fn, e);
		errno = e;
	}
	return rc;
}

/* execve and friends: the call is made exactly as asked, after one "exec" record; if it returns,
 * an "exec_err" record with its errno follows and the errno is the call's. */
CT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	int t;
	if (CT_UNLIKELY(!real_execve))
		return (int)syscall(SYS_execve, path, argv, envp);
	t = before("execve", path, argv, envp, CALLER);
	return after(t, "execve", real_execve(path, argv, envp));
}

CT_EXPORT int execv(const char *path, char *const argv[])
{
	int t;
	if (CT_UNLIKELY(!real_execv))
		return (int)syscall(SYS_execve, path, argv, environ);
	t = before("execv", path, argv, environ, CALLER);
	return after(t, "execv", real_execv(path, argv));
}

CT_EXPORT int execvp(const char *file, char *const argv[])
{
	int t;
	if (CT_UNLIKELY(!real_execvp))
		ct_real_resolve();
	t = before("execvp", file, argv, environ, CALLER);
	return after(t, "execvp", real_execvp(file, argv));
}

CT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	int t;
	if (CT_UNLIKELY(!real_execvpe))
		ct_real_resolve();
	t = before("execvpe", file, argv, envp, CALLER);
	return after(t, "execvpe", real_execvpe(file, argv, envp));
}

CT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	char p[32] = "fd:";
	int t, i = 3, d = fd < 0 ? 0 : fd;
	char tmp[12];
	int n = 0;
	if (CT_UNLIKELY(!real_fexecve))
		ct_real_resolve();
	do {
		tmp[n++] = (char)('0' + d % 10);
		d /= 10;
	} while (d && n < 11);
	while (n)
		p[i++] = tmp[--n];
	p[i] = 0;
	t = before("fexecve", p, argv, envp, CALLER);
	return after(t, "fexecve", real_fexecve(fd, argv, envp));
}

/* execl, execlp, execle: the variadic arguments are gathered on the stack and the vector form is
 * called, which is what glibc itself does. */
#define GATHER(first, ap, argv)                                                                              \
	do {                                                                                                 \
		size_t n_ = 1;                                                                               \
		va_list c_;                                                                                  \
		va_copy(c_, ap);                                                                             \
		while (va_arg(c_, char *))                                                                   \
			n_++;                                                                                \
		va_end(c_);                                                                                  \
		argv = __builtin_alloca((n_ + 1) * sizeof(char *));                                          \
		argv[0] = (char *)(first);                                                                   \
		for (size_t i_ = 1; i_ <= n_; i_++)                                                          \
			argv[i_] = va_arg(ap, char *);                                                       \
	} while (0)

CT_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv;
	int t;
	va_start(ap, arg);
	GATHER(arg, ap, argv);
	va_end(ap);
	if (CT_UNLIKELY(!real_execv))
		return (int)syscall(SYS_execve, path, argv, environ);
	t = before("execl", path, argv, environ, CALLER);
	return after(t, "execl", real_execv(path, argv));
}

CT_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	char **argv;
	int t;
	va_start(ap, arg);
	GATHER(arg, ap, argv);
	va_end(ap);
	if (CT_UNLIKELY(!real_execvp))
		ct_real_resolve();
	t = before("execlp", file, argv, environ, CALLER);
	return after(t, "execlp", real_execvp(file, argv));
}

CT_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv;
	char *const *envp = NULL;
	int t;
	va_start(ap, arg);
	GATHER(arg, ap, argv);
	envp = va_arg(ap, char *const *);
	va_end(ap);
	if (CT_UNLIKELY(!real_execve))
		return (int)syscall(SYS_execve, path, argv, envp);
	t = before("execle", path, argv, envp, CALLER);
	return after(t, "execle", real_execve(path, argv, envp));
}
