/* SPDX-License-Identifier: MIT */
/* process.c: the process-wide state every layer reads (is tracing on, which process and generation
 * this is, the per-thread guard), kept apart from init.c, which sets it: the writer reads it without
 * linking the constructor and, through it, every hook. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct.h"

CT_STATE int ct_g_on;
CT_STATE pid_t ct_g_pid;
CT_STATE int ct_g_gen;
CT_STATE struct ct_hot ct_g_hot;
__thread int ct_g_guard;
CT_STATE int ct_g_cfg_backtrace;
CT_STATE char ct_g_self_path[512];
CT_STATE char
    ct_g_exe[512]; /* /proc/self/exe, read once at start (backtrace.c names the main program by it) */
CT_STATE char **ct_g_argv;

/* Inline on x86-64: the atfork child handler calls it in every fork child, where each page of libc
 * text first touched (syscall() is on one) is one more page fault. */
long ct_raw_getpid(void)
{
#if defined(__x86_64__)
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
	return r;
#else
	return syscall(SYS_getpid);
#endif
}

/* The number of threads: /proc/self/task has one entry per thread besides . and .., and its link
 * count says so in one stat() (reading /proc/self/stat takes three system calls). */
int ct_thread_count(void)
{
	struct stat st;
	/* glibc clears it at the first pthread_create and never sets it again: 1 needs no syscall. */
	if (ct_g_single_threaded && *ct_g_single_threaded)
		return 1;
	if (syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/task", &st, 0) != 0 || st.st_nlink < 3)
		return 0;
	return (int)st.st_nlink - 2;
}
