/* SPDX-License-Identifier: MIT */
/* attach_threads: started without the shim; threads loop in malloc/free and in getenv of a
 * credential while credtrace attaches and detaches. Each loop counts; the main thread prints the
 * counts every 100 ms on stdout (a stalled thread shows as a count that stops moving). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long counts[4];
static volatile int stop;

static void *mallocs(void *arg)
{
	int i = (int)(long)arg;
	while (!stop) {
		void *p = malloc(64 + (counts[i] % 4096));
		memset(p, 1, 16);
		free(p);
		counts[i]++;
	}
	return NULL;
}

static void *getenvs(void *arg)
{
	int i = (int)(long)arg;
	while (!stop) {
		const char *v = getenv("OPENAI_API_KEY");
		if (v && !*v)
			abort();
		counts[i]++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[4];
	int secs = argc > 1 ? atoi(argv[1]) : 10;
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, i < 2 ? mallocs : getenvs, (void *)i);
	for (int k = 0; k < secs * 10; k++) {
		usleep(100000);
		printf("%lu %lu %lu %lu\n", counts[0], counts[1], counts[2], counts[3]);
		fflush(stdout);
	}
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("done\n");
	return 0;
}
