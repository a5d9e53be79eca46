/* SPDX-License-Identifier: MIT */
/* argv_redact.h: which command-line arguments may be a credential. One rule for the shim's argv
 * records (argv.c) and for `credtrace snap`, which reads another process's command line (snap_env.c). */
#ifndef CT_ARGV_REDACT_H
#define CT_ARGV_REDACT_H

#include "ct_base.h"

/* 1 when argument a, which follows prev (NULL for the first), is to be written as "<redacted>": the
 * value of a secret option, a key-shaped word, a credential variable's value in envp, an HTTP
 * authorization header, a URL with a password, or NAME=value of a credential. Libc only, no heap. */
int ct_argv_redact(const char *a, const char *prev, char *const *envp) CT_HIDDEN;

#endif
