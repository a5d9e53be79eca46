/* SPDX-License-Identifier: MIT */
/* compat.c: glibc facilities newer than 2.17, looked up once in the constructor instead of linked,
 * so that the shim loads where they do not exist (glibc_compat.h says why). */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "ct.h"

const char *ct_g_single_threaded CT_HIDDEN;

/* Called by ct_real_resolve, in the constructor: a dlsym that finds nothing allocates its error
 * message, which a hook must never cause (it may run inside malloc or a signal handler; libfaketime
 * #130 and proxychains-ng #119 deadlocked that way). */
void ct_compat_resolve(void)
{
	ct_g_single_threaded = (const char *)dlsym(RTLD_DEFAULT, "__libc_single_threaded");
#if defined(__x86_64__)
	ct_g_cpuid_leaf = dlsym(RTLD_DEFAULT, "__x86_get_cpuid_feature_leaf");
#endif
}
