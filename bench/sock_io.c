/* SPDX-License-Identifier: MIT */
/* sock_io: the socket hooks' fast path. N small write+read round trips over one loopback TCP
 * connection to an echo thread, then C connect/shutdown/close cycles, each waiting for the server's close. The process pins itself to the CPU
 * it starts on: unpinned loopback round trips between two CPUs are bimodal on this machine.
 * Usage: sock_io [N [C]] (default 100000 2000). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MSG = 64 };

/* Echo every connection until EOF, one connection at a time. */
static void *echo_server(void *arg)
{
	int l = *(int *)arg;
	char buf[MSG];
	for (;;) {
		int s = accept(l, NULL, NULL);
		if (s < 0)
			return NULL;
		int one = 1;
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		ssize_t r;
		while ((r = read(s, buf, sizeof buf)) > 0)
			if (write(s, buf, (size_t)r) != r)
				break;
		close(s);
	}
}

static int dial(const struct sockaddr_in *a)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (const struct sockaddr *)a, sizeof *a))
		return -1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return s;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, cycles = argc > 2 ? atol(argv[2]) : 2000;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	char msg[MSG] = "ping", buf[MSG];
	pthread_t t;

	int cpu = sched_getcpu();
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof set, &set); /* threads created later inherit it */

	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 64) ||
	    getsockname(l, (struct sockaddr *)&a, &al) || pthread_create(&t, NULL, echo_server, &l)) {
		perror("sock_io: listen");
		return 1;
	}
	int s = dial(&a);
	if (s < 0) {
		perror("sock_io: connect");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		size_t got = 0;
		if (write(s, msg, sizeof msg) != (ssize_t)sizeof msg) {
			perror("sock_io: write");
			return 1;
		}
		while (got < sizeof buf) {
			ssize_t r = read(s, buf + got, sizeof buf - got);
			if (r <= 0) {
				perror("sock_io: read");
				return 1;
			}
			got += (size_t)r;
		}
	}
	close(s);
	for (long i = 0; i < cycles; i++) {
		/* Wait for the server's close before the next connect: unaccepted connections would
		 * overflow the backlog and a dropped SYN costs a one-second retransmission timeout. */
		int c = dial(&a);
		if (c < 0 || shutdown(c, SHUT_WR) || read(c, buf, sizeof buf) != 0) {
			perror("sock_io: connect cycle");
			return 1;
		}
		close(c);
	}
	return 0;
}
