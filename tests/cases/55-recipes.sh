#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/recipes.md, as written: the Compose and Kubernetes files read by a YAML parser and checked for
# the shim and trace wiring; the systemd drop-in's settings; the gunicorn, celery prefork and uvicorn
# commands run for real (on loopback, with tests/recipes' small apps) under `credtrace run`, and the
# documented gunicorn and celery fixes shown to remove the finding.
set -eu
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$CLI" ] || { fail build "build/credtrace missing"; exit 0; }
DOC=docs/recipes.md
R=tests/recipes
block() { $PY $R/extract.py "$DOC" "$@"; }
mkdir -p "$W/bin"
ln -sf "$CLI" "$W/bin/credtrace"
printf '#!/bin/sh\nexec %s -m celery "$@"\n' "$PY" >"$W/bin/celery"
chmod +x "$W/bin/celery"
export PATH="$W/bin:$PATH"
PIDS=""
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
	stop_fake_api
}
trap cleanup EXIT

# --- files a parser reads ---
block "Docker Compose" yaml >"$W/compose.yaml"
if out=$($PY $R/check_yaml.py compose "$W/compose.yaml" 2>&1); then ok "compose recipe: $out"; else fail "compose recipe" "$out"; fi
block Kubernetes yaml >"$W/pod.yaml"
if out=$($PY $R/check_yaml.py kubernetes "$W/pod.yaml" 2>&1); then ok "kubernetes recipe: $out"; else fail "kubernetes recipe" "$out"; fi
block systemd ini >"$W/dropin.conf"
check "systemd drop-in: a [Service] section" grep -qx '\[Service\]' "$W/dropin.conf"
check "systemd drop-in: LD_PRELOAD is where the package puts the shim" grep -qx 'Environment=LD_PRELOAD=/usr/lib/libcredtrace.so' "$W/dropin.conf"
check "systemd drop-in: CREDTRACE_DIR" grep -q '^Environment=CREDTRACE_DIR=/' "$W/dropin.conf"
# The deb installs the shim where the drop-in says (49-deb.sh installs it).
grep -q 'install -m 0755 $(B)/libcredtrace.so $(DESTDIR)$(PREFIX)/lib/libcredtrace.so' Makefile &&
	grep -q 'PREFIX=/usr' scripts/mkdeb.sh && ok "the package's shim path is the recipes' /usr/lib/libcredtrace.so" ||
	fail "shim path" "make install or mkdeb.sh moved the shim"

# --- servers, run as documented ---
free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# serve NAME DIR CMD: runs CMD (a documented command, port 8000 replaced) in DIR in the background,
# waits until http://127.0.0.1:PORT/ answers, asks once, stops it with SIGTERM through credtrace run.
serve() {
	local name=$1 dir=$2 cmd=$3 port up=0 pid
	port=$(free_port)
	cmd=${cmd//8000/$port}
	(cd "$dir" && exec bash -c "exec $cmd") >"$W/$name.log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	for _ in $(seq 600); do # start-up wait, not a timing assertion
		if $PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/', timeout=5)" >/dev/null 2>&1; then up=1; break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	expect_eq "$name: served on loopback" "$up" 1
}
codes() { "$CLI" report --format json "$1" 2>/dev/null | $PY -c 'import json,sys; print(" ".join(sorted({f["code"] for f in json.load(sys.stdin)["findings"]})))'; }
KEY=$(canary)
export OPENAI_API_KEY=$KEY
start_fake_api "$KEY"
export OPENAI_BASE_URL=http://127.0.0.1:$API_PORT/v1
api_requests() { wc -l <"$W/api.log" 2>/dev/null || echo 0; }

if command -v gunicorn >/dev/null; then
	mkdir -p "$W/g"
	cp $R/app.py "$W/g/"
	cmd=$(block gunicorn sh)
	serve "gunicorn --preload" "$W/g" "${cmd//-o traces/-o $W/g1}"
	got=$(codes "$W/g1")
	case " $got " in *" CRED_READ_BEFORE_FORK "*) ok "gunicorn --preload: CRED_READ_BEFORE_FORK ($got)" ;; *) fail "gunicorn finding" "got [$got]" ;; esac
	block gunicorn python >"$W/g/gunicorn.conf.py"
	serve "gunicorn with the post_fork fix" "$W/g" "${cmd//-o traces/-o $W/g2} -c gunicorn.conf.py"
	got=$(codes "$W/g2")
	case " $got " in *" CRED_READ_BEFORE_FORK "*) fail "gunicorn fix" "still [$got]" ;; *) ok "gunicorn fix: no CRED_READ_BEFORE_FORK ($got)" ;; esac
else
	skip "gunicorn recipe" "gunicorn is not installed"
fi

if $PY -c 'import celery' 2>/dev/null; then
	# worker NAME DIR: the documented celery command until its pool processes are traced, then TERM.
	worker() {
		local name=$1 dir=$2 cmd pid n=0
		cmd=$(block "celery (prefork pool)" sh)
		mkdir -p "$W/$name.broker"
		(cd "$dir" && RECIPE_BROKER="$W/$name.broker" exec bash -c "exec ${cmd//-o traces/-o $W/$name}") >"$W/$name.log" 2>&1 &
		pid=$!
		PIDS="$PIDS $pid"
		for _ in $(seq 600); do # start-up wait, not a timing assertion
			grep -q ' ready\.' "$W/$name.log" 2>/dev/null && n=1 && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		# Two tasks through the broker folder: a pool process runs them on the client it inherited.
		local before
		before=$(api_requests)
		(cd "$dir" && RECIPE_BROKER="$W/$name.broker" $PY -c 'import tasks; tasks.ping.delay(); tasks.ping.delay()') >>"$W/$name.send.log" 2>&1 || true
		for _ in $(seq 600); do # waits for the tasks to run, not a timing assertion
			[ "$(api_requests)" -ge $((before + 3)) ] && break
			sleep 0.1
		done
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		expect_eq "$name: worker ready" "$n" 1
	}
	mkdir -p "$W/c" "$W/cf"
	cp $R/tasks.py "$W/c/"
	worker celery1 "$W/c"
	expect_eq "celery: pool processes forked and traced" "$(tq "$W/celery1" 'len([h for h in H if h["origin"] == "fork"]) >= 2')" true
	got=$(codes "$W/celery1")
	case " $got " in *" CRED_READ_BEFORE_FORK "*) ok "celery prefork: CRED_READ_BEFORE_FORK ($got)" ;; *) fail "celery finding" "got [$got]" ;; esac
	{ cat $R/tasks.py; echo; block "celery (prefork pool)" python; } >"$W/cf/tasks.py"
	worker celery2 "$W/cf"
	got=$(codes "$W/celery2")
	case " $got " in *" CRED_READ_BEFORE_FORK "*) fail "celery fix" "still [$got]" ;; *) ok "celery fix (worker_process_init): no CRED_READ_BEFORE_FORK ($got)" ;; esac
else
	skip "celery recipe" "python3-celery is not installed"
fi

if command -v uvicorn >/dev/null; then
	mkdir -p "$W/u"
	{ cat $R/app.py; echo "app = asgi"; } >"$W/u/app.py"
	cmd=$(block "uvicorn workers" sh)
	# Without the key: each spawned worker reads it and misses it.
	OPENAI_API_KEY="" serve "uvicorn --workers 2" "$W/u" "env -u OPENAI_API_KEY ${cmd//-o traces/-o $W/u1}"
	# The master imports the app by name in each worker only: the workers are the readers.
	n=$(tq "$W/u1" 'len({r["_file"] for r in R if r["t"] == "read" and r["name"] == "OPENAI_API_KEY"})')
	[ "$n" -ge 2 ] && ok "uvicorn: the spawned workers each read the key ($n processes)" || fail "uvicorn reads" "$n processes read it"
	got=$(codes "$W/u1")
	case " $got " in *" CRED_MISSING "*) ok "uvicorn: CRED_MISSING in the workers ($got)" ;; *) fail "uvicorn finding" "got [$got]" ;; esac
else
	skip "uvicorn recipe" "uvicorn is not installed"
fi
