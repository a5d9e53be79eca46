/* SPDX-License-Identifier: MIT */
/* selfexec: execs itself N times, counting down, then exits: N process images started in one
 * pid with no fork, so (time with a preload - time without) / N is the preload's start-up cost per
 * process (ld.so mapping plus constructor). Usage: selfexec N. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	if (n <= 0)
		return 0;
	char next[24];
	snprintf(next, sizeof next, "%ld", n - 1);
	char *args[] = {argv[0], next, NULL};
	execv("/proc/self/exe", args);
	perror("selfexec: execv");
	return 1;
}
