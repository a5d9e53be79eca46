#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 21-fd-hygiene: a daemon-like program closes every fd (close_range, closefrom, a close loop), dup2s
# /dev/null over 0..20 and its own file over every number that was open, then reads a credential.
# The trace must go on, no byte of ours may land in its files, and it sees no fd of ours: the trace
# file is opened for each record and closed, and libunwind's validation pipe exists only during a
# capture.
. "$(dirname "$0")/../lib.sh"

KEY=$(canary)
run() { # NAME [VAR=VALUE...]: runs sock_daemon writing into $W/NAME, traced into $W/trace-NAME unless bare
	local n=$1
	shift
	mkdir -p "$W/$n" "$W/trace-$n"
	if [ "$n" = bare ]; then
		env CT_TEST_API_KEY="$KEY" "$@" "$PROGS/sock_daemon" "$W/$n" </dev/null >/dev/null 2>&1
	else
		env CT_TEST_API_KEY="$KEY" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/trace-$n" "$@" \
			"$PROGS/sock_daemon" "$W/$n" </dev/null >/dev/null 2>&1
	fi
}

# extra BARE TRACED: lines of the traced listing that the bare one lacks (fd numbers and targets);
# "MISSING" lines for the reverse.
extra() {
	diff <(sort "$1") <(sort "$2") | sed -n 's/^> //p; s/^< \(.*\)/MISSING \1/p'
}

run bare
run bt
run nobt CREDTRACE_BACKTRACE=0

for n in bt nobt; do
	D=$W/trace-$n
	for f in a.txt b.txt; do
		if cmp -s "$W/bare/$f" "$W/$n/$f"; then
			ok "$n: $f has exactly the program's bytes"
		else
			fail "$n: $f has exactly the program's bytes" "$(diff "$W/bare/$f" "$W/$n/$f" | head -3 | tr '\n' '|')"
		fi
	done
	expect_eq "$n: both credential reads recorded, the second after every fd was closed" \
		"$(tq "$D" "sorted(r['rid'] for r in by('read') if r['name']=='CT_TEST_API_KEY')")" "[1, 2]"
	expect_eq "$n: one process, one trace file" "$(tq "$D" "len(H)")" 1
	bt=$(tq "$D" "H[0]['bt']")
	if [ "$n" = bt ] && [ "$bt" = libunwind ]; then # the pipe below is absent although captures ran
		expect_eq "bt: the reads carry native frames" "$(tq "$D" "all('frames' in r.get('site', {}) for r in by('read'))")" true
	fi
	for when in before after; do
		ex=$(extra "$W/bare/fds-$when.txt" "$W/$n/fds-$when.txt")
		trace_lines=$(printf '%s\n' "$ex" | grep -c " $D/[^/]*\.jsonl$" || true)
		# libunwind validates memory through a pipe: backtrace.c lends it one for each capture and
		# closes it before the hook returns, so none is visible here, backtraces on or off.
		other=$(printf '%s\n' "$ex" | grep -v " $D/[^/]*\.jsonl$" | grep -v '^$' || true)
		expect_eq "$n: fds $when the closes: no fd of ours" "$trace_lines/$other" "0/"
	done
	# One file from start to end: the writer opens its own file by name for each record.
	expect_eq "$n: the trace file has the right mode" "$(stat -c %a "$D"/*.jsonl)" 600
done
