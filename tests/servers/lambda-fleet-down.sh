#!/usr/bin/env bash
# Stops what lambda-fleet-up.sh DIR started: its nginx, its RIEs and all that they started (bootstraps and
# their children; a bootstrap busy in an invocation outlives an RIE that crashed or was SIGKILLed).
# Found by pid file, by session (each RIE leads one: setsid) and by the mark LITHOPS_FLEET_DIR=DIR in
# /proc/PID/environ (RIE passes its environment on to the bootstrap), so also after DIR was wiped.
# usage: lambda-fleet-down.sh DIR
D=$(realpath -m "${1:?usage: lambda-fleet-down.sh DIR}"); H=$(dirname "$0")
bash "$H/stop-pid.sh" "$D/nginx.pid" nginx
# an nginx of this DIR whose pid file is gone: found by its -c argument
bash "$H/stop-cmdline.sh" nginx "$D/nginx/nginx.conf"
marked() { { tr '\0' '\n' < "/proc/$1/environ"; } 2>/dev/null | grep -qxF "LITHOPS_FLEET_DIR=$D"; }
rie=(); others=()
for p in /proc/[0-9]*; do
  p=${p#/proc/}
  marked "$p" || continue
  if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = aws-lambda-rie ]; then rie+=("$p"); else others+=("$p"); fi
done
# RIE first: on SIGTERM it SIGKILLs its bootstrap's process group itself
bash "$H/kill-wait.sh" "${rie[@]}"
# then what is left: marked processes and the rest of each RIE's session (children that dropped the mark)
for s in "${rie[@]}"; do others+=($(pgrep -s "$s" || true)); done
left=(); for p in "${others[@]}"; do [ -d "/proc/$p" ] && left+=("$p"); done
bash "$H/kill-wait.sh" "${left[@]}"
rm -f "$D"/rie-*.pid
true
