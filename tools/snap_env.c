/* SPDX-License-Identifier: MIT */
/* snap_env.c: a snapshot's view of values: "env" records from /proc/PID/environ with the shim's own
 * value checks and fingerprint (shim/secret.c, shim/sha256.c are linked in), argv with the shim's
 * redaction (shim/argv_redact.c), and the fingerprint key. Values stay in this process: only facts
 * about them reach a record. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../shim/argv_redact.h"
#include "../shim/ct.h"
#include "cli.h"
#include "snap.h"

#define KEY_NAME "/.credtrace.key"

/* As the shim reads its key (shim/writer.c read_key): a private regular file of ours, 16 to 64
 * bytes. Returns 0, -1 (errno set) when it cannot be opened, -2 when not private, -3 when short. */
static int read_key(const char *path, unsigned char key[64], size_t *n)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	ssize_t got;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) || st.st_uid != geteuid()) {
		close(fd);
		return -2;
	}
	got = read(fd, key, 64);
	close(fd);
	if (got < 16)
		return -3;
	*n = (size_t)got;
	return 0;
}

/* Creates path with 32 random bytes, atomically (a private name linked into place): a traced run
 * starting in the same directory at the same moment agrees on one key with us. */
static void create_key(const char *path)
{
	unsigned char k[32];
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	if (getrandom(k, sizeof k, 0) == (ssize_t)sizeof k && write(fd, k, sizeof k) == (ssize_t)sizeof k)
		(void)link(tmp, path); /* EEXIST: someone else's key won; we read theirs */
	close(fd);
	unlink(tmp);
	memset(k, 0, sizeof k);
}

static void set_kid(const unsigned char *key, size_t n, char kid[9])
{
	static const char label[] = "credtrace key id", hex[] = "0123456789abcdef";
	unsigned char mac[32];

	ct_hmac_sha256(key, n, (const unsigned char *)label, sizeof label - 1, mac);
	for (size_t i = 0; i < 4; i++)
		kid[2 * i] = hex[mac[i] >> 4], kid[2 * i + 1] = hex[mac[i] & 15];
	kid[8] = 0;
}

int snap_key_setup(const char *dir, char kid[9], const char **fp_state)
{
	const char *f = getenv("CREDTRACE_FINGERPRINT"), *kf = getenv("CREDTRACE_KEY_FILE");
	unsigned char key[64];
	char path[4096];
	size_t n = 0;
	int rc;

	kid[0] = 0;
	ct_cred_configure(getenv("CREDTRACE_VARS")); /* the names the shim would count, here too */
	ct_fp_key(NULL, 0);
	if (f && !strcmp(f, "0")) {
		*fp_state = "off: CREDTRACE_FINGERPRINT=0";
		return 0;
	}
	if (kf && *kf) {
		if ((rc = read_key(kf, key, &n)) != 0) {
			if (rc == -1)
				weprintf("snap: CREDTRACE_KEY_FILE %s:", kf);
			else
				weprintf("snap: CREDTRACE_KEY_FILE %s: %s", kf,
				         rc == -2 ? "not a private file of ours (mode 0600, our uid)"
				                  : "shorter than 16 bytes");
			return -1;
		}
	} else if (dir) {
		snprintf(path, sizeof path, "%s%s", dir, KEY_NAME);
		if ((rc = read_key(path, key, &n)) == -1 && errno == ENOENT) {
			create_key(path);
			rc = read_key(path, key, &n);
		}
		if (rc != 0) {
			*fp_state =
			    rc == -2 ? "off: key file not private (mode or owner)" : "off: no key file";
			return 0;
		}
	} else {
		/* No key to share: fingerprints compare within this snapshot only (its own key id). */
		if (getrandom(key, 32, 0) != 32) {
			*fp_state = "off: no random bytes for a key";
			return 0;
		}
		n = 32;
	}
	ct_fp_key(key, n);
	set_kid(key, n, kid);
	memset(key, 0, sizeof key);
	*fp_state = "hmac-sha256/48";
	return 0;
}

/* The entries of a NUL-separated block, NULL-terminated; a block cut without a final NUL (a
 * process that wrote over its environment area) ends at n. */
static char **split_block(char *block, size_t n)
{
	char **v;
	size_t k = 0, cnt = 2;

	for (size_t i = 0; i < n; i++)
		cnt += !block[i];
	v = erealloc(NULL, cnt * sizeof *v);
	for (size_t i = 0; i < n;) {
		size_t l = strnlen(block + i, n - i);
		if (i + l == n) /* no NUL: the caller's buffer has one spare byte past n */
			block[n] = 0;
		v[k++] = block + i;
		i += l + 1;
	}
	v[k] = NULL;
	return v;
}

static void add_facts(cJSON *o, const struct ct_facts *f)
{
	cJSON *fl;

	cJSON_AddStringToObject(o, "state", ct_state_name(f->state));
	cJSON_AddNumberToObject(o, "len", (double)f->len);
	fl = cJSON_AddArrayToObject(o, "flags");
	for (unsigned b = 0; b < CT_F_COUNT; b++)
		if (f->flags & (1u << b))
			cJSON_AddItemToArray(fl, cJSON_CreateString(ct_flag_name(b)));
	if (f->provider)
		cJSON_AddStringToObject(o, "provider", f->provider);
	else
		cJSON_AddNullToObject(o, "provider");
	if (f->entropy)
		cJSON_AddStringToObject(o, "entropy", f->entropy);
	else
		cJSON_AddNullToObject(o, "entropy");
	cJSON_AddStringToObject(o, "fp", f->fp);
}

char **snap_env_records(char *block, size_t n, long long ts, cJSON ***recs, size_t *nrecs)
{
	char **env = split_block(block, n);

	for (size_t i = 0; env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		size_t nl;
		int dup = 0;
		struct ct_facts f;
		char *name;
		cJSON *r;
		if (!eq || !(nl = (size_t)(eq - env[i])) || !ct_cred_namen(env[i], nl))
			continue;
		/* the first entry of a name is the one getenv returns (docs/trace-format.md, env) */
		for (size_t k = 0; k < i && !dup; k++)
			dup = !strncmp(env[k], env[i], nl + 1);
		if (dup)
			continue;
		ct_facts_of(env[i], nl, eq + 1, env, &f);
		if (f.state == CT_ABSENT)
			continue;
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "t", "env");
		cJSON_AddNumberToObject(r, "ts", (double)ts);
		name = estrdup(env[i]);
		name[nl] = 0;
		utf8_clean(name);
		cJSON_AddStringToObject(r, "name", name);
		free(name);
		add_facts(r, &f);
		*recs = erealloc(*recs, (*nrecs + 1) * sizeof(cJSON *));
		(*recs)[(*nrecs)++] = r;
	}
	return env;
}

/* ---- argv, redacted by the shim's own rule (shim/argv_redact.c) against the target's environment ---- */

cJSON *snap_argv(char *block, size_t n, char *const *envp, int *trunc)
{
	char **av = split_block(block, n);
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < 16 && av[i]; i++) {
		char buf[129];
		if (ct_argv_redact(av[i], i ? av[i - 1] : NULL, envp)) {
			cJSON_AddItemToArray(a, cJSON_CreateString("<redacted>"));
			continue;
		}
		snprintf(buf, sizeof buf, "%s", av[i]);
		utf8_clean(buf);
		cJSON_AddItemToArray(a, cJSON_CreateString(buf));
	}
	*trunc = av[i] != NULL;
	free(av);
	return a;
}
