/* SPDX-License-Identifier: MIT */
/* proc_spawn_env: starts children every way there is, each with an environment that drops or
 * empties the credential: vfork+execve, fork+execvp, posix_spawn, posix_spawnp, execle in a fork
 * child, system and popen. Prints each child's status. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void waitfor(const char *what, pid_t p)
{
	int st = 0;
	waitpid(p, &st, 0);
	printf("%s status=%d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv)
{
	char *av[] = {"sh", "-c", "exit 7", NULL};
	char *ev[] = {"PATH=/usr/bin:/bin", "OPENAI_API_KEY=", NULL};
	char *ev_lost[] = {"PATH=/usr/bin:/bin", NULL};
	pid_t p;
	int rc;
	FILE *f;
	char buf[64];
	(void)argc;
	(void)argv;
	p = vfork();
	if (p == 0) {
		execve("/bin/sh", av, ev_lost);
		_exit(127);
	}
	waitfor("vfork-execve", p);
	p = fork();
	if (p == 0) {
		execvp("sh", av);
		_exit(127);
	}
	waitfor("fork-execvp", p);
	rc = posix_spawn(&p, "/bin/sh", NULL, NULL, av, ev);
	printf("posix_spawn rc=%d\n", rc);
	waitfor("posix_spawn", p);
	rc = posix_spawnp(&p, "sh", NULL, NULL, av, ev_lost);
	printf("posix_spawnp rc=%d\n", rc);
	waitfor("posix_spawnp", p);
	rc = posix_spawn(&p, "/nonexistent/prog", NULL, NULL, av, ev);
	printf("posix_spawn-missing rc=%d\n", rc);
	if (rc == 0)
		waitfor("posix_spawn-missing", p);
	p = fork();
	if (p == 0) {
		execle("/bin/sh", "sh", "-c", "exit 5", (char *)NULL, ev_lost);
		_exit(127);
	}
	waitfor("fork-execle", p);
	p = fork();
	if (p == 0) {
		execl("/nonexistent/prog", "x", (char *)NULL);
		printf("execl-missing returned\n");
		_exit(9);
	}
	waitfor("fork-execl-missing", p);
	rc = system("exit 4");
	printf("system status=%d\n", WEXITSTATUS(rc));
	f = popen("echo from-popen", "r");
	if (f && fgets(buf, sizeof buf, f))
		printf("popen read=%s", buf);
	if (f)
		printf("pclose=%d\n", pclose(f));
	return 0;
}
