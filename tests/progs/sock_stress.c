/* SPDX-License-Identifier: MIT */
/* sock_stress: N threads doing getenv and socketpair/TCP round trips while the main thread forks M
 * times (the threads keep going until the forks are done); each child pokes every inherited fd
 * with a zero-length send and exits. Prints "threads N forks M errors E".
 * argv: [threads [forks [iterations]]]. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int iterations = 20;
static int errors;
static int stop; /* set by main after the forks: workers run at least until then */

static void fail(void)
{
	__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
}

static int roundtrip(int w, int r)
{
	char out[8] = "abcdefg", in[8];
	size_t got = 0;
	if (write(w, out, sizeof out) != (ssize_t)sizeof out)
		return -1;
	while (got < sizeof in) {
		ssize_t n = recv(r, in + got, sizeof in - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return memcmp(in, out, sizeof in) ? -1 : 0;
}

static void *worker(void *arg)
{
	(void)arg;
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &al)) {
		fail();
		return NULL;
	}
	/* A pooled connection, kept for the whole run: every fork child inherits it. */
	int keep = socket(AF_INET, SOCK_STREAM, 0);
	int keep_peer = -1;
	if (keep < 0 || connect(keep, (struct sockaddr *)&a, sizeof a) ||
	    (keep_peer = accept(l, NULL, NULL)) < 0)
		fail();
	for (int i = 0; i < iterations || !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
		if (roundtrip(keep, keep_peer))
			fail();
		int sv[2];
		if (!getenv("OPENAI_API_KEY") || !getenv("PATH"))
			fail();
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || roundtrip(sv[0], sv[1]))
			fail();
		close(sv[0]);
		close(sv[1]);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, sizeof a)) {
			fail();
			close(c);
			continue;
		}
		int s = accept(l, NULL, NULL);
		if (s < 0 || roundtrip(c, s) || roundtrip(s, c))
			fail();
		close(s);
		close(c);
		usleep(50000); /* keep every thread alive through the forks without saturating 2 cores */
	}
	close(keep_peer);
	close(keep);
	close(l);
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 200;
	int nforks = argc > 2 ? atoi(argv[2]) : 200;
	if (argc > 3)
		iterations = atoi(argv[3]);
	pthread_t *t = calloc((size_t)nthreads, sizeof *t);
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], &at, worker, NULL))
			fail();
	for (int f = 0; f < nforks; f++) {
		pid_t pid = fork();
		if (pid == 0) {
			if (!getenv("OPENAI_API_KEY"))
				_exit(4);
			for (int fd = 3; fd < 1000; fd++)
				send(fd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL);
			_exit(0);
		}
		int st = 0;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			fail();
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	printf("threads %d forks %d errors %d\n", nthreads, nforks, errors);
	return errors != 0;
}
