#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Words that fit what happened: a key the program deleted itself is not "add it to the service"; an
# unset is called an unset; a set without a known previous state has no "? ->".
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }
KEY=$(canary)
field() { # REPORT CODE KEY: the finding's KEY ("hint", "message", "evidence")
	$PY -c 'import json,sys; print(json.dumps([f[sys.argv[3]] for f in json.load(open(sys.argv[1]))["findings"] if f["code"] == sys.argv[2]]))' "$@"
}

# Python: del os.environ[...] (unsetenv), then a read.
env -i PATH=/usr/bin:/bin OPENAI_API_KEY="$KEY" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/py" \
	"$PY" -c 'import os; del os.environ["OPENAI_API_KEY"]; os.environ.get("OPENAI_API_KEY")'
"$CLI" report --format json "$W/py" >"$W/py.json"
hint=$(field "$W/py.json" CRED_MISSING hint)
case $hint in *"removed OPENAI_API_KEY itself"*) ok "python del: CRED_MISSING says the program removed it" ;; *) fail "python del hint" "$hint" ;; esac
case $hint in *"add it to the environment"*) fail "python del hint" "still tells to add it: $hint" ;; *) ok "python del: no 'add it to the service'" ;; esac
ev=$(field "$W/py.json" CRED_SET_AT_RUNTIME evidence)
case $ev in *"unset (was present)"*) ok "CRED_SET_AT_RUNTIME says unset" ;; *) fail "unset wording" "$ev" ;; esac
case $ev in *"? ->"*) fail "no '? ->'" "$ev" ;; *) ok "no '? ->' in the evidence" ;; esac
msg=$(field "$W/py.json" CRED_SET_AT_RUNTIME message)
case $msg in *"was unset by the program itself"*) ok "message: unset by the program ($msg)" ;; *) fail "unset message" "$msg" ;; esac

# Node: delete process.env.X (uv_os_unsetenv), then a read.
if command -v node >/dev/null; then
	env -i PATH=/usr/bin:/bin OPENAI_API_KEY="$KEY" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/node" \
		node -e 'delete process.env.OPENAI_API_KEY; void process.env.OPENAI_API_KEY'
	"$CLI" report --format json "$W/node" >"$W/node.json"
	hint=$(field "$W/node.json" CRED_MISSING hint)
	case $hint in *"removed OPENAI_API_KEY itself"*) ok "node delete: CRED_MISSING says the program removed it" ;; *) fail "node delete hint" "$hint" ;; esac
else
	skip "node delete" "node is not installed"
fi

# A key missing from the start keeps the deployment fix.
env -i PATH=/usr/bin:/bin LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/absent" "$PY" -c 'import os; os.environ.get("OPENAI_API_KEY")'
"$CLI" report --format json "$W/absent" >"$W/absent.json"
hint=$(field "$W/absent.json" CRED_MISSING hint)
case $hint in *"add it to the environment"*) ok "absent from the start: the deployment fix" ;; *) fail "absent hint" "$hint" ;; esac
