#!/usr/bin/env bash
# Stops the process whose pid is in FILE and waits (up to 30 s) until it is gone.
# With NAME, only a process of that name (/proc/PID/comm) is stopped: a pid file left by a crashed run
# may name an unrelated process by now.   usage: stop-pid.sh FILE [NAME]
F=$1; N=${2:-}
[ -f "$F" ] || exit 0
pid=$(cat "$F" 2>/dev/null || true)
# A daemon is reparented to PID 1, which here reaps zombies only about once a second: a zombie is gone.
alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [ "${s%% *}" != Z ]; }
if [[ ! "$pid" =~ ^[0-9]+$ ]] || ! alive "$pid" ||
   { [ -n "$N" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$N" ]; }; then
  rm -f "$F"; exit 0
fi
kill "$pid" 2>/dev/null
for i in $(seq 1 300); do alive "$pid" || break; sleep 0.1; done
alive "$pid" && kill -9 "$pid" 2>/dev/null
rm -f "$F"; true
