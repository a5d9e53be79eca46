/* SPDX-License-Identifier: MIT */
/* trace_key.c: the fingerprint key: read from the trace directory's 0600 key file (or
 * CREDTRACE_KEY_FILE), made there by the first process that finds none; and the "fp"/"kid" words
 * that say in each hdr whether fingerprints are on and under which key. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "ct_secret.h"
#include "ct_str.h"
#include "ct_writer.h"
#include "dirpolicy.h"

#define KEY_NAME ".credtrace.key"

static const char *fp_state = "off: no trace directory";
/* names the key without revealing it: hosts compare fingerprints only when equal */
CT_STATE static char kid[9];
static char key_entry[sizeof "CREDTRACE_KEY_FILE=" + PATH_MAX];

const char *ct_fp_state(void)
{
	return fp_state;
}

const char *ct_fp_kid(void)
{
	return kid[0] ? kid : NULL;
}

static int read_key(const char *kp, uid_t euid, unsigned char *key, size_t *n)
{
	struct stat st;
	int fd = open(kp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK); /* a FIFO must not block us */
	long got;
	if (fd < 0)
		return -1;
	if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    st.st_uid != euid) {
		syscall(SYS_close, fd);
		return -2; /* readable by others or not ours: not a key to trust */
	}
	got = syscall(SYS_read, fd, key, 64);
	syscall(SYS_close, fd);
	if (got < 16)
		return -3;
	*n = (size_t)got;
	return 0;
}

static void set_kid(const unsigned char *key, size_t n)
{
	static const char label[] = "credtrace key id", hexd[] = "0123456789abcdef";
	unsigned char mac[32];
	size_t i;
	ct_hmac_sha256(key, n, (const unsigned char *)label, sizeof label - 1, mac);
	for (i = 0; i < 4; i++) {
		kid[2 * i] = hexd[mac[i] >> 4];
		kid[2 * i + 1] = hexd[mac[i] & 15];
	}
	kid[8] = 0;
}

/* Key file: created atomically (written under a private name, then linked into place), so that
 * concurrent first processes agree on one key. */
void ct_trace_key_setup(const char *dir, uid_t euid)
{
	unsigned char key[64];
	size_t n = 0;
	char kp[PATH_MAX], tmp[PATH_MAX];
	const char *kf = ct_g_config.key_file;
	int fd, rc;
	if (!ct_g_config.fingerprint) {
		ct_fp_key(NULL, 0);
		fp_state = "off: CREDTRACE_FINGERPRINT=0";
		return;
	}
	if (kf && *kf) {
		const char *why;
		/* Unresolvable: read_key fails, fingerprints off. Relative: made absolute once, as
		 * CREDTRACE_DIR, so that the whole run uses one key. */
		if (ct_dir_absolute(kf, kp, sizeof kp, &why) != 0)
			kp[0] = 0;
		else if (kf[0] != '/')
			ct_pass_on_absolute("CREDTRACE_KEY_FILE=", kp, key_entry, sizeof key_entry);
	} else
		ct_str_append(kp, ct_str_append(kp, ct_str_append(kp, 0, sizeof kp, dir), sizeof kp, "/"),
		              sizeof kp, KEY_NAME);
	rc = read_key(kp, euid, key, &n);
	if (rc == -1 && errno == ENOENT) {
		size_t t = ct_str_append(tmp, 0, sizeof tmp, kp);
		char r[17];
		ct_random_hex(r, 16, 1);
		t = ct_str_append(tmp, t, sizeof tmp, ".tmp.");
		ct_str_append(tmp, t, sizeof tmp, r);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			unsigned char k[32];
			if (syscall(SYS_getrandom, k, sizeof k, 0) == (long)sizeof k &&
			    syscall(SYS_write, fd, k, sizeof k) == (long)sizeof k)
				(void)link(tmp, kp); /* EEXIST: another process won; use its key */
			syscall(SYS_close, fd);
			unlink(tmp);
		}
		rc = read_key(kp, euid, key, &n);
	}
	if (rc == 0) {
		ct_fp_key(key, n);
		set_kid(key, n);
		fp_state = "hmac-sha256/48";
	} else {
		ct_fp_key(NULL, 0);
		fp_state = rc == -2 ? "off: key file not private (mode or owner)" : "off: no key file";
	}
	memset(key, 0, sizeof key);
}
