#!/usr/bin/env bash
# Stops the process whose pid is in FILE and waits (up to 30 s) until it is gone.   usage: stop-pid.sh FILE
F=$1
[ -f "$F" ] || exit 0
pid=$(cat "$F" 2>/dev/null || true)
[ -n "$pid" ] && kill "$pid" 2>/dev/null || { rm -f "$F"; exit 0; }
for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -9 "$pid" 2>/dev/null || true
rm -f "$F"
