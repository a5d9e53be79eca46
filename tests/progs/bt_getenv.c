/* SPDX-License-Identifier: MIT */
/* bt_getenv.c: reads a credential from a known function so a test can check its native site. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* nocfi_call(fn): calls fn from a frame that has no unwind info and a garbage frame pointer, so
 * the unwinder has nothing to go on above fn. */
__asm__(".text\n"
        ".globl nocfi_call\n"
        ".type nocfi_call,@function\n"
        "nocfi_call:\n"
        "\tpush %rbp\n"
        "\tmov $0x1234, %rbp\n"
        "\tcall *%rdi\n"
        "\tpop %rbp\n"
        "\tret\n"
        ".size nocfi_call,.-nocfi_call\n");
int nocfi_call(int (*fn)(void));

static const char *var = "BT_TEST_API_KEY";

/* The site the test symbolizes: not inlined, and getenv is not a tail call (its frame stays). */
__attribute__((noinline)) int read_the_key(void)
{
	const char *v = getenv(var);
	return v ? (int)strlen(v) : -1;
}

__attribute__((noinline)) static int deep(int n)
{
	if (n == 0)
		return read_the_key();
	int r = deep(n - 1);
	__asm__ volatile("" ::: "memory"); /* keeps the recursion a real call chain */
	return r + 1;
}

/* many N: N distinct credential names read and then set: 2N records with sites. */
static void many(int n)
{
	char name[64];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "BT_TEST_%d_API_KEY", i);
		if (getenv(name))
			puts("set");
		setenv(name, "1", 1);
	}
}

static void *idle(void *arg)
{
	pause();
	return arg;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "once";
	(void)idle;
	if (!strcmp(mode, "once")) {
		read_the_key();
	} else if (!strcmp(mode, "deep")) {
		deep(argc > 2 ? atoi(argv[2]) : 1000);
	} else if (!strcmp(mode, "fork") || !strcmp(mode, "fork-threads")) {
		pthread_t t;
		pid_t p;
		if (mode[4]) /* a second thread exists at the fork */
			pthread_create(&t, NULL, idle, NULL);
		p = fork();
		if (p == 0)
			_exit(read_the_key() < -1);
		waitpid(p, NULL, 0);
	} else if (!strcmp(mode, "fork-again")) {
		/* The parent reads first: the child's read from the same site, with the same value, is
		 * the child's own first read and must be recorded in its trace, not counted as the
		 * parent's (repeated reads are counted without a system call). */
		pid_t p;
		read_the_key();
		p = fork();
		if (p == 0)
			_exit(read_the_key() < -1);
		waitpid(p, NULL, 0);
		read_the_key();
	} else if (!strcmp(mode, "nocfi")) {
		nocfi_call(read_the_key);
	} else if (!strcmp(mode, "many")) {
		many(argc > 2 ? atoi(argv[2]) : 300);
	} else {
		fprintf(stderr, "usage: bt_getenv [once|deep N|fork|fork-threads|fork-again|nocfi|many N]\n");
		return 2;
	}
	return 0;
}
