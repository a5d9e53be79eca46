/* SPDX-License-Identifier: MIT */
/* e2e_app: one C program per failure credtrace reports, for end-to-end tests under `credtrace run`.
 * Prints "pid P" for itself and "child C" for each child it starts, so tests can check the pids a
 * finding names. Modes: lost, empty, misspelled, malformed, divergent, reuse PORT, ok PORT; "read"
 * is the child side (reads OPENAI_API_KEY, or connects and writes when given a port). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int dial(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("connect");
		exit(3);
	}
	return fd;
}

static void run_child(const char *self, char *const envp[], const char *arg)
{
	char *argv[] = {(char *)"e2e_app", (char *)"read", (char *)arg, NULL};
	pid_t p;
	int st;
	if (posix_spawn(&p, self, NULL, NULL, argv, envp) != 0) {
		perror("posix_spawn");
		exit(3);
	}
	printf("child %d\n", (int)p);
	fflush(stdout);
	waitpid(p, &st, 0);
}

/* envp = environ with OPENAI_API_KEY dropped (value NULL) or replaced. */
static char **env_with(const char *value)
{
	static char *out[512];
	static char buf[256];
	int n = 0;
	for (char **e = environ; *e && n < 510; e++)
		if (strncmp(*e, "OPENAI_API_KEY=", 15) != 0)
			out[n++] = *e;
	if (value) {
		snprintf(buf, sizeof buf, "OPENAI_API_KEY=%s", value);
		out[n++] = buf;
	}
	out[n] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *self = "/proc/self/exe";
	char exe[512];
	ssize_t k = readlink(self, exe, sizeof exe - 1);
	exe[k > 0 ? k : 0] = 0;
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	if (!strcmp(mode, "read")) {
		const char *v = getenv("OPENAI_API_KEY");
		if (argc > 2 && argv[2][0]) {
			int fd = dial(atoi(argv[2]));
			if (write(fd, "x", 1) != 1)
				return 3;
			close(fd);
		}
		return v && *v ? 0 : 1;
	}
	if (!strcmp(mode, "lost")) { /* the child is started without the key and needs it */
		(void)getenv("OPENAI_API_KEY");
		run_child(exe, env_with(NULL), "");
	} else if (!strcmp(mode, "divergent")) { /* the child gets another key */
		(void)getenv("OPENAI_API_KEY");
		run_child(exe, env_with(getenv("E2E_OTHER_KEY")), "");
	} else if (!strcmp(mode, "empty") || !strcmp(mode, "misspelled") || !strcmp(mode, "malformed")) {
		(void)getenv("OPENAI_API_KEY");
	} else if (!strcmp(mode, "reuse") && argc > 2) { /* one connection, written by two forked children */
		int fd = dial(atoi(argv[2]));
		(void)getenv("OPENAI_API_KEY");
		for (int i = 0; i < 2; i++) {
			pid_t p = fork();
			if (p == 0) {
				_exit(write(fd, "y", 1) == 1 ? 0 : 3);
			}
			printf("child %d\n", (int)p);
			fflush(stdout);
			waitpid(p, NULL, 0);
		}
		close(fd);
	} else if (!strcmp(mode, "ok") && argc > 2) { /* the fixed pattern: each child dials and reads */
		run_child(exe, environ, argv[2]);
		run_child(exe, environ, argv[2]);
	} else {
		fprintf(stderr, "usage: e2e_app lost|empty|misspelled|malformed|divergent|reuse PORT|ok PORT\n");
		return 2;
	}
	return 0;
}
