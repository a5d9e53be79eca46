#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 20-sockets: connected client sockets inherited across fork. Each program runs bare and traced; its
# own output must be identical, and the trace must hold exactly the connect/use/close records due.
. "$(dirname "$0")/../lib.sh"

# A loopback echo server, not traced.
$PY - "$W/port" <<'PYEOF' &
import socketserver, sys
class H(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            d = self.request.recv(4096)
            if not d:
                return
            self.request.sendall(d)
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PYEOF
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.1; done
PORT=$(cat "$W/port")

# both NAME PROG ARGS...: runs PROG bare and traced (trace in $W/NAME.d); checks equal output.
both() {
	local n=$1
	shift
	mkdir -p "$W/$n.d"
	"$@" >"$W/$n.bare" 2>&1 || echo "exit $?" >>"$W/$n.bare"
	traced "$W/$n.d" "$@" >"$W/$n.out" 2>&1 || echo "exit $?" >>"$W/$n.out"
	if cmp -s "$W/$n.bare" "$W/$n.out"; then
		ok "$n: output identical bare and traced"
	else
		fail "$n: output identical bare and traced" "$(diff "$W/$n.bare" "$W/$n.out" | head -5 | tr '\n' '|')"
	fi
}
# Names for tq expressions: the exec'd process's pid, a record's file's hdr pid.
P0="[h['pid'] for h in H if h['origin']=='exec'][0]"
PID="(lambda r: [h['pid'] for h in H if h['_file']==r['_file']][0])"

# --- reuse: two children and the parent write on a socket connected before the forks.
both reuse "$PROGS/sock_reuse" "$PORT"
D=$W/reuse.d
expect_eq "reuse: one connect record" \
	"$(tq "$D" "[(c['type'],c['family'],c['peer'],c['ok'],c['errno'],c['forks']) for c in by('connect')]")" \
	"[('stream', 'inet', '127.0.0.1:$PORT', True, 0, 0)]"
expect_eq "reuse: one use per process, children then parent" \
	"$(tq "$D" "sorted((u['role'],u['op'],u['ino']==by('connect')[0]['ino'],u['owner']==$P0,$PID(u)==$P0,u['gen'],u['peer']) for u in by('use'))")" \
	"[('child', 'write', True, True, False, 1, '127.0.0.1:$PORT'), ('child', 'write', True, True, False, 1, '127.0.0.1:$PORT'), ('parent', 'write', True, True, True, 0, '127.0.0.1:$PORT')]"
expect_eq "reuse: the two children are distinct fork children" \
	"$(tq "$D" "len({u['_file'] for u in by('use') if u['role']=='child'}) == 2 and all(h['origin']=='fork' for h in H if h['pid']!=$P0)")" true
expect_eq "reuse: one close record (last dup), role parent" \
	"$(tq "$D" "[(c['role'],c['ino']==by('connect')[0]['ino']) for c in by('close')]")" "[('parent', True)]"

# --- negatives: inherited listener with accepting children, socketpair, connects after the last
# fork; and a socket closed by the parent right after the fork and used by the child.
both neg "$PROGS/sock_neg" "$PORT"
D=$W/neg.d
X="[c for c in by('connect') if c['peer']=='127.0.0.1:$PORT'][0]['ino']"
# Connects made: each individual record counts once, or as many as its aggregate's last count says.
NCONN="(lambda cs: sum(max([a['count'] for a in by('agg') if a['kind']=='connect' and a['id']==c.get('agg') and a['_file']==c['_file']] or [1]) for c in cs if not c.get('late')))"
expect_eq "neg: three connects, one to the echo server" \
	"$(tq "$D" "($NCONN(by('connect')), $NCONN([c for c in by('connect') if c['peer']=='127.0.0.1:$PORT']))")" "(3, 1)"
expect_eq "neg: only the closed-after-fork socket has a use, in the child" \
	"$(tq "$D" "[(u['role'],u['op'],u['ino']==$X,$PID(u)!=$P0) for u in by('use')]")" "[('child', 'write', True, True)]"
expect_eq "neg: close records: parent right after fork, child after use" \
	"$(tq "$D" "sorted((c['role'],c['ino']==$X,$PID(c)==$P0) for c in by('close'))")" \
	"[('child', True, False), ('parent', True, True)]"

# --- errno and return values, through the fast and the slow path.
both errno "$PROGS/sock_errno"
D=$W/errno.d
expect_eq "errno: failed connect not recorded; uses after the fork recorded once each" \
	"$(tq "$D" "(len(by('connect')), sorted((u['op'],u['role']) for u in by('use')), len(by('close')))")" \
	"(2, [('read', 'parent'), ('send', 'parent')], 0)"
if grep -q '^read(sock) interrupted *ret=-1 errno=EINTR' "$W/errno.out"; then
	ok "errno: EINTR kept on a watched socket"
else
	fail "errno: EINTR kept on a watched socket" "$(grep 'read(sock)' "$W/errno.out")"
fi

# --- families and peers; a connected UDP socket is recorded but not tracked.
mkdir -p "$W/peers.u"
both peers "$PROGS/sock_peers" "$W/peers.u"
D=$W/peers.d
expect_eq "peers: families, types and peer strings" \
	"$(tq "$D" "sorted((c['family'],c['type'],c['peer'].split(']')[0] if c['family']=='inet6' else c['peer'].split(':')[0]) for c in by('connect'))")" \
	"[('inet', 'dgram', '127.0.0.1'), ('inet6', 'stream', '[::1'), ('unix', 'stream', '$W/peers.u/s.sock'), ('unix', 'stream', '@ct-abstract')]"
expect_eq "peers: child uses every stream socket, not the datagram one" \
	"$(tq "$D" "sorted(u['peer'].split(':')[0] for u in by('use'))")" \
	"$(tq "$D" "sorted(c['peer'].split(':')[0] for c in by('connect') if c['type']=='stream')")"

# --- fortified callers reach __read_chk, __recv_chk and __recvfrom_chk.
both chk "$PROGS/sock_chk"
expect_eq "chk: each fortified read of the inherited socket is a use" \
	"$(tq "$W/chk.d" "sorted(u['op'] for u in by('use') if u['role']=='child')")" "['read', 'recv', 'recvfrom']"

# --- stress: threads doing getenv and socket round trips while the main thread forks.
mkdir -p "$W/stress.d"
KEY=$(canary)
if OPENAI_API_KEY=$KEY timeout 300 env LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/stress.d" \
	"$PROGS/sock_stress" 200 200 10 >"$W/stress.out" 2>&1; then
	ok "stress: 200 threads, 200 forks, no error, no hang"
else
	fail "stress: 200 threads, 200 forks, no error, no hang" "$(tail -3 "$W/stress.out" | tr '\n' '|')"
fi
expect_eq "stress: every trace line is valid JSON, one file per process" \
	"$(tq "$W/stress.d" "len(H)")" 201
expect_eq "stress: uses are children's sends of inherited sockets or the parent's own after a fork" \
	"$(tq "$W/stress.d" "all((u['role'],u['op'],u['owner'],$PID(u)!=$P0) == ('child','send',$P0,True) or (u['role'],u['owner'],$PID(u)) == ('parent',$P0,$P0) for u in by('use'))")" true
expect_eq "stress: every child used the pooled connections it inherited" \
	"$(tq "$W/stress.d" "len({u['_file'] for u in by('use') if u['role']=='child'})")" 200
