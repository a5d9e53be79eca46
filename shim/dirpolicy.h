/* SPDX-License-Identifier: MIT */
/* dirpolicy.h: may this process write its traces into a directory? Shared by the shim and `run`. */
#ifndef CT_DIRPOLICY_H
#define CT_DIRPOLICY_H

#include <stddef.h>
#include <sys/types.h>

/* Makes path absolute (relative to the current directory) into out. 0, or -1 with *why. */
int ct_dir_absolute(const char *path, char *out, size_t outlen, const char **why);

/* Walks the absolute path from "/" one component at a time (openat, O_NOFOLLOW), creating the last
 * component 0700 when it is missing. Refuses, with *why and the component concerned in at:
 * - a symbolic link as the last component, or one in a directory that someone other than root or
 *   euid can write to (anyone could have planted it there);
 * - a component in a directory others can write to, unless that directory is sticky and the
 *   component is root's or ours (/tmp/credtrace-<uid>);
 * - a last component that is not a directory, not euid's, group or world writable, or not
 *   writable by its owner.
 * Libc only, no heap, no stdio: it runs in the shim's constructor. 0 when the directory is fine. */
int ct_dir_check(const char *path, uid_t euid, const char **why, char *at, size_t atlen);

/* A short text for an errno value (the shim has no strerror: it may allocate for unknown values). */
const char *ct_errno_text(int e);

#endif
