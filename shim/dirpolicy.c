/* SPDX-License-Identifier: MIT */
/* dirpolicy.c: the trace directory policy: no symlink or directory someone else could have planted. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dirpolicy.h"

/* Raw system calls: in the shim, libc's wrappers may be our own hooks or not yet usable. */
static int sys_lstat(const char *p, struct stat *st)
{
	return (int)syscall(SYS_newfstatat, AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW);
}

const char *ct_errno_text(int e)
{
	static const struct {
		int e;
		const char *s;
	} t[] = {
	    {EACCES, "permission denied"},      {EPERM, "operation not permitted"},
	    {EROFS, "read-only file system"},   {ENOSPC, "no space left on device"},
	    {EDQUOT, "disk quota exceeded"},    {ENAMETOOLONG, "file name too long"},
	    {ELOOP, "too many symbolic links"}, {ENOENT, "no such file or directory"},
	    {ENOTDIR, "not a directory"},       {EEXIST, "file exists"},
	    {EMFILE, "too many open files"},    {ENFILE, "too many open files in system"},
	    {EIO, "input/output error"},        {ENOMEM, "out of memory"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].e == e)
			return t[i].s;
	return "system error";
}

static void copy_to(char *out, size_t n, const char *s, size_t len)
{
	if (!n)
		return;
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = 0;
}

int ct_dir_absolute(const char *path, char *out, size_t outlen, const char **why)
{
	size_t pl = strlen(path), cl;
	if (path[0] == '/') {
		if (pl >= outlen) {
			*why = "path too long";
			return -1;
		}
		memcpy(out, path, pl + 1);
		return 0;
	}
	if (syscall(SYS_getcwd, out, outlen) < 0 || out[0] != '/') {
		*why = "relative path and the current directory is unknown";
		return -1;
	}
	cl = strlen(out);
	if (cl + 1 + pl >= outlen) {
		*why = "path too long";
		return -1;
	}
	out[cl] = '/';
	memcpy(out + cl + 1, path, pl + 1);
	return 0;
}

/* Entries of a directory with this stat can be created or replaced by root and euid only. */
static int dir_private(const struct stat *st, uid_t euid)
{
	return (st->st_uid == 0 || st->st_uid == euid) && !(st->st_mode & 022);
}

/* The walk keeps the path checked so far in cur[] (every directory on it private, or sticky with
 * the entry root's or ours, so no one else can swap a component later) and the rest still to
 * resolve in rest[]; a followed symbolic link puts its target in front of the rest. Path-based
 * lstat calls, no descriptors: one system call per component. */
enum { REST_MAX = PATH_MAX * 2, LINKS_MAX = 16 };

struct walk {
	char cur[PATH_MAX];
	size_t curlen;
	char *at;
	size_t atlen;
	const char **why;
};

/* Says why, naming cur "/" name (the component concerned). */
static int refuse(struct walk *w, const char *msg, const char *name)
{
	size_t n = w->curlen, m = strlen(name);
	*w->why = msg;
	copy_to(w->at, w->atlen, n ? w->cur : "/", n ? n : 1);
	if (n && m && n + 1 < w->atlen) {
		w->at[n] = '/';
		copy_to(w->at + n + 1, w->atlen - n - 1, name, m);
	} else if (!n && m) {
		copy_to(w->at + 1, w->atlen - 1, name, m);
	}
	return -1;
}

/* cur "/" name into p; 0 when it fits. */
static int join(const struct walk *w, const char *name, char *p, size_t n)
{
	size_t m = strlen(name);
	if (w->curlen + 1 + m >= n)
		return -1;
	memcpy(p, w->cur, w->curlen);
	p[w->curlen] = '/';
	memcpy(p + w->curlen + 1, name, m + 1);
	return 0;
}

static int final_check(struct walk *w, const struct stat *st, uid_t euid)
{
	if (!S_ISDIR(st->st_mode))
		return refuse(w, "is not a directory", "");
	if (st->st_uid != euid)
		return refuse(w, "is not yours", "");
	if (st->st_mode & 022)
		return refuse(w, "is group or world writable", "");
	if (euid != 0 && (st->st_mode & 0300) != 0300)
		return refuse(w, "is not writable (mode)", "");
	return 0;
}

int ct_dir_check(const char *path, uid_t euid, const char **why, char *at, size_t atlen)
{
	char rest[REST_MAX], name[NAME_MAX + 1], p[PATH_MAX], link[PATH_MAX];
	size_t pos = 0, len = strlen(path);
	int links = 0;
	struct stat dst, st;
	struct walk w = {.at = at, .atlen = atlen, .why = why};
	w.cur[0] = 0;
	if (path[0] != '/' || len >= sizeof rest)
		return refuse(&w, "path not absolute or too long", "");
	memcpy(rest, path, len + 1);
	if (sys_lstat("/", &dst) != 0)
		return refuse(&w, ct_errno_text(errno), "");
	st = dst;
	for (;;) {
		size_t b, e;
		int last;
		while (rest[pos] == '/')
			pos++;
		if (!rest[pos]) /* "/" itself, or slashes after the last component */
			return final_check(&w, &st, euid);
		b = pos;
		for (e = b; rest[e] && rest[e] != '/'; e++)
			;
		for (pos = e; rest[pos] == '/'; pos++)
			;
		last = !rest[pos];
		if (e - b > NAME_MAX)
			return refuse(&w, "has a component name too long", "");
		memcpy(name, rest + b, e - b);
		name[e - b] = 0;
		if (join(&w, name, p, sizeof p) != 0)
			return refuse(&w, "path too long", "");
		if (sys_lstat(p, &st) != 0) {
			if (errno != ENOENT || !last)
				return refuse(&w, ct_errno_text(errno), name);
			if (syscall(SYS_mkdirat, AT_FDCWD, p, 0700) != 0 && errno != EEXIST)
				return refuse(&w, ct_errno_text(errno), name);
			if (sys_lstat(p, &st) != 0)
				return refuse(&w, ct_errno_text(errno), name);
		}
		if (S_ISLNK(st.st_mode)) {
			long n;
			size_t rl = strlen(rest + pos);
			if (last)
				return refuse(&w, "is a symbolic link", name);
			if (!dir_private(&dst, euid) || (st.st_uid != 0 && st.st_uid != euid))
				return refuse(&w, "is a symbolic link in a directory others can write to",
				              name);
			n = syscall(SYS_readlinkat, AT_FDCWD, p, link, sizeof link - 1);
			if (n <= 0 || ++links > LINKS_MAX || (size_t)n + 1 + rl >= sizeof rest)
				return refuse(&w, "is a symbolic link not followed (loop or too long)", name);
			/* rest = target "/" remainder; an absolute target restarts the walk at "/" */
			memmove(rest + n + 1, rest + pos, rl + 1);
			memcpy(rest, link, (size_t)n);
			rest[n] = '/';
			pos = 0;
			if (link[0] == '/') {
				w.curlen = 0;
				w.cur[0] = 0;
				if (sys_lstat("/", &dst) != 0)
					return refuse(&w, ct_errno_text(errno), "");
			}
			continue;
		}
		/* An entry of a directory others can write to may have been put there by them; in a
		 * sticky directory (/tmp) no one else can replace an entry of root's or ours. */
		if (!dir_private(&dst, euid) &&
		    !((dst.st_mode & S_ISVTX) && (st.st_uid == 0 || st.st_uid == euid)))
			return refuse(&w,
			              st.st_uid != euid ? "is not yours, in a directory others can write to"
			                                : "is in a directory others can write to",
			              name);
		if (!S_ISDIR(st.st_mode))
			return refuse(&w, "is not a directory", name);
		memcpy(w.cur, p, strlen(p) + 1);
		w.curlen = strlen(p);
		dst = st;
		if (last)
			return final_check(&w, &st, euid);
	}
}
