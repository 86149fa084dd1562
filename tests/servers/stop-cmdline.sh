#!/usr/bin/env bash
# Stops every process called NAME whose command line contains the argument ARG. For daemons of an
# earlier, crashed run whose pid file was lost (DIR wiped): ARG is a config path inside DIR, so daemons
# of other runs and other users are never touched. (sshd rewrites its argv into one string, hence the
# match on " ARG " rather than on argv[i].)   usage: stop-cmdline.sh NAME ARG
N=$1; A=$2; pids=()
for p in /proc/[0-9]*; do
  [ "$(cat "$p/comm" 2>/dev/null)" = "$N" ] || continue
  cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
  [[ " $cmd " == *" $A "* ]] && pids+=("${p#/proc/}")
done
bash "$(dirname "$0")/kill-wait.sh" "${pids[@]}"
