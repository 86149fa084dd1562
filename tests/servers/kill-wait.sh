#!/usr/bin/env bash
# Sends SIGTERM to each PID, waits (up to 10 s) until all are gone, then SIGKILLs the rest.
# usage: kill-wait.sh PID...
(($#)) || exit 0
# A daemon is reparented to PID 1, which here reaps zombies only about once a second: a zombie is gone.
alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [ "${s%% *}" != Z ]; }
kill "$@" 2>/dev/null
for i in $(seq 1 100); do
  left=(); for p in "$@"; do alive "$p" && left+=("$p"); done
  ((${#left[@]})) || exit 0
  sleep 0.1
done
kill -9 "${left[@]}" 2>/dev/null; true
