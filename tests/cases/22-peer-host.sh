#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 22-peer-host: the getaddrinfo hook labels connected sockets with the host name that resolved to
# their peer (peer_host in connect and use records, "connected ... to localhost:PORT" in the text
# report); getaddrinfo's results and errors are the same traced; a literal IP gets no name.
# shellcheck source=tests/lib.sh disable=SC2119
. "$(dirname "$0")/../lib.sh"

KEY=$(canary)
trap stop_fake_api EXIT
start_fake_api "$KEY"

# What the host sees of getaddrinfo: results for a name, a numeric host, and an error (AI_NUMERICHOST
# with a name fails locally, without asking a DNS server: network stays on loopback).
cat >"$W/gai.py" <<'PY'
import socket, sys
port = int(sys.argv[1])
print(sorted(socket.getaddrinfo("localhost", port, socket.AF_INET, socket.SOCK_STREAM)))
print(socket.getaddrinfo("127.0.0.1", port, socket.AF_INET, socket.SOCK_STREAM))
try:
    socket.getaddrinfo("localhost", port, 0, 0, 0, socket.AI_NUMERICHOST)
except socket.gaierror as e:
    print("gaierror", e.errno)
a = socket.create_connection(("localhost", port)); a.sendall(b"GET /_stats HTTP/1.1\r\nHost: x\r\n\r\n"); a.recv(100)
a.close()
PY
$PY "$W/gai.py" "$API_PORT" >"$W/plain.out" 2>&1 || true
traced "$W/t" $PY "$W/gai.py" "$API_PORT" >"$W/traced.out" 2>&1 || true
check "getaddrinfo results and errors are the same traced" cmp "$W/plain.out" "$W/traced.out"
check "the error case ran" grep -q '^gaierror' "$W/plain.out"
check "connect to a resolved name has peer_host" tq "$W/t" \
	'any(r.get("peer_host") == "localhost" and r["peer"].startswith("127.0.0.1:") for r in by("connect"))'
check "text report: connected to localhost:PORT" grep -q "connected fd [0-9]* to localhost:$API_PORT (127.0.0.1:$API_PORT)" \
	<("$CLI" report "$W/t")
check "json report: sockets carry peer_host" $PY -c '
import json, sys
r = json.load(sys.stdin)
assert any(s.get("peer_host") == "localhost" for p in r["processes"] for s in p["sockets"]), r["processes"]
' < <("$CLI" report --format json "$W/t")

# A C program that connects to a literal address it never resolved: no name.
cat >"$W/lit.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	(void)argc;
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a)) return 1;
	close(fd);
	return 0;
}
C
cc -o "$W/lit" "$W/lit.c"
traced "$W/l" "$W/lit" "$API_PORT" && ok "literal connect runs" || fail "literal connect runs" "status $?"
check "a literal address gets no peer_host" tq "$W/l" \
	'len(by("connect")) == 1 and all("peer_host" not in r for r in by("connect"))'
