/* SPDX-License-Identifier: MIT */
/* sock_daemon: daemon-style fd hygiene. Closes every fd three ways, dup2s /dev/null over 0..20 and a
 * file of its own over every number that was open before, writes its files, reads a credential
 * after all that, and lists /proc/self/fd before and after. argv[1]: output directory. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *out;
static int before[1024], nbefore;

/* Writes "fd target" lines for every open fd to OUT/name (the directory's own fd left out); paths
 * under OUT are written as "OUT/...". Remembers the numbers of the first listing in before[]. */
static void list_fds(const char *name)
{
	char lines[64][1100], path[600];
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t ol = strlen(out);
	while (d && (e = readdir(d)) && n < 64) {
		char link[512];
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		ssize_t k = readlink(path, link, sizeof link - 1);
		link[k > 0 ? k : 0] = 0;
		if (!strncmp(link, out, ol))
			snprintf(lines[n++], sizeof lines[0], "%s OUT%s\n", e->d_name, link + ol);
		else
			snprintf(lines[n++], sizeof lines[0], "%s %s\n", e->d_name, link);
		if (strcmp(name, "fds-before.txt") == 0 && nbefore < 1024)
			before[nbefore++] = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof path, "%s/%s", out, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < n; i++)
		if (write(fd, lines[i], strlen(lines[i])) < 0)
			exit(3);
	close(fd);
}

static int open_out(const char *name)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", out, name);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		exit(3);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	out = argv[1];
	const char *k1 = getenv("CT_TEST_API_KEY"); /* read site 1: before the closes */
	list_fds("fds-before.txt");

	close_range(3, ~0U, 0);
	closefrom(3);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	int nul = open("/dev/null", O_RDWR);
	for (int fd = 0; fd <= 20; fd++)
		dup2(nul, fd);
	if (nul > 20)
		close(nul);

	/* Our file now sits on every number that was open before, the trace fd's included. */
	int a = open_out("a.txt");
	for (int i = 0; i < nbefore; i++)
		if (before[i] > 20 && before[i] != a)
			dup2(a, before[i]);
	put(a, "alpha\n");
	const char *k2 = getenv("CT_TEST_API_KEY"); /* read site 2: the trace must continue */
	int b = open_out("b.txt");
	put(b, "beta\n");
	put(a, k1 && k2 && strlen(k1) == strlen(k2) ? "same length\n" : "differs\n");
	for (int i = 0; i < nbefore; i++)
		if (before[i] > 20 && before[i] != a && before[i] != b)
			close(before[i]);
	put(a, "gamma\n");
	close(b);
	list_fds("fds-after.txt");
	close(a);
	return 0;
}
