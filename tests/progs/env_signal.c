/* SPDX-License-Identifier: MIT */
/* env_signal: a signal handler reads a credential while the main loop reads it too: the shim's
 * guard must keep the handler from waiting on the shim's own lock (a deadlock ends in a timeout). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t hits;

static void on_alarm(int sig)
{
	(void)sig;
	if (getenv("OPENAI_API_KEY"))
		hits++;
}

int main(void)
{
	struct sigaction sa;
	struct itimerval it = {{0, 200}, {0, 200}};
	long i, n = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < 3000000; i++) {
		n += getenv("OPENAI_API_KEY") != NULL;
		if (i % 1000 == 0)
			setenv("OTHER_TOKEN", i % 2000 ? "a-token-value" : "", 1);
	}
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	printf("reads=%ld handler=%s\n", n, hits > 0 ? "ran" : "did-not-run");
	return 0;
}
