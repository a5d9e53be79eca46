/* SPDX-License-Identifier: MIT */
/* trace_vfork.c: the file of a vfork child. It shares the parent's memory, so it must not touch the
 * parent's file state, counters or nonce: it writes a small file of its own (header, then the
 * record), opened and closed here, with stack memory and raw system calls only. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct_writer.h"

void ct_trace_write_vfork(const char *buf, size_t len)
{
	char p[PATH_MAX], nonce[17];
	struct stat st;
	long pid = ct_raw_getpid();
	const char *dir = ct_trace_dir();
	int fd;
	CT_KEEP_ERRNO;
	if (!dir[0])
		return;
	ct_vfork_nonce(nonce, pid);
	ct_trace_file_name(p, sizeof p, dir, pid, nonce);
	fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return;
	if (syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ct_trace_fsize_ok(st.st_size, len + CT_LINE_MAX)) {
		if (st.st_size == 0) {
			struct ct_rec r;
			ct_rec_begin(&r, "hdr");
			ct_hdr_build(&r, "vfork", nonce);
			ct_rec_finish(&r);
			ct_trace_write_all(fd, r.buf, r.len);
		}
		ct_trace_write_all(fd, buf, len);
	}
	syscall(SYS_close, fd);
}
