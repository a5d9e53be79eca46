/* SPDX-License-Identifier: MIT */
/* busy_steady: the steady-state program of issue 14. GETS getenv of HOME, PATH and TZ, then CYCLES
 * loopback connect/write/close cycles from one call site; halfway it blanks OPENAI_API_KEY and puts
 * it back (two state changes that must stay individual records). With "fork": one more socket from
 * the same site stays open, and a fork child and the parent both write on it (the finding). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in addr = {.sin_family = AF_INET};

/* One call site for every connect: the repeated event the shim aggregates. */
static int __attribute__((noinline)) dial(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
		perror("connect");
		exit(1);
	}
	return s;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"HOME", "PATH", "TZ"};
	long gets = argc > 1 ? atol(argv[1]) : 1000000, sum = 0;
	int cycles = argc > 2 ? atoi(argv[2]) : 2000, fork_ = argc > 3 && !strcmp(argv[3], "fork");
	socklen_t al = sizeof addr;
	char b;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof addr) || listen(l, 8) ||
	    getsockname(l, (struct sockaddr *)&addr, &al))
		return 1;
	for (long i = 0; i < gets; i++) {
		const char *v = getenv(names[i % 3]);
		sum += v ? (long)strlen(v) : 0;
	}
	for (int c = 0; c < cycles; c++) {
		int s = dial(), a = accept(l, NULL, NULL);
		if (a < 0 || write(s, "x", 1) != 1 || read(a, &b, 1) != 1)
			return 1;
		close(s);
		close(a);
		if (c == cycles / 2) {
			const char *k = getenv("OPENAI_API_KEY");
			char *saved = k ? strdup(k) : NULL;
			setenv("OPENAI_API_KEY", "", 1);
			if (saved) {
				setenv("OPENAI_API_KEY", saved, 1);
				free(saved);
			}
		}
	}
	if (fork_) {
		int s = dial(), a = accept(l, NULL, NULL);
		pid_t p = fork();
		if (p == 0) {
			if (write(s, "c", 1) != 1)
				_exit(1);
			_exit(0);
		}
		waitpid(p, NULL, 0);
		if (a < 0 || write(s, "p", 1) != 1 || read(a, &b, 1) != 1 || read(a, &b, 1) != 1)
			return 1;
	}
	printf("done %d %s\n", cycles, sum > 0 ? "env" : "noenv");
	return 0;
}
