/* SPDX-License-Identifier: MIT */
/* sock_rtt: N write+read round trips over a loopback TCP connection (the I/O hooks' fast path), for
 * callgrind instruction counts with and without the shim. argv[1]: N (default 100000). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* The measured loop, a separate function so that callgrind can count it alone (--toggle-collect). */
__attribute__((noinline)) static long rtt_loop(int c, int s, long n)
{
	char buf[64] = {0};
	long bytes = 0;
	for (long i = 0; i < n; i++) {
		if (write(c, buf, sizeof buf) != (ssize_t)sizeof buf)
			return -1;
		size_t got = 0;
		while (got < sizeof buf) {
			ssize_t r = read(s, buf + got, sizeof buf - got);
			if (r <= 0)
				return -1;
			got += (size_t)r;
		}
		bytes += (long)got;
	}
	return bytes;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	int one = 1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		return 1;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		return 1;
	int s = accept(l, NULL, NULL);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	printf("bytes %ld\n", rtt_loop(c, s, n));
	return 0;
}
