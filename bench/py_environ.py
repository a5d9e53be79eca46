# SPDX-License-Identifier: MIT
# py_environ: the Python adapter's cost on ordinary reads. N reads of non-credential names, half
# os.environ[k], half os.getenv(k). Usage: python3 py_environ.py [N] (default 1000000).
import os
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
env = os.environ
getenv = os.getenv
names = ("HOME", "LANG", "TZ", "PATH")
found = 0
for _ in range(n // 8):
    for k in names:
        found += env[k] is not None
        found += getenv(k) is not None
if found != n // 8 * 8:
    sys.exit("py_environ: HOME, LANG, TZ and PATH must be set")
