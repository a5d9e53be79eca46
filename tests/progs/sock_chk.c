/* SPDX-License-Identifier: MIT */
/* sock_chk: fortified reads (__read_chk, __recv_chk, __recvfrom_chk) of an inherited socket, one per
 * fork child. Prints what each child read. */
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile size_t want = 4; /* not a constant: the fortified wrappers must call the _chk form */

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		return 1;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		return 1;
	int s = accept(l, NULL, NULL);
	if (write(s, "aaaabbbbcccc", 12) != 12)
		return 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int k = 0; k < 3; k++) {
		pid_t pid = fork();
		if (pid == 0) {
			char buf[8] = {0};
			size_t n = want;
			ssize_t r = k == 0   ? read(c, buf, n)
			            : k == 1 ? recv(c, buf, n, 0)
			                     : recvfrom(c, buf, n, 0, NULL, NULL);
			printf("child %d read %zd %.4s\n", k, r, buf);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}
