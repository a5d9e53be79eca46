#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 86-fork-region: fork children write into the region their parent mapped before the fork
# (shim/fork_region.c, docs/trace-format.md#fork-region): one stream per child, read as if each had
# its own file; nothing lost when child and parent are killed with SIGKILL; a torn last line and the
# zero tail are not corruption; vfork children and exec'd images keep their own files; a child
# that outgrows the region goes on in its own file and is read as one process; no region (and
# today's files) when the cap or RLIMIT_FSIZE leaves no room for one.
. "$(dirname "$0")/../lib.sh"

FR=$PROGS/fork_region
j() { "$CLI" report --format json "$1" 2>/dev/null | $PY -c 'import json,sys; r=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }
own() { find "$1" -name '*.jsonl' ! -name '*.fork.jsonl' | wc -l; }
regions() { find "$1" -name '*.fork.jsonl' | wc -l; }
reuse_pids() { j "$1" 'sorted(len(f["pids"]) for f in r["findings"] if f["code"]=="SOCKET_REUSED_AFTER_FORK")'; }

# Five recording children: one region, no file of their own, each its own process in the report.
traced "$W/sock" "$FR" sock 5
expect_eq "sock: one region, one own file (the parent's)" "$(regions "$W/sock")/$(own "$W/sock")" "1/1"
expect_eq "sock: region is private and 256 KiB" "$(stat -c '%a %s' "$W"/sock/*.fork.jsonl)" "600 262144"
expect_eq "sock: five child streams in the region, each with its hdr first" \
	"$(tq "$W/sock" "sorted((r['_file'].count('#'), r['origin']) for r in H)")" \
	"[(0, 'exec'), (1, 'fork'), (1, 'fork'), (1, 'fork'), (1, 'fork'), (1, 'fork')]"
expect_eq "sock: every line names its process" \
	"$(tq "$W/sock" "all(r['_file'].endswith('#%d.%s' % (h['pid'], h['nonce'])) for h in H if '#' in h['_file'] for r in R if r['_file'] == h['_file'])")" true
expect_eq "sock: report sees six processes and one reuse by all" \
	"$(j "$W/sock" 'len(r["processes"])')/$(reuse_pids "$W/sock")" "6/[6]"
"$CLI" report "$W/sock" >/dev/null 2>"$W/sock.err"
expect_eq "sock: nothing reported as unreadable" "$(cat "$W/sock.err")" ""

# SIGKILL of the child right after its record, then of the parent: the page cache keeps the record.
rc=0
traced "$W/kill" "$FR" kill >/dev/null 2>&1 || rc=$?
expect_eq "kill: the parent died of SIGKILL" "$rc" 137
expect_eq "kill: killed child's use is in the report" "$(reuse_pids "$W/kill")" "[2]"
expect_eq "kill: the child's stream is in the region" "$(tq "$W/kill" "[r['op'] for r in by('use') if '#' in r['_file']]")" "['write']"

# A torn last line (a writer killed mid-copy, zeros after it) is skipped silently; a torn line with
# complete lines after it is reported by file:line; the findings stay the same.
mkdir -p "$W/torn" "$W/tornmid"
cp "$W"/sock/*.jsonl "$W/torn/"
cp "$W"/sock/*.jsonl "$W/tornmid/"
$PY - "$W"/torn/*.fork.jsonl "$W"/tornmid/*.fork.jsonl <<'PY'
import sys
for path, mid in ((sys.argv[1], False), (sys.argv[2], True)):
    d = bytearray(open(path, "rb").read())
    used = len(d.rstrip(b"\0"))
    torn = b'{"of":"77.0123456789abcdef","t":"use","ts":17'
    if mid:  # the torn copy, a gap of zeros, then a complete line of another process
        whole = b'{"of":"78.0123456789abcdee","t":"hdr","ts":1}\n'
        d[used:used + len(torn)] = torn
        d[used + 100:used + 100 + len(whole)] = whole
    else:
        d[used:used + len(torn)] = torn
    open(path, "wb").write(d)
PY
"$CLI" report "$W/torn" >/dev/null 2>"$W/torn.err"
expect_eq "torn last line: not reported" "$(cat "$W/torn.err")" ""
expect_eq "torn last line: same findings" "$(reuse_pids "$W/torn")" "[6]"
"$CLI" report "$W/tornmid" >/dev/null 2>"$W/tornmid.err" || true
check "torn line mid-region: reported by file:line" grep -q 'fork.jsonl:[0-9]*: truncated record' "$W/tornmid.err"
expect_eq "torn line mid-region: same findings" "$(reuse_pids "$W/tornmid")" "[6]"

# vfork: the child shares the parent's memory and must not write into the region; the image it
# execs writes its own file.
traced "$W/vfork" "$FR" vfork
expect_eq "vfork: the region holds only the fork child" \
	"$(tq "$W/vfork" "sorted(h['origin'] for h in H if '#' in h['_file'])")/$(tq "$W/vfork" "sorted(h['origin'] for h in H if '#' not in h['_file'])")" \
	"['fork']/['exec', 'exec', 'vfork']"

# A child whose reads do not fit goes on in its own file: one process in the report, every read.
traced "$W/many" "$FR" many 1200
expect_eq "many: the child's own file goes on from its region stream" "$(regions "$W/many")/$(own "$W/many")" "1/2"
expect_eq "many: two processes, the child's reads all there" \
	"$(j "$W/many" 'sorted((sum(len(c["reads"]) for c in p["credentials"])) for p in r["processes"])')" \
	"[0, $(tq "$W/many" "len({r['name'] for r in by('read')})")]"

# Region full: the parent maps a new one at its next fork; every child is still read.
traced "$W/full" "$FR" sock 300
check "full: more than one region" test "$(regions "$W/full")" -ge 2
expect_eq "full: 301 processes, a reuse (it lists 64 users at most), 300 children's writes" \
	"$(j "$W/full" 'len(r["processes"])')/$(reuse_pids "$W/full")/$(tq "$W/full" "len({r['_file'] for r in by('use') if r['role'] == 'child'})")" \
	"301/[65]/300"

# No room for a region: a small cap (no file may pass it) or RLIMIT_FSIZE below it. Children write
# their own files as before, and the program sees nothing (no SIGXFSZ).
CREDTRACE_MAX_BYTES=16384 traced "$W/cap" "$FR" sock 3
expect_eq "small cap: no region, one file per process" "$(regions "$W/cap")/$(own "$W/cap")" "0/4"
rc=0
(ulimit -f 128 && traced "$W/fsize" "$FR" sock 3) || rc=$?
expect_eq "RLIMIT_FSIZE 128 KiB: no region, no SIGXFSZ, one file per process" "$rc/$(regions "$W/fsize")/$(own "$W/fsize")" "0/0/4"

# No descriptor of ours between events, in the parent after the region exists or in a child that
# recorded into it (tests/cases/21-fd-hygiene.sh for the own file).
OPENAI_API_KEY=$(canary) traced "$W/fds" "$PY" -c '
import os, sys
d = sys.argv[1] + "/"
def ours():
    out = []
    for f in os.listdir("/proc/self/fd"):
        try:
            out += [l for l in [os.readlink("/proc/self/fd/" + f)] if l.startswith(d)]
        except OSError:
            pass  # the descriptor of the listing itself, closed by now
    return out
pid = os.fork()
if pid == 0:
    os.environ.get("OPENAI_API_KEY")
    os._exit(3 if ours() else 0)
_, st = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(st), ours())' "$W/fds" >"$W/fds.out"
expect_eq "fds: none of ours in parent or child" "$(cat "$W/fds.out")" "0 []"
expect_eq "fds: the child's read went into the region" "$(tq "$W/fds" "[r['name'] for r in by('read') if '#' in r['_file']]")" "['OPENAI_API_KEY']"

# A child that wrote into the region and exits normally writes its "end" there (its trace exists).
OPENAI_API_KEY=$(canary) traced "$W/end" "$PY" -c '
import os, sys
pid = os.fork()
if pid == 0:
    os.environ.get("OPENAI_API_KEY")
    sys.exit(0)
os.waitpid(pid, 0)'
expect_eq "end: both processes exited normally, the child's end in the region" \
	"$(j "$W/end" '[p["end"] is not None for p in r["processes"]]')/$(tq "$W/end" "len([r for r in by('end') if '#' in r['_file']])")" "[True, True]/1"
