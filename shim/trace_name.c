/* SPDX-License-Identifier: MIT */
/* trace_name.c: what makes a trace file's name unique: the host name and a per-process nonce, so that
 * a reused pid (and pid 1 in every container) never appends to another process's file. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct_str.h"
#include "ct_writer.h"

CT_STATE char ct_g_nonce[17];
CT_STATE char ct_g_host[65];

static const char hexd[] = "0123456789abcdef";

void ct_random_hex(char *out, size_t ndigits, uint64_t salt)
{
	unsigned char r[16];
	size_t i;
	long got = syscall(SYS_getrandom, r, sizeof r, 1 /* GRND_NONBLOCK */);
	if (got != (long)sizeof r) {
		/* Early boot without entropy: time, pid, stack address and salt still separate
		 * processes of one host, which is all the nonce is for. */
		uint64_t x = ct_now_us() ^ ((uint64_t)ct_raw_getpid() << 32) ^ (uintptr_t)&got ^ salt;
		for (i = 0; i < sizeof r; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r[i] = (unsigned char)x;
		}
	}
	for (i = 0; i < ndigits; i++)
		out[i] = hexd[(r[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[ndigits] = 0;
}

/* The host name as a file name may hold it: anything but [A-Za-z0-9._-] becomes '_'. */
void ct_trace_name_init(void)
{
	struct {
		char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65];
	} u;
	size_t i;
	if (syscall(SYS_uname, &u) != 0)
		ct_str_append(u.nodename, 0, sizeof u.nodename, "unknown");
	for (i = 0; i < sizeof ct_g_host - 1 && u.nodename[i]; i++) {
		char ch = u.nodename[i];
		int okc = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		          ch == '.' || ch == '_' || ch == '-';
		ct_g_host[i] = okc ? ch : '_';
	}
	ct_g_host[i] = 0;
	ct_random_hex(ct_g_nonce, 16, 0);
}

/* A vfork child shares the parent's memory and cannot store a nonce of its own: it derives one from
 * the parent's and its pid, so that several records of one vfork child land in one file. */
void ct_vfork_nonce(char nonce[17], long pid)
{
	uint64_t h = 1469598103934665603ull;
	int i;
	for (i = 0; i < 16; i++)
		h = (h ^ (unsigned char)ct_g_nonce[i]) * 1099511628211ull;
	h ^= (uint64_t)pid * 0x9e3779b97f4a7c15ull;
	for (i = 0; i < 16; i++)
		nonce[i] = hexd[(h >> (i * 4)) & 15];
	nonce[16] = 0;
}

size_t ct_trace_file_stem(char *out, size_t outsz, const char *dir, long pid, const char *nonce)
{
	size_t n = ct_str_append(out, 0, outsz, dir);
	n = ct_str_append(out, n, outsz, "/");
	n = ct_str_append(out, n, outsz, ct_g_host);
	n = ct_str_append(out, n, outsz, ".");
	n = ct_str_append_u(out, n, outsz, (unsigned long)pid);
	n = ct_str_append(out, n, outsz, ".");
	return ct_str_append(out, n, outsz, nonce);
}

size_t ct_trace_file_name(char *out, size_t outsz, const char *dir, long pid, const char *nonce)
{
	return ct_str_append(out, ct_trace_file_stem(out, outsz, dir, pid, nonce), outsz, ".jsonl");
}
