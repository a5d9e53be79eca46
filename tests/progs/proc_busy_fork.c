/* SPDX-License-Identifier: MIT */
/* proc_busy_fork: 8 threads read credentials and set variables in a loop while the main thread
 * forks children that read, set and exec. Any lock the shim held across fork would hang a child. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int stop;

static void *busy(void *arg)
{
	long n = 0;
	(void)arg;
	while (!atomic_load(&stop)) {
		n += getenv("OPENAI_API_KEY") != NULL;
		n += getenv("HOME") != NULL;
	}
	return (void *)n;
}

int main(void)
{
	pthread_t t[8];
	int i, ok = 0;
	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, busy, NULL);
	for (i = 0; i < 100; i++) {
		pid_t p = fork();
		if (p == 0) {
			if (getenv("OPENAI_API_KEY") == NULL)
				_exit(2);
			setenv("WORKER_TOKEN", "w", 1);
			if (i % 10 == 0)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		int st;
		if (waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("children ok=%d\n", ok);
	return ok == 100 ? 0 : 1;
}
