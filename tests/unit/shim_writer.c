/* SPDX-License-Identifier: MIT */
/* shim_writer.c: unit tests of the writer layer, linked with the writer's objects, the record builder
 * and what they read (process state, settings, directory policy, key and argv redaction), and no hook
 * (the Makefile's UNIT_LINK_shim_writer). In a temporary directory: the hdr comes first, records
 * append in order, a fork child's and a vfork child's files start with their own hdr, and a missing
 * or unwritable directory writes nothing and leaves errno as it was. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "ct_writer.h"

static char base[64];

/* Number of trace files (*.jsonl) in dir; the key file does not count. */
static int count_traces(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		n += l > 6 && !strcmp(e->d_name + l - 6, ".jsonl");
	}
	closedir(d);
	return n;
}

/* The lines of a file, at most max, each a copy; returns how many. */
static int read_lines(const char *path, char **lines, int max)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	int n = 0;
	if (!f)
		return -1;
	while (n < max && fgets(buf, sizeof buf, f))
		lines[n++] = strdup(buf);
	fclose(f);
	return n;
}

static void free_lines(char **lines, int n)
{
	for (int i = 0; i < n; i++)
		free(lines[i]);
}

static void settings(const char *dir)
{
	static char entry[256];
	static char *envp[2];
	snprintf(entry, sizeof entry, "CREDTRACE_DIR=%s", dir);
	envp[0] = entry;
	envp[1] = NULL;
	ct_config_read(envp);
}

static void emit(const char *type, int n)
{
	struct ct_rec r;
	ct_rec_begin(&r, type);
	ct_rec_int(&r, "n", n);
	ct_trace_emit(&r);
}

/* A directory the policy refuses: init fails, nothing is written, errno is the caller's. */
static void test_refused(const char *what, const char *dir, const char *parent)
{
	int rc;
	settings(dir);
	errno = ERANGE;
	rc = ct_trace_init();
	CHECK_INT(rc, -1, "%s directory: init refuses", what);
	CHECK_INT(errno, ERANGE, "%s directory: init keeps errno", what);
	emit("x", 1);
	CHECK_INT(errno, ERANGE, "%s directory: emit keeps errno", what);
	CHECK_INT(ct_trace_has_file(), 0, "%s directory: no trace file", what);
	CHECK_INT(count_traces(parent), 0, "%s directory: nothing written", what);
}

static void test_good(char *path, size_t pathsz)
{
	char dir[128], *lines[8];
	int n;
	snprintf(dir, sizeof dir, "%s/good", base);
	settings(dir);
	errno = EDOM;
	CHECK_INT(ct_trace_init(), 0, "writable directory: init succeeds");
	CHECK_INT(errno, EDOM, "init keeps errno");
	ct_trace_batch(1);
	ct_trace_write_hdr("exec");
	emit("env", 1);
	ct_trace_batch(0);
	emit("x", 2);
	emit("x", 3);
	CHECK_INT(errno, EDOM, "emit keeps errno");
	CHECK_INT(count_traces(dir), 1, "one trace file");
	ct_trace_file_name(path, pathsz, ct_trace_dir(), ct_g_pid, ct_g_nonce);
	n = read_lines(path, lines, 8);
	if (!CHECK_INT(n, 4, "hdr and three records"))
		return;
	OK(!strncmp(lines[0], "{\"t\":\"hdr\",", 11), "hdr comes first");
	OK(strstr(lines[0], "\"origin\":\"exec\"") && strstr(lines[0], "\"schema\":"), "hdr names origin, schema");
	OK(!strncmp(lines[1], "{\"t\":\"env\",", 11) && strstr(lines[1], "\"n\":1}"), "batched record next");
	OK(strstr(lines[2], "\"n\":2}\n") && strstr(lines[3], "\"n\":3}\n"), "later records append in order");
	free_lines(lines, n);
}

/* A fork child's first record makes its own file, hdr first (origin fork, parent named). */
static void test_fork_child(const char *parent_path)
{
	char dir[128], *lines[4], path[512];
	int st = 0, n;
	pid_t pid = fork();
	if (pid == 0) {
		ct_g_pid = getpid();
		ct_trace_fork_child("fork");
		emit("y", 9);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	snprintf(dir, sizeof dir, "%s/good", base);
	CHECK_INT(count_traces(dir), 2, "fork child: a file of its own");
	n = read_lines(parent_path, lines, 4);
	CHECK_INT(n, 4, "fork child: parent's file unchanged");
	free_lines(lines, n > 0 ? n : 0);
	/* The child's file: the one that is not the parent's. */
	{
		DIR *d = opendir(dir);
		struct dirent *e;
		path[0] = 0;
		while (d && (e = readdir(d)) != NULL)
			if (strstr(e->d_name, ".jsonl") && !strstr(parent_path, e->d_name))
				snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (d)
			closedir(d);
	}
	n = read_lines(path, lines, 4);
	if (!CHECK_INT(n, 2, "fork child: hdr and its record"))
		return;
	OK(!strncmp(lines[0], "{\"t\":\"hdr\",", 11) && strstr(lines[0], "\"origin\":\"fork\"") &&
	       strstr(lines[0], "\"parent\":{"),
	   "fork child: hdr first, origin fork, parent named");
	OK(!strncmp(lines[1], "{\"t\":\"y\",", 9), "fork child: its record after the hdr");
	free_lines(lines, n);
}

/* A vfork child's write (here from this process: the same code path) goes to a file named by a
 * derived nonce, hdr first. */
static void test_vfork_file(void)
{
	char path[512], nonce[17], *lines[4];
	const char *rec = "{\"t\":\"v\"}\n";
	int n;
	errno = EXDEV;
	ct_trace_write_vfork(rec, strlen(rec));
	CHECK_INT(errno, EXDEV, "vfork file: errno kept");
	ct_vfork_nonce(nonce, (long)getpid());
	ct_trace_file_name(path, sizeof path, ct_trace_dir(), (long)getpid(), nonce);
	n = read_lines(path, lines, 4);
	if (!CHECK_INT(n, 2, "vfork file: hdr and the record"))
		return;
	OK(strstr(lines[0], "\"origin\":\"vfork\"") != NULL, "vfork file: hdr first, origin vfork");
	CHECK_STR(lines[1], rec, "vfork file: the record as given");
	free_lines(lines, n);
}

int main(void)
{
	char dir[128], path[512];
	snprintf(base, sizeof base, "/tmp/ct-unit-writer-XXXXXX");
	if (!mkdtemp(base))
		return 1;
	ct_g_pid = getpid();
	snprintf(dir, sizeof dir, "%s/missing/deeper", base);
	test_refused("missing", dir, base);
	/* procfs: no one, root included, may create a file there. */
	test_refused("unwritable (/proc/sys)", "/proc/sys", "/proc/sys");
	if (geteuid() != 0) { /* root writes into a 0500 directory */
		snprintf(dir, sizeof dir, "%s/ro", base);
		mkdir(dir, 0500);
		test_refused("unwritable (mode 0500)", dir, dir);
	} else {
		printf("skip - unwritable (mode 0500) directory: running as root, who may write there\n");
	}
	test_good(path, sizeof path);
	test_fork_child(path);
	test_vfork_file();
	snprintf(path, sizeof path, "rm -rf '%s'", base);
	if (system(path) != 0)
		return 1;
	return CHECK_DONE();
}
