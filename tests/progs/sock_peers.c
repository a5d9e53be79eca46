/* SPDX-License-Identifier: MIT */
/* sock_peers: connects of every family the shim names: IPv6 loopback, a unix path, an abstract unix
 * name, and a connected UDP socket (recorded, not tracked). Then forks: the child writes on all of
 * them. argv[1]: a directory for the unix socket path. Prints one line per connect. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int fds[8], nfds;

/* Listens on addr (port 0 picks one), connects a new socket of type to it; prints the result. */
static void try(const char *what, int family, int type, struct sockaddr *addr, socklen_t len)
{
	int l = socket(family, type, 0);
	socklen_t al = len;
	int ok = l >= 0 && bind(l, addr, len) == 0 && (type != SOCK_STREAM || listen(l, 4) == 0) &&
	         getsockname(l, addr, &al) == 0;
	int c = ok ? socket(family, type, 0) : -1;
	ok = ok && c >= 0 && connect(c, addr, len) == 0;
	printf("%s %s\n", what, ok ? "connected" : "unavailable");
	if (ok)
		fds[nfds++] = c;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	try("inet6", AF_INET6, SOCK_STREAM, (struct sockaddr *)&a6, sizeof a6);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof un.sun_path, "%s/s.sock", argv[1]);
	unlink(un.sun_path);
	try("unix", AF_UNIX, SOCK_STREAM, (struct sockaddr *)&un, sizeof un);
	struct sockaddr_un ab = {.sun_family = AF_UNIX};
	memcpy(ab.sun_path, "\0ct-abstract", 12);
	try("abstract", AF_UNIX, SOCK_STREAM, (struct sockaddr *)&ab,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 12));
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	try("udp", AF_INET, SOCK_DGRAM, (struct sockaddr *)&a4, sizeof a4);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < nfds; i++)
			if (write(fds[i], "x", 1) != 1)
				_exit(3);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	printf("child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
