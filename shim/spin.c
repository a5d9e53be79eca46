/* SPDX-License-Identifier: MIT */
/* spin.c: the slow side of ct_spin_lock (ct_base.h). */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "ct_base.h"

void ct_spin_yield(void)
{
	syscall(SYS_sched_yield); /* raw: touches no libc state, safe in a vfork child */
}
