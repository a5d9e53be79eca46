#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 43-cred-table-doc: docs/findings.md shows the credential table exactly as shim/cred_table.h has it.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

gen=$BUILD/tests/unit/shim_tool_agree
[ -x "$gen" ] || { fail "table generator" "$gen missing"; exit 0; }
"$gen" --markdown >"$W/table.md"
sed -n '/^<!-- cred-table begin/,/^<!-- cred-table end/p' "$ROOT/docs/findings.md" | sed '1d;$d' >"$W/doc.md"
if cmp -s "$W/table.md" "$W/doc.md"; then
	ok "docs/findings.md has the current credential table"
else
	fail "docs/findings.md has the current credential table" \
		"regenerate with $gen --markdown: $(diff "$W/table.md" "$W/doc.md" | head -4 | tr '\n' '|')"
fi
expect_eq "the table has a row per name" "$(grep -c '^| `' "$W/table.md")" "$(grep -c '^| `' "$W/doc.md")"
