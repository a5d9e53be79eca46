#!/usr/bin/env bash
# Runtimes beyond C, Python and Node: Ruby's ENV reaches getenv (reads seen); Java reads a copy taken at
# start (reads not seen, and the report must say so rather than call the key unread).
. "$(dirname "$0")/../lib.sh"

key=$(canary)
if command -v ruby >/dev/null; then
	prog='k = ENV["OPENAI_API_KEY"]; puts(k ? "len #{k.size}" : "absent"); ENV.fetch("ANTHROPIC_API_KEY", nil)'
	b=$(OPENAI_API_KEY="$key" ruby -e "$prog")
	t=$(OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/rb" ruby -e "$prog")
	expect_eq "ruby: same output" "$t" "$b"
	tq "$W/rb" '{("OPENAI_API_KEY","present"),("ANTHROPIC_API_KEY","absent")} <= {(r["name"],r["state"]) for r in by("read")}' >/dev/null &&
		ok "ruby: ENV reads recorded with their state" || fail "ruby reads" "$(tq "$W/rb" 'by("read")')"
else
	skip "ruby" "ruby is not installed (scripts/install-deps installs it)"
fi
if command -v javac >/dev/null && command -v java >/dev/null; then
	cat >"$W/R.java" <<'J'
public class R { public static void main(String[] a) { String k = System.getenv("OPENAI_API_KEY"); System.out.println(k == null ? "absent" : "len " + k.length()); } }
J
	javac -d "$W" "$W/R.java"
	b=$(OPENAI_API_KEY="$key" java -cp "$W" R)
	t=$(OPENAI_API_KEY="$key" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/jv" java -cp "$W" R)
	expect_eq "java: same output" "$t" "$b"
	tq "$W/jv" 'any(r["name"]=="OPENAI_API_KEY" for r in by("env")) and not by("read")' >/dev/null &&
		ok "java: the key is seen at start; no read is claimed" || fail "java trace" "$(tq "$W/jv" 'by("read")')"
	"$CLI" report "$W/jv" >"$W/jv.txt" 2>&1 || true
	grep -q 'java reads its own copy' "$W/jv.txt" && ok "java: the report names the blind spot" || fail "java report" "$(tail -5 "$W/jv.txt")"
else
	skip "java" "no JDK on this machine"
fi
