#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CPython adapter (shim/python.c) in real interpreters: Debian's python3 and the python3 first on
# PATH. A program cannot tell it is there; os.environ reads carry the Python site; bulk copies are not
# reads; libc calls made from Python carry the Python line; CREDTRACE_PYTHON=0 says reads "none".
# shellcheck disable=SC2119 # canary takes an optional prefix
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
T=$ROOT/tests/py
line() { grep -n "# @$2\b" "$1" | head -1 | cut -d: -f1; }

pythons=("$PY")
pathpy=$(command -v python3 || true)
if [ -n "$pathpy" ]; then
	real=$("$pathpy" -c 'import sys; print(sys.executable)' 2>/dev/null || true)
	[ "$(readlink -f "$real")" = "$(readlink -f "$PY")" ] || pythons+=("$pathpy")
fi

export OPENAI_API_KEY
OPENAI_API_KEY=$(canary)

for p in "${pythons[@]}"; do
	tag=$(basename "$(dirname "$(dirname "$(readlink -f "$("$p" -c 'import sys; print(sys.executable)')")")")")
	tag=$(echo "$tag" | tr -c 'A-Za-z0-9.\n' _)
	d=$W/$tag
	mkdir -p "$d"

	# --- transparency: same output and status with and without the shim (and with it disabled).
	rc0=0 rc1=0 rc2=0
	"$p" "$T/transparency.py" >"$d/bare.out" 2>&1 || rc0=$?
	traced "$d/tr-t" "$p" "$T/transparency.py" >"$d/shim.out" 2>&1 || rc1=$?
	CREDTRACE_PYTHON=0 traced "$d/tr-off" "$p" "$T/transparency.py" >"$d/off.out" 2>&1 || rc2=$?
	if cmp -s "$d/bare.out" "$d/shim.out"; then ok "$tag: transparency output identical"; else
		fail "$tag: transparency output identical" "$(diff "$d/bare.out" "$d/shim.out" | head -5 | tr '\n' ' ')"
	fi
	expect_eq "$tag: transparency exit status" "$rc1" "$rc0"
	expect_eq "$tag: transparency exit status (3)" "$rc0" 3
	if cmp -s "$d/bare.out" "$d/off.out" && [ "$rc2" = "$rc0" ]; then ok "$tag: CREDTRACE_PYTHON=0 transparent"; else
		fail "$tag: CREDTRACE_PYTHON=0 transparent" "rc $rc2"
	fi
	if grep -q '^subinterpreter ok' "$d/bare.out"; then ok "$tag: subinterpreter exercised"; else
		skip "$tag: subinterpreter exercised" "no _xxsubinterpreters"
	fi
	check "$tag: runtime record audit-hook" tq "$d/tr-t" \
		"[(r['name'], r['version'], r['reads'], r['why']) for r in by('runtime')] == [('python', '$("$p" -c 'import platform; print(platform.python_version())')', 'audit-hook', None)]"
	check "$tag: CREDTRACE_PYTHON=0: runtime reads none with why" tq "$d/tr-off" \
		"[(r['reads'], r['why']) for r in by('runtime')] == [('none', 'CREDTRACE_PYTHON=0')]"
	check "$tag: CREDTRACE_PYTHON=0: no os.environ read" tq "$d/tr-off" \
		"not [r for r in by('read') if r['fn'] == 'os.environ']"

	# --- attribution: each read form, import time, function, thread, fork child; bulk copies silent.
	a=$T/attr_app.py m=$T/attr_mod.py
	CT_MOD_API_KEY=$(canary) CT_A_API_KEY=$(canary) CT_B_API_KEY=$(canary) CT_D_API_KEY=$(canary) \
		CT_T_API_KEY=$(canary) CT_E_API_KEY=$(canary) CT_BULK_API_KEY=$(canary) \
		traced "$d/tr-a" "$p" "$a" >"$d/attr.out" 2>&1 || fail "$tag: attr_app runs" "status $?"
	want() { # name file marker func module_level gen state
		check "$tag: read $1 at $(basename "$2"):$3 in $4" tq "$d/tr-a" \
			"[r for r in by('read') if r['name'] == '$1' and r['fn'] == 'os.environ' and (r.get('site') or {}).get('py') == {'file': '$2', 'line': $(line "$2" "$3"), 'func': '$4', 'module_level': $5} and r['gen'] == $6 and r['state'] == '$7']"
	}
	want CT_MOD_API_KEY "$m" mod '<module>' True 0 present
	want CT_A_API_KEY "$a" a '<module>' True 0 present
	want CT_B_API_KEY "$a" b f False 0 present
	want CT_C_TOKEN "$a" c Settings.load False 0 absent
	want CT_D_API_KEY "$a" d '<module>' True 0 present
	want CT_T_API_KEY "$a" t thread_read False 0 present
	want CT_E_API_KEY "$a" e '<module>' True 1 present
	check "$tag: bulk copies are not reads" tq "$d/tr-a" \
		"sorted(r['name'] for r in by('read')) == sorted(['CT_MOD_API_KEY', 'CT_A_API_KEY', 'CT_B_API_KEY', 'CT_C_TOKEN', 'CT_D_API_KEY', 'CT_T_API_KEY', 'CT_E_API_KEY'])"

	# --- entry points: -c, -m, stdin, -S (os imported by the program itself).
	(cd "$T" && traced "$d/tr-c" "$p" -c 'import os; os.environ.get("OPENAI_API_KEY")') >/dev/null 2>&1
	check "$tag: python -c" tq "$d/tr-c" \
		"[r for r in by('read') if r['name'] == 'OPENAI_API_KEY' and r['site']['py']['file'] == '<string>' and r['site']['py']['line'] == 1]"
	(cd "$T" && traced "$d/tr-m" "$p" -m attr_mod) >/dev/null 2>&1
	check "$tag: python -m" tq "$d/tr-m" \
		"[r for r in by('read') if r['name'] == 'CT_MOD_API_KEY' and r['site']['py']['file'] == '$m']"
	echo 'import os; os.getenv("OPENAI_API_KEY")' | traced "$d/tr-s" "$p" - >/dev/null 2>&1
	check "$tag: python - (stdin)" tq "$d/tr-s" \
		"[r for r in by('read') if r['name'] == 'OPENAI_API_KEY' and r['site']['py']['file'] == '<stdin>']"
	traced "$d/tr-S" "$p" -S -c 'import os; os.getenv("OPENAI_API_KEY")' >/dev/null 2>&1
	check "$tag: python -S" tq "$d/tr-S" \
		"[r for r in by('read') if r['name'] == 'OPENAI_API_KEY' and r['site']['py']['line'] == 1]"

	# --- libc calls made from Python carry the Python line.
	e=$T/events.py
	CT_EV_API_KEY=$(canary) traced "$d/tr-e" "$p" "$e" >/dev/null 2>&1 || true
	site() { # type fn marker
		check "$tag: $1 $2 at events.py:$3" tq "$d/tr-e" \
			"[r for r in by('$1') if r.get('fn') == '$2' and (r.get('site') or {}).get('py', {}).get('line') == $(line "$e" "$3") and r['site']['py']['file'] == '$e' and r['site']['py']['func'] == 'go']"
	}
	site set setenv set
	site set unsetenv unset
	site fork fork fork
	check "$tag: exec at events.py:$(line "$e" spawn)" tq "$d/tr-e" \
		"[r for r in by('exec') if (r.get('site') or {}).get('py', {}).get('line') == $(line "$e" spawn)]"
	check "$tag: connect at events.py:$(line "$e" connect)" tq "$d/tr-e" \
		"[r for r in by('connect') if (r.get('site') or {}).get('py', {}).get('line') == $(line "$e" connect)]"
done

# --- console scripts (Debian's: gunicorn; celery through python3 -m, Debian ships no celery script).
if command -v gunicorn >/dev/null; then
	(cd "$T/apps" && traced "$W/tr-g" gunicorn --check-config ctwsgi:app) >/dev/null 2>&1 || true
	check "gunicorn: import-time read in the app module" tq "$W/tr-g" \
		"[r for r in by('read') if r['name'] == 'OPENAI_API_KEY' and r['site']['py'] == {'file': '$T/apps/ctwsgi.py', 'line': $(line "$T/apps/ctwsgi.py" g), 'func': '<module>', 'module_level': True}]"
else
	skip "gunicorn: import-time read in the app module" "gunicorn not installed"
fi
if $PY -c 'import celery' 2>/dev/null; then
	(cd "$T/apps" && traced "$W/tr-cel" "$PY" -m celery -A ctcelery report) >/dev/null 2>&1 || true
	check "celery: import-time read in the app module" tq "$W/tr-cel" \
		"[r for r in by('read') if r['name'] == 'OPENAI_API_KEY' and r['site']['py'] == {'file': '$T/apps/ctcelery.py', 'line': $(line "$T/apps/ctcelery.py" c), 'func': '<module>', 'module_level': True}]"
else
	skip "celery: import-time read in the app module" "python3-celery not installed"
fi

# --- processes that are not Python have no runtime record.
traced "$W/tr-true" /bin/true
check "non-Python process: no runtime record" tq "$W/tr-true" "H and not by('runtime')"

# CPython's debug allocator hooks free an audit hook registered before start-up through the wrong
# allocator ("bad ID" at exit): the adapter stays off there and says why; the program is unchanged.
for mode in PYTHONMALLOC=debug PYTHONDEVMODE=1; do
	prog='import os; os.environ.get("OPENAI_API_KEY"); pid = os.fork()
if pid == 0: os._exit(0)
os.waitpid(pid, 0); print("done")'
	b=$(env "$mode" /usr/bin/python3 -c "$prog" 2>&1; echo "rc=$?")
	t=$(env "$mode" LD_PRELOAD="$PRELOAD" CREDTRACE_DIR="$W/dbg-${mode%%=*}" /usr/bin/python3 -c "$prog" 2>&1; echo "rc=$?")
	expect_eq "$mode: same output and status (no abort at exit)" "$t" "$b"
	tq "$W/dbg-${mode%%=*}" 'any(r["reads"] == "none" and "debug" in r["why"] for r in by("runtime"))' >/dev/null &&
		ok "$mode: runtime record says the adapter is off and why" || fail "$mode runtime record" "$(tq "$W/dbg-${mode%%=*}" 'by("runtime")')"
done
