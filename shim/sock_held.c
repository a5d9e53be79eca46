/* SPDX-License-Identifier: MIT */
/* sock_held.c: at attach, the connected client sockets the process holds already: which of them
 * its parent holds too (made before the fork), handed to sock.c to be tracked from now on. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct.h"

#define HELD_MAX 512

struct dirent64_ {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* The numeric entries of a /proc fd directory; raw syscalls (no opendir: no heap). */
static int list_fds(int dfd, int *fds, int max)
{
	char buf[4096];
	long got;
	int n = 0;
	while (n < max && (got = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0)
		for (long o = 0; o < got && n < max;) {
			const struct dirent64_ *e = (const void *)(buf + o);
			int v = 0;
			const char *c = e->d_name;
			o += e->d_reclen;
			if (*c < '0' || *c > '9')
				continue;
			for (; *c >= '0' && *c <= '9'; c++)
				v = v * 10 + (*c - '0');
			fds[n++] = v;
		}
	return n;
}

static int port_of(int fd, int local)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof ss;
	if (syscall(local ? SYS_getsockname : SYS_getpeername, fd, &ss, &l) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/* Writes v in decimal at dst (no NUL); returns the length. */
static size_t put_num(char *dst, uint64_t v)
{
	char t[24];
	size_t n = 0, k;
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (k = 0; k < n; k++)
		dst[k] = t[n - 1 - k];
	return n;
}

/* Does the parent hold a socket of inode ino? Reads /proc/PPID/fd links (same user: allowed). */
static int parent_holds(int pdfd, const int *pfds, int np, uint64_t ino)
{
	char want[40], got[64];
	size_t wl;
	memcpy(want, "socket:[", 8); /* NOLINT(bugprone-not-null-terminated-result): compared by length */
	wl = 8 + put_num(want + 8, ino);
	want[wl++] = ']';
	for (int i = 0; i < np; i++) {
		char name[24];
		long r;
		name[put_num(name, (uint64_t)pfds[i])] = 0;
		r = syscall(SYS_readlinkat, pdfd, name, got, sizeof got);
		if (r == (long)wl && !memcmp(got, want, wl))
			return 1;
	}
	return 0;
}

void ct_sock_held_scan(void)
{
	static int fds[HELD_MAX], pfds[HELD_MAX];
	int listen_ports[64], nl = 0, n, np = 0, pdfd = -1;
	long ppid = syscall(SYS_getppid);
	char pdir[40] = "/proc/";
	int dfd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	n = list_fds(dfd, fds, HELD_MAX);
	syscall(SYS_close, dfd);
	/* Listening ports first: a connection whose local port is one of them was accepted here. */
	for (int i = 0; i < n; i++) {
		int acc = 0, p;
		socklen_t l = sizeof acc;
		if (syscall(SYS_getsockopt, fds[i], SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) == 0 && acc &&
		    (p = port_of(fds[i], 1)) >= 0 && nl < 64)
			listen_ports[nl++] = p;
	}
	if (ppid > 1) {
		memcpy(pdir + 6 + put_num(pdir + 6, (uint64_t)ppid), "/fd", 4);
		pdfd = (int)syscall(SYS_openat, AT_FDCWD, pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pdfd >= 0)
			np = list_fds(pdfd, pfds, HELD_MAX);
	}
	for (int i = 0; i < n; i++) {
		struct stat st;
		int acc = 0, lp, accepted = 0;
		socklen_t l = sizeof acc;
		if (syscall(SYS_fstat, fds[i], &st) != 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (syscall(SYS_getsockopt, fds[i], SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) != 0 || acc)
			continue;
		lp = port_of(fds[i], 1);
		for (int k = 0; k < nl && lp >= 0; k++)
			accepted |= listen_ports[k] == lp;
		if (accepted)
			continue;
		ct_sock_adopt(fds[i], pdfd >= 0 && parent_holds(pdfd, pfds, np, (uint64_t)st.st_ino),
		              (pid_t)ppid);
	}
	if (pdfd >= 0)
		syscall(SYS_close, pdfd);
}
