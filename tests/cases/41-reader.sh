#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The trace reader: bad lines are reported as FILE:LINE: reason and skipped, newer schemas refused by
# name, nothing readable is exit 2, traces of several hosts merge without mixing processes.
set -eu
. "$(dirname "$0")/../lib.sh"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }

hdr() { # host pid [schema] [argv-json]
	printf '{"t":"hdr","ts":1764320000000000,"schema":"%s","pid":%s,"ppid":1,"host":"%s","container":null,"nonce":"00000000000000%02d","exe":"/usr/bin/python3","argv":%s,"origin":"exec","gen":0}\n' \
		"${3:-credtrace.trace/1}" "$2" "$1" "$(($2 % 100))" "${4:-[\"python3\",\"app.py\"]}"
}
env_rec() { printf '{"t":"env","ts":1764320000000001,"name":"%s","state":"present","len":164,"flags":[],"provider":"openai","entropy":"high","fp":"3f9a0c11d2e4"}\n' "$1"; }
# nprocs DIR: number of processes in the JSON report (stderr to DIR.err); prints "rc=N n=M"
report() {
	local rc=0
	"$CLI" report --format json "$@" >"$W/out.json" 2>"$W/err" || rc=$?
	local n
	n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"]))' "$W/out.json" 2>/dev/null || echo none)
	echo "rc=$rc n=$n"
}

# Truncated last line: reported with its line number, the rest used.
d=$W/trunc; mkdir -p "$d"
{ hdr box 10; env_rec OPENAI_API_KEY; printf '{"t":"read","ts":1764320000000009,"name":"OPENAI_A'; } >"$d/box.10.a.jsonl"
expect_eq "truncated last line: rest used" "$(report "$d")" "rc=0 n=1"
check "truncated last line: FILE:LINE: reason" grep -q "box.10.a.jsonl:3: truncated record" "$W/err"
check "truncated last line: env record kept" grep -q '"name":	"OPENAI_API_KEY"' "$W/out.json"

# Binary garbage in the middle.
d=$W/garbage; mkdir -p "$d"
{ hdr box 11; head -c 300 /dev/urandom | tr -d '\n'; echo; env_rec OPENAI_API_KEY; } >"$d/box.11.a.jsonl"
expect_eq "binary garbage: rest used" "$(report "$d")" "rc=0 n=1"
check "binary garbage: reported at line 2" grep -q "box.11.a.jsonl:2: " "$W/err"

# A 10 MB line.
d=$W/huge; mkdir -p "$d"
{ hdr box 12; printf '{"t":"note","what":"'; head -c 10485760 /dev/zero | tr '\0' 'x'; printf '"}\n'; env_rec OPENAI_API_KEY; } >"$d/box.12.a.jsonl"
expect_eq "10 MB line: rest used" "$(report "$d")" "rc=0 n=1"
check "10 MB line: reported" grep -q "box.12.a.jsonl:2: line longer than" "$W/err"

# Invalid UTF-8 in argv (a pipeline that did not keep the shim's escapes): the report stays valid UTF-8.
d=$W/utf8; mkdir -p "$d"
hdr box 13 credtrace.trace/1 "$(printf '["python3","\xff\xfeab\xc3"]')" >"$d/box.13.a.jsonl"
expect_eq "invalid UTF-8 in argv: read" "$(report "$d")" "rc=0 n=1"
check "invalid UTF-8 in argv: report is strict UTF-8 JSON" "$PY" -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8", "strict"))' "$W/out.json"

# A newer schema: refused by name; exit 2 when nothing else is readable, used alongside others.
d=$W/newer; mkdir -p "$d"
{ hdr box 14 credtrace.trace/2; env_rec OPENAI_API_KEY; } >"$d/box.14.a.jsonl"
expect_eq "newer schema alone: exit 2" "$(report "$d")" "rc=2 n=none"
check "newer schema: message names file and both versions" \
	grep -q "box.14.a.jsonl: schema credtrace.trace/2 is newer than this reader (credtrace.trace/1)" "$W/err"
{ hdr box 15; env_rec OPENAI_API_KEY; } >"$d/box.15.a.jsonl"
# (exit 3: the report is printed, and says input was refused; issue 17)
expect_eq "newer schema next to a readable file: the readable one is used, exit 3" "$(report "$d")" "rc=3 n=1"

# An empty directory, a missing path, a file that is not a trace.
mkdir -p "$W/empty"
expect_eq "empty directory: exit 2" "$(report "$W/empty")" "rc=2 n=none"
check "empty directory: says why" grep -q "no readable trace files" "$W/err"
expect_eq "missing path: exit 2" "$(report "$W/does-not-exist")" "rc=2 n=none"
check "missing path: names it" grep -q "does-not-exist" "$W/err"
d=$W/nohdr; mkdir -p "$d"
env_rec OPENAI_API_KEY >"$d/box.16.a.jsonl"
expect_eq "no header: file skipped, exit 2" "$(report "$d")" "rc=2 n=none"
check "no header: reported" grep -q "box.16.a.jsonl:1: first record is \"env\", not a header" "$W/err"

# Only a header: one process, no credentials.
d=$W/onlyhdr; mkdir -p "$d"
hdr box 17 >"$d/box.17.a.jsonl"
expect_eq "only a header: one process" "$(report "$d")" "rc=0 n=1"

# Two hosts (two containers), the same pids: two processes each, never merged.
for h in api worker; do
	mkdir -p "$W/$h"
	{ hdr "$h" 1; env_rec OPENAI_API_KEY; } >"$W/$h/$h.1.a.jsonl"
	{ hdr "$h" 7; } >"$W/$h/$h.7.b.jsonl"
done
expect_eq "two hosts, same pids: four processes" "$(report "$W/api" "$W/worker")" "rc=0 n=4"
got=$($PY -c 'import json,sys; print(sorted((p["host"], p["pid"]) for p in json.load(open(sys.argv[1]))["processes"]))' "$W/out.json")
expect_eq "two hosts, same pids: host+pid pairs" "$got" "[('api', 1), ('api', 7), ('worker', 1), ('worker', 7)]"
# A reused pid on one host: two images with the same pid, different nonces, neither exec'd from the other.
d=$W/reuse; mkdir -p "$d"
hdr box 20 >"$d/box.20.a.jsonl"
sed 's/"nonce":"[0-9a-f]*"/"nonce":"ffffffffffffffff"/; s/000000000000,/500000000,/' "$d/box.20.a.jsonl" >"$d/box.20.b.jsonl"
expect_eq "reused pid: two processes" "$(report "$d")" "rc=0 n=2"
got=$($PY -c 'import json,sys; print([p["parent"] for p in json.load(open(sys.argv[1]))["processes"]])' "$W/out.json")
expect_eq "reused pid: not linked to each other" "$got" "[None, None]"
# Non-.jsonl files (the key file, editor leftovers) are ignored.
printf 'junk' >"$d/.credtrace.key"; printf 'junk' >"$d/notes.txt"
expect_eq "other files ignored" "$(report "$d")" "rc=0 n=2"
check "other files ignored: nothing said" test ! -s "$W/err"

# A module path that is a FIFO (or a device) is never opened for symbolizing: open(2) of a FIFO
# without a writer blocks forever. The report finishes, the frame shows as module+offset. The timeout
# only turns a hang into a failure; it asserts nothing about speed.
d=$W/fifo; mkdir -p "$d"
mkfifo "$d/libfifo.so"
mod_rec() { printf '{"t":"mod","ts":1764320000000002,"id":%s,"path":"%s","build_id":%s,"base":"0x7f0000000000"}\n' "$1" "$2" "$3"; }
read_rec() { printf '{"t":"read","ts":1764320000000009,"fn":"getenv","name":"OPENAI_API_KEY","state":"present","len":164,"flags":[],"provider":"openai","entropy":"high","fp":"3f9a0c11d2e4","rid":%s,"gen":0,"forks":0,"site":{"frames":[[%s,"0x1139"]]}}\n' "$1" "$1"; }
{
	hdr box 21
	env_rec OPENAI_API_KEY
	mod_rec 1 "$d/libfifo.so" null
	mod_rec 2 /dev/zero '"0011223344556677"'
	read_rec 1
	read_rec 2
} >"$d/box.21.a.jsonl"
rc=0
timeout 60 "$CLI" report --format json "$d" >"$W/out.json" 2>"$W/err" || rc=$?
expect_eq "mod path is a FIFO or a device: report finishes" "$rc" 0
check "mod path is a FIFO: frame shown as module+offset" grep -q '"libfifo.so+0x1139"' "$W/out.json"
check "mod path is a device: frame shown as module+offset" grep -q '"zero+0x1139"' "$W/out.json"
