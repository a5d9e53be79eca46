/* SPDX-License-Identifier: MIT */
/* fuzz_report.c: libFuzzer target: bytes -> trace files -> reader -> model -> rules -> JSON and text. */
/* Input: trace lines. A line "#file" starts a new trace file in the same directory, a line "#input"
 * starts a new PATH argument (another directory: inputs are hosts whose fingerprints are not
 * compared), so one input can describe a process tree across files and hosts. The reader only reads
 * paths, so the files are written to a private directory on each run.
 * Oracles besides the sanitizers: the JSON report parses, and it is valid UTF-8 (the reader promises
 * "reports stay valid JSON" whatever bytes a log pipeline put into a trace). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "reader.h"
#include "render.h"
#include "rules.h"
#include "symbolize.h"

#define MAX_INPUTS 4
#define MAX_FILES 16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[256];

static void die(const char *what)
{
	fprintf(stderr, "fuzz_report: %s: %s\n", what, strerror(errno));
	abort();
}

static void rm_rf_inputs(void)
{
	char p[512];
	for (int i = 0; i < MAX_INPUTS; i++) {
		for (int f = 0; f < MAX_FILES; f++) {
			snprintf(p, sizeof p, "%s/%d/%02d.jsonl", root, i, f);
			unlink(p);
		}
	}
}

static void cleanup(void)
{
	char p[512];
	rm_rf_inputs();
	for (int i = 0; i < MAX_INPUTS; i++) {
		snprintf(p, sizeof p, "%s/%d", root, i);
		rmdir(p);
	}
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("FUZZ_TMPDIR");
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(root, sizeof root, "%s/fuzz_report.XXXXXX", tmp);
	if (!mkdtemp(root))
		die("mkdtemp");
	for (int i = 0; i < MAX_INPUTS; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/%d", root, i);
		if (mkdir(p, 0700) < 0)
			die("mkdir");
	}
	atexit(cleanup);
	return 0;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

static int is_marker(const uint8_t *p, size_t n, const char *m)
{
	size_t k = strlen(m);
	return n == k && !memcmp(p, m, k);
}

/* Splits data into files; returns the number of inputs used (directories with at least one file
 * are all passed: an empty directory is a valid PATH too). */
static int write_files(const uint8_t *data, size_t size)
{
	int input = 0, file = 0, fd = -1;
	size_t off = 0;
	char p[512];

	while (off <= size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t end = nl ? (size_t)(nl - data) : size, len = end - off;
		int newfile = is_marker(data + off, len, "#file"), newinput = is_marker(data + off, len, "#input");
		if (newinput && input + 1 < MAX_INPUTS) {
			input++;
			file = 0;
			if (fd >= 0)
				close(fd);
			fd = -1;
		} else if (newfile && fd >= 0 && file + 1 < MAX_FILES) {
			file++;
			close(fd);
			fd = -1;
		} else if (!newfile && !newinput) {
			if (fd < 0) {
				snprintf(p, sizeof p, "%s/%d/%02d.jsonl", root, input, file);
				fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
				if (fd < 0)
					die("open");
			}
			/* the line with its newline, if it had one: a last line without one is a truncated record */
			write_all(fd, data + off, len + (nl ? 1 : 0));
		}
		if (!nl)
			break;
		off = end + 1;
	}
	if (fd >= 0)
		close(fd);
	return input + 1;
}

static int utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
		if (k == 9 || (k == 1 && c < 0xc2) || i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

static void check_json(const char *buf, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(buf, len);
	if (!j) {
		fprintf(stderr, "fuzz_report: render_json wrote invalid JSON (%zu bytes)\n", len);
		abort();
	}
	if (!cJSON_IsObject(j) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "processes")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "findings"))) {
		fprintf(stderr, "fuzz_report: JSON report lacks processes/findings arrays\n");
		abort();
	}
	cJSON_Delete(j);
	if (!utf8_valid((const unsigned char *)buf, len)) {
		fprintf(stderr, "fuzz_report: JSON report is not valid UTF-8\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *paths[MAX_INPUTS], pbuf[MAX_INPUTS][300];
	struct traceset ts;
	struct model m;
	struct findings fs;
	int n = write_files(data, size);

	for (int i = 0; i < n; i++) {
		snprintf(pbuf[i], sizeof pbuf[i], "%s/%d", root, i);
		paths[i] = pbuf[i];
	}
	if (reader_load(paths, n, &ts) == 0 && ts.n > 0) {
		char *buf = NULL;
		size_t len = 0;
		FILE *out;

		model_build(&ts, &m);
		reader_free(&ts);
		rules_run(&m, &fs);
		if (!(out = open_memstream(&buf, &len)))
			die("open_memstream");
		render_json(out, &m, &fs);
		fclose(out);
		check_json(buf, len);
		free(buf);
		buf = NULL;
		if (!(out = open_memstream(&buf, &len)))
			die("open_memstream");
		render_text(out, &m, &fs, size & 1); /* colour on for odd sizes: both paths, deterministically */
		fclose(out);
		free(buf);
		findings_free(&fs);
		model_free(&m);
	} else {
		reader_free(&ts);
	}
	sym_cleanup();
	rm_rf_inputs();
	return 0;
}
