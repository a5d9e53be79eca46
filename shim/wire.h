/* SPDX-License-Identifier: MIT */
/* wire.h: the key on the wire: what the I/O hooks (sock_io.c, tls.c) hand to wire.c. All hidden. */
#ifndef CT_WIRE_H
#define CT_WIRE_H

#include <string.h>

#include "ct.h"

/* Bytes of a request head that are looked at: the request line and the headers that fit. */
#define CT_WIRE_SCAN 4096

/* Length of the request-line method and its space ("POST " is 5) when b starts like an HTTP/1.x
 * request, else 0. A handful of byte compares: this is what every write of an HTTP connection and
 * every SSL write pays. */
static inline size_t ct_wire_method(const char *b, size_t n)
{
	static const struct {
		char m[8];
		unsigned char len;
	} ms[] = {{"GET ", 4},    {"POST ", 5}, {"PUT ", 4},    {"PATCH ", 6},
	          {"DELETE ", 7}, {"HEAD ", 5}, {"OPTIONS ", 8}};
	if (n < 4 || (unsigned)(b[0] - 'A') >= 26u)
		return 0;
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
		if (n >= ms[i].len && b[0] == ms[i].m[0] && !memcmp(b, ms[i].m, ms[i].len))
			return ms[i].len;
	return 0;
}

/* Does b start a response ("HTTP/1.")? */
static inline int ct_wire_is_status(const char *b, size_t n)
{
	return n >= 12 && b[0] == 'H' && !memcmp(b, "HTTP/1.", 7);
}

/* A request head is about to be sent on a connection: id is the fd for a plaintext socket, the SSL
 * object's address for TLS; fd is the socket when known (else -1), for its peer and inode. Records
 * the credential it carries (`wire`) when it differs from the connection's previous one. Keeps
 * errno; passes when tracing is off, inside the shim, or in a vfork child. */
void ct_wire_request(int tls, uintptr_t id, int fd, const char *buf, size_t n) CT_HIDDEN;
/* Bytes that start a response arrived on the connection: counts the status, records 401 and 403
 * (`wire_status`). Same promises. */
void ct_wire_response(int tls, uintptr_t id, const char *buf, size_t n) CT_HIDDEN;

/* Plaintext sockets (sock_io.c's slow paths, for fds flagged CT_FD_HTTP / CT_FD_HTTPOK). */
void ct_wire_fd_out(int fd, const void *buf, size_t n) CT_HIDDEN;
void ct_wire_fd_in(int fd, const void *buf, size_t n) CT_HIDDEN;

/* In a fork child, from ct_sock_fork_child: the locks of wire.c and tls.c may have been held by a
 * thread of the parent that is gone. */
void ct_wire_fork_child(void) CT_HIDDEN;
void ct_tls_fork_child(void) CT_HIDDEN;

/* sock.c: the connection's HTTP state. mark: the first write showed HTTP/1.x (1) or not (0): the
 * fd's flags follow. peer: "ip:port" of a tracked fd into buf (cap bytes, not terminated), its
 * length, 0 when fd is not tracked; *ino its inode. */
void ct_sock_http_mark(int fd, int is_http) CT_HIDDEN;
size_t ct_sock_peer(int fd, char *buf, size_t cap, uint64_t *ino) CT_HIDDEN;

#endif
