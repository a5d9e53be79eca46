/* SPDX-License-Identifier: MIT */
/* glibc_compat.h: the shim's references bound to symbol versions glibc 2.17 already has, so that one
 * libcredtrace.so loads in old and new glibc images (tests/cases/48-portable.sh reads objdump -T).
 * Included by ct.h; functions that newer glibc versions (fstat 2.33, __libc_single_threaded 2.32,
 * __x86_get_cpuid_feature_leaf 2.33) would bring are raw syscalls or looked up at start (compat.c). */
#ifndef GLIBC_COMPAT_H
#define GLIBC_COMPAT_H

#if defined(__GLIBC__) && !defined(CT_NO_GLIBC_COMPAT)
/* glibc 2.34 moved dlopen and friends from libdl into libc under GLIBC_2.34; libc still exports the
 * old versions for old programs, and before 2.34 libdl.so.2 has them (the shim links it: a stub in
 * 2.34+). */
#if defined(__x86_64__)
#define CT_DL_VERSION "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define CT_DL_VERSION "GLIBC_2.17"
#endif
#if defined(CT_DL_VERSION)
__asm__(".symver dlopen,dlopen@" CT_DL_VERSION);
__asm__(".symver dlsym,dlsym@" CT_DL_VERSION);
__asm__(".symver dladdr,dladdr@" CT_DL_VERSION);
__asm__(".symver dlclose,dlclose@" CT_DL_VERSION);
__asm__(".symver dlerror,dlerror@" CT_DL_VERSION);
#endif
#endif

#if defined(__GLIBC__)
#define CT_MMSG_FLAGS int
#else
#define CT_MMSG_FLAGS unsigned int /* musl's sendmmsg and recvmmsg take unsigned flags */
/* musl (make musl) declares no closefrom (glibc 2.34, the BSDs); the hook exists for programs that
 * bring their own, and its real one is looked up by name like every other. */
void closefrom(int lowfd);
#endif

#endif
