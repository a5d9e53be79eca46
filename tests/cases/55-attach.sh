#!/usr/bin/env bash
# credtrace attach/detach on processes started without credtrace: a Python worker that forked after
# connecting, a multi-threaded C program, and the refusals that must leave the target untouched.
. "$(dirname "$0")/../lib.sh"

if [ -n "${SANITIZE:-}" ]; then
	# The shim built with a sanitizer needs its runtime loaded first; a running target has none.
	skip "attach" "SANITIZE=$SANITIZE: a sanitizer-built shim cannot be loaded into a plain process"
	exit 0
fi
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	stop_fake_api
}
trap cleanup EXIT
alive() { kill -0 "$1" 2>/dev/null; }
# wait_file F: start-up wait for a file a test process writes (not a timing assertion).
wait_file() { for _ in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# ---- refusals: exit 2, a message, the target alive ------------------------------------------------
rc=0; "$CLI" attach -o "$W/none" 999999999 2>"$W/r1.err" || rc=$?
expect_eq "nonexistent pid: exit 2" "$rc" 2
grep -q "no such process" "$W/r1.err" && ok "nonexistent pid: says so" || fail "nonexistent pid message" "$(cat "$W/r1.err")"

printf 'int main(void){for(;;){__asm__ volatile("pause");}}\n' >"$W/static.c"
if cc -static -o "$W/static" "$W/static.c" 2>/dev/null; then
	"$W/static" &
	sp=$!
	pids+=("$sp")
	rc=0; "$CLI" attach -o "$W/st" "$sp" 2>"$W/r2.err" || rc=$?
	expect_eq "static binary: exit 2" "$rc" 2
	grep -q "static binary" "$W/r2.err" && ok "static binary: says why" || fail "static message" "$(cat "$W/r2.err")"
	alive "$sp" && ok "static binary: still running" || fail "static binary alive" "gone"
	grep -q "State:.*[RS]" "/proc/$sp/status" && ok "static binary: not left stopped" || fail "static state" "$(grep State "/proc/$sp/status")"
	[ ! -e "$W/st" ] || [ -z "$(ls -A "$W/st")" ] && ok "static binary: no trace written" || fail "static trace" "$(ls "$W/st")"
else
	skip "static binary refusal" "no static libc (libc6-dev's libc.a) to build one"
fi

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid 65534 --regid 65534 --clear-groups sleep 60 &
	op=$!
	pids+=("$op")
	sleep 0.2
	rc=0; setpriv --reuid 65533 --regid 65533 --clear-groups "$CLI" attach "$op" 2>"$W/r3.err" || rc=$?
	expect_eq "another user's process: exit 2" "$rc" 2
	grep -q "CAP_SYS_PTRACE" "$W/r3.err" && ok "another user's process: says how to allow it" ||
		fail "other user message" "$(cat "$W/r3.err")"
	alive "$op" && ok "another user's process: still running" || fail "other user alive" "gone"
else
	skip "another user's process" "needs root to start processes as two other users"
fi

# ---- a multi-threaded C program in malloc and getenv loops: attach/detach cycles ------------------
key=$(canary)
OPENAI_API_KEY="$key" "$PROGS/attach_threads" 60 >"$W/threads.out" &
tp=$!
pids+=("$tp")
wait_file "$W/threads.out"
cycles_ok=0
for _ in $(seq 10); do
	if "$CLI" attach -o "$W/thr" "$tp" 2>>"$W/thr.err" && "$CLI" detach "$tp" 2>>"$W/thr.err"; then
		cycles_ok=$((cycles_ok + 1))
	fi
done
expect_eq "threads: 10 attach/detach cycles succeed" "$cycles_ok" 10
alive "$tp" && ok "threads: program alive after the cycles" || fail "threads alive" "gone"
before=$(tail -1 "$W/threads.out")
sleep 0.5
after=$(tail -1 "$W/threads.out")
$PY - "$before" "$after" <<'PY' && ok "threads: every thread still counting" || fail "threads counting" "$before -> $after"
import sys
b, a = (list(map(int, s.split())) for s in sys.argv[1:3])
sys.exit(0 if all(y > x for x, y in zip(b, a)) else 1)
PY
tq "$W/thr" 'any(r["fn"]=="getenv" and r["name"]=="OPENAI_API_KEY" for r in by("read"))' >/dev/null &&
	ok "threads: getenv reads recorded while attached" || fail "threads reads" "none"
tq "$W/thr" 'len(H)==1 and H[0]["origin"]=="attach" and len(by("attach"))==20' >/dev/null &&
	ok "threads: one trace, origin attach, 10 starts and 10 detaches" || fail "threads trace" "$(tq "$W/thr" '[r["what"] for r in by("attach")]')"
grep -q "stopped [0-9.]* ms" "$W/thr.err" && ok "stop time measured and printed" || fail "stop time" "$(head -2 "$W/thr.err")"
kill "$tp"

# ---- a Python worker that forked after connecting ---------------------------------------------------
start_fake_api "$key"
mkdir -p "$W/py"
OPENAI_API_KEY="$key" $PY "$ROOT/tests/py/attach_worker.py" "$API_PORT" "$W/py" 60 &
pids+=("$!")
wait_file "$W/py/child" && wait_file "$W/py/count" || fail "python worker started" "no child"
child=$(cat "$W/py/child")
pids+=("$child")
n0=$(cut -d' ' -f1 "$W/py/count")
rc=0; "$CLI" attach -o "$W/pt" --for 3 "$child" 2>"$W/py.err" || rc=$?
expect_eq "python worker: attach --for 3 exits 0" "$rc" 0
grep -q "detached from $child" "$W/py.err" && ok "python worker: detached at --for expiry" || fail "python detach" "$(cat "$W/py.err")"
n1=$(cut -d' ' -f1 "$W/py/count")
size1=$(cat "$W"/pt/*.jsonl | wc -c)
sleep 1.5
n2=$(cut -d' ' -f1 "$W/py/count")
size2=$(cat "$W"/pt/*.jsonl | wc -c)
[ "$n0" -lt "$n1" ] && [ "$n1" -lt "$n2" ] && ok "python worker: its request counter never stopped ($n0, $n1, $n2)" ||
	fail "python counter" "$n0 $n1 $n2"
grep -q " 0$" "$W/py/count" && ok "python worker: no failed request" || fail "python failures" "$(cat "$W/py/count")"
expect_eq "python worker: nothing written after detach" "$size2" "$size1"
tq "$W/pt" 'H[0]["origin"]=="attach" and H[0]["pid"]=='"$child" >/dev/null && ok "python: hdr origin attach" || fail "python hdr" ""
tq "$W/pt" 'any(r["name"]=="OPENAI_API_KEY" and r["state"]=="present" for r in by("env"))' >/dev/null &&
	ok "python: live environ snapshot" || fail "python env" ""
tq "$W/pt" 'any(r["fn"]=="os.environ" and r["name"]=="OPENAI_API_KEY" and r["site"]["py"]["file"].endswith("attach_worker.py") and r["site"]["py"]["line"]>0 for r in by("read"))' >/dev/null &&
	ok "python: os.environ reads with file:line" || fail "python reads" "$(tq "$W/pt" 'by("read")[:2]')"
tq "$W/pt" 'any(r["inherited"] for r in by("held")) and any(r["role"]=="child" for r in by("use"))' >/dev/null &&
	ok "python: the inherited socket held at attach, and its use" || fail "python socket" "$(tq "$W/pt" 'by("held")')"
tq "$W/pt" 'by("attach")[-1]["what"]=="detach" and R[-1]["t"] in ("attach","end")' >/dev/null &&
	ok "python: the trace ends with the detach" || fail "python end" "$(tq "$W/pt" 'R[-1]')"
"$CLI" report --format json "$W/pt" >"$W/py.json"
$PY -c 'import json,sys; f=json.load(open(sys.argv[1]))["findings"]; sys.exit(0 if any(x["code"]=="SOCKET_REUSED_AFTER_FORK" and int(sys.argv[2]) in x["pids"] for x in f) else 1)' "$W/py.json" "$child" &&
	ok "python: report gives SOCKET_REUSED_AFTER_FORK" || fail "python finding" "$(head -c 600 "$W/py.json")"
rc=0; "$CLI" detach "$child" 2>"$W/py2.err" || rc=$?
expect_eq "detach of a detached process: exit 2" "$rc" 2
alive "$child" && ok "python worker alive at the end" || fail "python alive" "gone"

# ---- children: forked ones are traced; with --children, programs they start too ------------------
mkdir -p "$W/fk"
OPENAI_API_KEY="$key" $PY "$ROOT/tests/py/attach_forker.py" "$W/fk" 60 &
fp=$!
pids+=("$fp")
wait_file "$W/fk/count" || fail "forker started" "no count"
rc=0; "$CLI" attach -o "$W/ft" --for 2 --children "$fp" 2>"$W/fk.err" || rc=$?
expect_eq "forker: attach --children --for 2 exits 0" "$rc" 0
grep -q "LD_PRELOAD" "$W/fk.err" && ok "--children says it changes LD_PRELOAD" || fail "--children message" "$(cat "$W/fk.err")"
tq "$W/ft" 'any(h["origin"]=="fork" and h["parent"]["pid"]=='"$fp"' for h in H)' >/dev/null &&
	ok "forker: a child forked after the attach is traced" || fail "fork child traced" "$(tq "$W/ft" '[h["origin"] for h in H]')"
tq "$W/ft" 'any(r["name"]=="OPENAI_API_KEY" and r["fn"]=="os.environ" and any(h["origin"]=="fork" and h["_file"]==r["_file"] for h in H) for r in by("read"))' >/dev/null &&
	ok "forker: the fork child's os.environ read recorded" || fail "fork child read" ""
tq "$W/ft" 'any(h["origin"]=="exec" and h["exe"].endswith("/true") for h in H)' >/dev/null &&
	ok "--children: /bin/true started after the attach is traced" || fail "--children exec" "$(tq "$W/ft" '[(h["origin"],h["exe"]) for h in H]')"
n1=$(ls "$W/ft" | wc -l)
sleep 1
n2=$(ls "$W/ft" | wc -l)
expect_eq "--children: no new traced process after detach (LD_PRELOAD restored)" "$n2" "$n1"
alive "$fp" && ok "forker alive" || fail "forker alive" "gone"

# ---- Node: process.env reads reach getenv through the bound GOT slots ------------------------------
if [ -x /usr/bin/node ]; then
	mkdir -p "$W/nd"
	OPENAI_API_KEY="$key" /usr/bin/node "$ROOT/tests/node/attach_env.js" "$W/nd" 60 &
	np=$!
	pids+=("$np")
	wait_file "$W/nd/count" || fail "node started" "no count"
	rc=0; "$CLI" attach -o "$W/nt" --for 1 "$np" 2>"$W/nd.err" || rc=$?
	expect_eq "node: attach --for 1 exits 0" "$rc" 0
	tq "$W/nt" 'any(r["fn"]=="getenv" and r["name"]=="OPENAI_API_KEY" and r["state"]=="present" for r in by("read"))' >/dev/null &&
		ok "node: process.env read seen through getenv" || fail "node read" "$(cat "$W/nd.err")"
	c1=$(cat "$W/nd/count")
	sleep 0.3
	[ "$(cat "$W/nd/count")" -gt "$c1" ] && ok "node: still reading after detach" || fail "node counting" "$c1"
else
	skip "node attach" "no /usr/bin/node (Debian package nodejs)"
fi

# ---- gunicorn: a worker pool under steady load, many attach/detach cycles ---------------------------
cycles=${CT_ATTACH_CYCLES:-200}
if command -v gunicorn >/dev/null; then
	mkdir -p "$W/gu"
	(cd "$ROOT/tests/py/apps" && exec env OPENAI_API_KEY="$key" gunicorn -w 2 -b 127.0.0.1:0 --pid "$W/gu/pid" \
		ctwsgi_reads:app 2>"$W/gu/log") &
	pids+=("$!")
	wait_file "$W/gu/pid"
	for _ in $(seq 300); do grep -q "Listening at" "$W/gu/log" && [ "$(grep -c Booting "$W/gu/log")" -ge 2 ] && break; sleep 0.1; done
	arb=$(cat "$W/gu/pid")
	port=$(grep -o "Listening at: http://127.0.0.1:[0-9]*" "$W/gu/log" | grep -o "[0-9]*$")
	workers=$(pgrep -P "$arb" | sort | tr '\n' ' ')
	$PY "$ROOT/tests/py/attach_load.py" "$port" "$W/gu" &
	lp=$!
	pids+=("$lp")
	wait_file "$W/gu/count"
	bad=0
	for _ in $(seq "$cycles"); do
		# shellcheck disable=SC2086 # one argument per worker pid
		"$CLI" attach -o "$W/gt" $workers 2>>"$W/gu/cycles.err" || bad=$((bad + 1))
		# shellcheck disable=SC2086
		"$CLI" detach $workers 2>>"$W/gu/cycles.err" || bad=$((bad + 1))
	done
	sleep 0.3
	touch "$W/gu/stop"
	wait "$lp" || true
	expect_eq "gunicorn: $cycles attach/detach cycles on every worker succeed" "$bad" 0
	read -r served failed <"$W/gu/count"
	expect_eq "gunicorn: zero failed requests under load ($served served)" "$failed" 0
	[ "$served" -gt 0 ] && ok "gunicorn: requests were served" || fail "gunicorn served" "$served"
	expect_eq "gunicorn: no worker restarted" "$(pgrep -P "$arb" | sort | tr '\n' ' ')" "$workers"
	tq "$W/gt" 'any(r["fn"]=="os.environ" and r["site"]["py"]["file"].endswith("ctwsgi_reads.py") for r in by("read"))' >/dev/null &&
		ok "gunicorn: a worker's per-request read recorded with its file:line" || fail "gunicorn reads" ""
	# Reported, not asserted (timings are for `make bench`): wall time stopped, and the part on a CPU.
	for what in "stopped" "on a CPU"; do
		grep -o "$what [0-9.]* ms" "$W/gu/cycles.err" | awk '{print $(NF-1)}' | sort -n |
			awk -v w="$what" '{a[NR]=$1} END {printf "# gunicorn %s: %d stops, median %.3f ms, p99 %.3f ms, max %.3f ms\n", w, NR, a[int(NR/2)+1], a[int(NR*0.99)+1], a[NR]}'
	done
	kill "$arb"
else
	skip "gunicorn attach cycles" "gunicorn not installed"
fi

# ---- an object loaded by dlopen after the attach has its slots bound too ----------------------------
cat >"$W/late_lib.c" <<'C'
#include <stdlib.h>
int late_read(void) { return getenv("OPENAI_API_KEY") != NULL; }
C
cat >"$W/late_main.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
/* Loads argv[1] once argv[2] exists, then calls its late_read every 10 ms; counts in argv[3]. */
int main(int argc, char **argv) {
	int (*f)(void) = 0, n = 0;
	(void)argc;
	for (int i = 0; i < 6000; i++) {
		if (!f && access(argv[2], F_OK) == 0) {
			void *h = dlopen(argv[1], RTLD_NOW);
			f = h ? (int (*)(void))dlsym(h, "late_read") : 0;
		}
		if (f) n += f();
		FILE *o = fopen(argv[3], "w");
		if (o) { fprintf(o, "%d\n", n); fclose(o); }
		usleep(10000);
	}
	return 0;
}
C
cc -shared -fPIC -o "$W/late_lib.so" "$W/late_lib.c" && cc -o "$W/late_main" "$W/late_main.c" -ldl
OPENAI_API_KEY="$key" "$W/late_main" "$W/late_lib.so" "$W/late_go" "$W/late_count" &
lm=$!
pids+=("$lm")
wait_file "$W/late_count"
"$CLI" attach -o "$W/lt" "$lm" 2>"$W/late.err" && ok "late dlopen: attached" || fail "late attach" "$(cat "$W/late.err")"
touch "$W/late_go"
for _ in $(seq 100); do [ "$(cat "$W/late_count")" -gt 3 ] && break; sleep 0.05; done
"$CLI" detach "$lm" 2>>"$W/late.err" || fail "late detach" "$(cat "$W/late.err")"
tq "$W/lt" 'any(r["fn"]=="getenv" and r["name"]=="OPENAI_API_KEY" for r in by("read"))' >/dev/null &&
	ok "late dlopen: getenv of a library loaded after the attach recorded" || fail "late dlopen read" "$(cat "$W/late_count")"
alive "$lm" && ok "late dlopen: program alive" || fail "late alive" "gone"
