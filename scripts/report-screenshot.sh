#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# report-screenshot.sh [PNG]: runs the demo (scripts/demo.sh), renders its HTML report and takes a
# screenshot of it with headless Chromium: docs/report.png unless PNG is given (pngquant, when
# installed, makes it smaller). Run it from a short checkout path: the demo's file names show.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PNG=${1:-$ROOT/docs/report.png}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$ROOT/scripts/demo.sh" "$TMP/traces" >"$TMP/demo.log" 2>&1 || {
	tail -5 "$TMP/demo.log" >&2
	exit 1
}
"$ROOT/build/credtrace" report --format html "$TMP/traces" >"$TMP/report.html"
timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
	--user-data-dir="$TMP/profile" --window-size=1100,1640 --screenshot="$PNG" \
	"file://$TMP/report.html" >/dev/null 2>&1
# 256 colours are plenty for this page and make the file a third of the size.
if command -v pngquant >/dev/null; then pngquant --force --skip-if-larger --output "$PNG" -- "$PNG" || true; fi
echo "report-screenshot: $PNG ($(stat -c %s "$PNG") bytes)"
