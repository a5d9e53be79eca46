#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 21-fd-hygiene: a daemon-like program closes every fd (close_range, closefrom, a close loop), dup2s
# /dev/null over 0..20 and its own file over every number that was open, then reads a credential.
# The trace must go on, no byte of ours may land in its files, and it sees no fd of ours: the trace
# file is opened for each record and closed (only libunwind's validation pipe, while backtraces
# are on, is visible).
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
	for when in before after; do
		ex=$(extra "$W/bare/fds-$when.txt" "$W/$n/fds-$when.txt")
		trace_lines=$(printf '%s\n' "$ex" | grep -c " $D/[^/]*\.jsonl$" || true)
		# libunwind opens a pipe to validate memory; backtrace.c moves it high. Allowed while on.
		other=$(printf '%s\n' "$ex" | grep -v " $D/[^/]*\.jsonl$" | grep -v '^$' || true)
		if [ "$bt" = libunwind ] && [ "$when" = before ]; then
			other=$(printf '%s\n' "$other" | grep -v '^[0-9]* pipe:\[[0-9]*\]$' || true)
		fi
		expect_eq "$n: fds $when the closes: no fd of ours" "$trace_lines/$other" "0/"
	done
	# One file from start to end: the writer opens its own file by name for each record.
	expect_eq "$n: the trace file has the right mode" "$(stat -c %a "$D"/*.jsonl)" 600
done
