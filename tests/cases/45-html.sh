#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# report --format html: one self-contained page (no script, no request, every link inside the page),
# a process box per process with a shape per credential, findings linked to processes; and headless
# Chromium (Debian's chromium) loads it without a console message, and draws it.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }

# Every golden case: the page against the JSON report of the same traces.
mkdir -p "$W/golden"
for dir in tests/golden/*/; do
	c=$(basename "$dir")
	[ -d "$dir/trace" ] || continue
	inputs=("$dir/trace")
	if compgen -G "$dir/trace/*/" >/dev/null; then inputs=("$dir"/trace/*/); fi
	"$CLI" report --format html "${inputs[@]}" >"$W/golden/$c.html" 2>/dev/null || fail "$c html" "exit $?"
	"$CLI" report --format json "${inputs[@]}" >"$W/golden/$c.json" 2>/dev/null || true
done
if $PY - "$W/golden" >"$W/shape.out" 2>&1 <<'PY'
import glob, json, re, sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "input", "link", "hr"}
SVG_EMPTY = {"rect", "circle", "path"}

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.hrefs, self.tags = [], set(), [], []
        self.classes = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a: self.ids.add(a["id"])
        if "href" in a: self.hrefs.append(a["href"])
        self.classes.append((tag, a.get("class", "")))
        for k, v in attrs:
            assert k != "src", "a src attribute: " + str(v)
            assert not (k.startswith("on")), "an event handler: " + k
        if tag not in VOID: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID: self.stack.pop()
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, ("unbalanced", tag, self.stack[-3:])
        self.stack.pop()

n = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.html")):
    html = open(path, encoding="utf-8").read()
    rep = json.load(open(path[:-5] + ".json"))
    p = Page(); p.feed(html); p.close()
    assert not p.stack, (path, "unclosed", p.stack)
    for bad in ("script", "iframe", "link", "img", "object", "embed"):
        assert bad not in p.tags, (path, bad)
    # No address outside the page: the only URL is the SVG namespace.
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}, (path, urls)
    assert "default-src 'none'" in html, path
    for h in p.hrefs:
        assert h.startswith("#") and h[1:] in p.ids, (path, "dangling link", h)
    procs = [c for t, c in p.classes if t == "g" and c == "proc"]
    assert len(procs) == len(rep["processes"]), (path, len(procs), len(rep["processes"]))
    shapes = sum(1 for t, c in p.classes if c in ("present", "malformed", "empty", "absent"))
    assert shapes == sum(len(q["credentials"]) for q in rep["processes"]), (path, "shapes")
    cards = [i for i in p.ids if re.fullmatch(r"f\d+", i)]
    assert len(cards) == len(rep["findings"]), (path, "finding cards")
    for i, f in enumerate(rep["findings"], 1):
        assert ("#f%d" % i) in p.hrefs, (path, "no process links to finding", i)
    n += 1
print("ok", n, "pages")
PY
then ok "pages well-formed, self-contained, linked: $(cat "$W/shape.out")"; else fail "pages" "$(tail -4 "$W/shape.out")"; fi
# The hostile-strings case (an escape sequence and newlines in argv) is shown escaped, as in the text.
if grep -q $'\x1b' "$W/golden/text-escape.html" || ! grep -qF '\x1b' "$W/golden/text-escape.html"; then
	fail "escape" "raw escape byte in page, or the escaped form missing"
else ok "trace strings escaped (\\x1b shown, no raw byte)"; fi

CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
	skip "chromium" "Debian's chromium is not installed (scripts/deps.txt lists it)"
	exit 0
fi
# chrome_load NAME FILE: headless Chromium loads FILE, writes NAME.png and NAME.dom; prints every
# console message (a script error, a blocked request, a CSP violation) from its log.
chrome_load() {
	local prof
	prof=$(mktemp -d "$W/prof.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
		--user-data-dir="$prof" --enable-logging=stderr --v=0 --window-size=1200,1400 \
		--screenshot="$W/$1.png" "file://$2" >"$W/$1.out" 2>"$W/$1.log" || true
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$prof" --dump-dom "file://$2" >"$W/$1.dom" 2>/dev/null || true
	rm -rf "$prof"
	grep -a 'CONSOLE' "$W/$1.log" || true
}
# The negative twin: a page with a script error and a request out must be caught.
cat >"$W/bad.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy"
content="default-src 'none'"><title>bad</title></head><body><img src="http://127.0.0.1:9/x.png">
<script>nosuchfunction()</script></body></html>
HTML
if [ -n "$(chrome_load bad "$W/bad.html")" ]; then ok "chromium reports console messages (negative twin)"
else fail "chromium negative twin" "no console message for a broken page: $(grep -av dbus "$W/bad.log" | tail -3)"; fi

# Pages with a shared socket, several hosts, hostile strings, a vfork child that execs.
for c in socket-shared missing-primary text-escape lost-vfork-read; do
	msgs=$(chrome_load "$c" "$W/golden/$c.html")
	if [ -z "$msgs" ]; then ok "$c: chromium loads it without a console message"; else fail "$c console" "$msgs"; fi
	n=$(grep -o 'class="proc"' "$W/$c.dom" | wc -l)
	want=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"]))' "$W/golden/$c.json")
	expect_eq "$c: chromium's DOM has every process box" "$n" "$want"
	sz=$(stat -c %s "$W/$c.png" 2>/dev/null || echo 0)
	[ "$sz" -gt 20000 ] && ok "$c: screenshot drawn ($sz bytes)" || fail "$c screenshot" "$sz bytes"
done
