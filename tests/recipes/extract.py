# SPDX-License-Identifier: MIT
# extract.py DOC SECTION LANG [N]: prints the N-th (default 1st) ```LANG block under "## SECTION" of DOC,
# so that tests/cases/55-recipes.sh runs and parses what docs/recipes.md says, not a copy of it.
import re
import sys

doc, section, lang = sys.argv[1], sys.argv[2], sys.argv[3]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 1
text = open(doc, encoding="utf-8").read()
parts = re.split(r"^## ", text, flags=re.M)
body = next(p for p in parts if p.split("\n", 1)[0].strip() == section)
blocks = re.findall(r"^```" + re.escape(lang) + r"\n(.*?)^```", body, flags=re.M | re.S)
sys.stdout.write(blocks[n - 1])
