#!/usr/bin/env bash
# Side by side: our C++ bench against Python multiprocessing and Python Lithops (issue 13).
# Makes the peers' venv (build/peers-venv, once per requirements.txt), starts a Redis for the mp
# workload, runs bench/compare.py and stops the Redis again. Builds nothing: run
# scripts/build.sh first.
# usage: bash bench/compare.sh [--rounds N] [--json FILE] [workload ...]
#        workloads: w1 first roundtrip sleep montecarlo wordcount mp (default: all)
#        PORT=6395 is the Redis port: not the test suite's 6390, so both can run at once.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3  # Debian's: a pyenv python3 may come first on PATH
VENV=build/peers-venv
REQ=bench/peers/requirements.txt
REDIS_DIR=$PWD/build/compare-servers/redis  # absolute: redis-server chdirs to it before opening its log
PORT=${PORT:-6395}

if [ ! -x build/bench/core_bench ]; then
  echo "compare.sh: build/bench/core_bench is missing; build it first: bash scripts/build.sh" >&2
  exit 2
fi

# The venv is remade whenever requirements.txt changes: the marker holds the hash it was made from.
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ "$(cat "$VENV/.requirements-sha256" 2>/dev/null)" != "$want" ]; then
  echo "compare.sh: making $VENV from $REQ (once; about a minute)" >&2
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  echo "$want" > "$VENV/.requirements-sha256"
fi

# Redis only when the mp workload runs: all workloads, or mp named among them.
need_redis=1
workloads=()
for ((i = 1; i <= $#; i++)); do
  a=${!i}
  case $a in
    --rounds|--json|--bench-dir|--redis|--peer-python) i=$((i + 1)) ;;  # skip the option's value
    -*) ;;
    *) workloads+=("$a") ;;
  esac
done
if [ ${#workloads[@]} -gt 0 ] && [[ " ${workloads[*]} " != *" mp "* ]]; then need_redis=0; fi

if [ $need_redis = 1 ]; then
  trap 'bash tests/servers/redis-stop.sh "$REDIS_DIR"' EXIT
  # BIND: only loopback, since no test bridge (tests/servers/net-up.sh) exists outside the tests.
  PORT=$PORT BIND=127.0.0.1 bash tests/servers/redis-up.sh "$REDIS_DIR" >&2 ||
    echo "compare.sh: Redis did not start (see $REDIS_DIR/redis.log); the mp figures will be missing" >&2
fi

rc=0
"$PY" bench/compare.py --redis "127.0.0.1:$PORT" --peer-python "$VENV/bin/python" "$@" || rc=$?
exit $rc
