/* SPDX-License-Identifier: MIT */
/* snap_tree.c: the `credtrace snap` benchmark's subject: a tree of N processes (root, masters of 50
 * workers each, leaves under the root for the rest), each holding FDS descriptors (inherited TCP
 * client and accepted sockets, a listener, pipes, /dev/null), all sleeping. Prints "ready" on
 * stdout once every process exists; everything dies with the root (PR_SET_PDEATHSIG).
 * usage: snap_tree [N [FDS]] (default 2000 25) */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int ready[2];

static void child_wait(void)
{
	char b = 1;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (write(ready[1], &b, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* Forks n sleeping children; returns how many were made. */
static int fork_leaves(int n)
{
	int made = 0;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0)
			child_wait();
		made += p > 0;
	}
	return made;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000, fds = argc > 2 ? atoi(argv[2]) : 25, have, made = 0;
	int c, s, l;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	if (n < 1 || fds < 10 || pipe(ready) != 0)
		return 2;
	/* a listener that stays open (a pre-fork server's), then client/accepted pairs */
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 64))
		return 1;
	have = 3 + 2 + 1; /* stdio, the ready pipe, the listener */
	/* pairs accepted on that listener: a server's side is "accepted", the other a client */
	if (getsockname(l, (struct sockaddr *)&a, &(socklen_t){sizeof a}) != 0)
		return 1;
	while (have + 2 <= fds - 2) {
		if ((c = socket(AF_INET, SOCK_STREAM, 0)) < 0 || connect(c, (struct sockaddr *)&a, sizeof a) ||
		    (s = accept(l, NULL, NULL)) < 0)
			return 1;
		have += 2;
	}
	while (have < fds) {
		if (open("/dev/null", O_RDONLY) < 0)
			return 1;
		have++;
	}
	/* masters of 50 workers each, then the rest as leaves of the root */
	while (made + 51 <= n - 1) {
		pid_t p = fork();
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			fork_leaves(50);
			child_wait();
		}
		made += 51;
	}
	made += fork_leaves(n - 1 - made);
	for (int got = 0; got < made;) {
		char b[256];
		ssize_t k = read(ready[0], b, sizeof b);
		if (k <= 0)
			return 1;
		got += (int)k;
	}
	printf("ready %d\n", made + 1);
	fflush(stdout);
	for (;;)
		pause();
}
