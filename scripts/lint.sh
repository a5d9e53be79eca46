#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make lint: formatting (clang-format), static analysis (cppcheck, clang-tidy) and shell scripts
# (shellcheck). Prints each tool's complaints and exits 1 when any tool complained.
set -eu
cd "$(dirname "$0")/.."
c_files=$(ls shim/*.c tools/*.c)
h_files=$(ls shim/*.h tools/*.h)
bad=0
step() { printf '== %s\n' "$1"; }

step clang-format
# shellcheck disable=SC2086
clang-format --dry-run --Werror $c_files $h_files || bad=1

step cppcheck
# shellcheck disable=SC2086
cppcheck -q --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
	--suppress=missingIncludeSystem -Ishim -Itools $c_files || bad=1

step clang-tidy
checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-macro-parentheses,clang-analyzer-*,-clang-analyzer-security.insecureAPI.*,-clang-analyzer-valist.Uninitialized'
for f in shim/*.c; do
	clang-tidy -quiet --warnings-as-errors='*' -checks="$checks" "$f" -- -std=c11 -Ishim \
		-DCT_VERSION='"lint"' -fvisibility=hidden 2>/dev/null || bad=1
done
for f in tools/*.c; do
	clang-tidy -quiet --warnings-as-errors='*' -checks="$checks" "$f" -- -std=c11 -D_GNU_SOURCE -Itools \
		-DCT_VERSION='"lint"' 2>/dev/null || bad=1
done

step shellcheck
# SC2015 (A && B || C): the tests' `check && ok || fail` idiom, where ok only echoes and cannot fail.
# SC2012 (ls): used on directories the tests made themselves. SC2016: single-quoted tq expressions.
shellcheck -x -e SC1091,SC2016,SC2015,SC2012 scripts/*.sh scripts/install-deps scripts/check-deps tests/*.sh \
	tests/cases/*.sh .ci/run || bad=1

[ "$bad" -eq 0 ] && echo "lint: clean" || echo "lint: problems above"
exit "$bad"
