#!/usr/bin/env bash
# Starts (or restarts, if it runs) the Redis of DIR and waits until it answers.   usage: redis-restart.sh DIR
set -euo pipefail
D=$1; P=$(cat "$D/port"); B=$(cat "$D/bind" 2>/dev/null || echo 127.0.0.1)
if [ -f "$D/redis.pid" ]; then
  redis-cli -s "$D/redis.sock" shutdown save >/dev/null 2>&1 || true
  bash "$(dirname "$0")/stop-pid.sh" "$D/redis.pid"
fi
# protected-mode no: else Redis refuses clients on 10.200.0.1 (no password). That address exists only
# on the bridge to the test namespaces, so nothing outside the machine reaches it.
redis-server --port "$P" --bind $B --protected-mode no --unixsocket "$D/redis.sock" --unixsocketperm 700 --dir "$D" \
  --save '' --appendonly yes --appendfsync everysec --daemonize yes --pidfile "$D/redis.pid" \
  --logfile "$D/redis.log" --proto-max-bulk-len 536870912
# ready = done loading the append-only file (PING answers before that; writes get LOADING errors)
for i in $(seq 1 500); do
  redis-cli -s "$D/redis.sock" info persistence 2>/dev/null | grep -q '^loading:0' && break
  sleep 0.02
done
# every TCP address too: a missing one (no bridge yet) means the server is not reachable as promised
for a in unix $B; do
  if [ $a = unix ]; then c=(-s "$D/redis.sock"); else c=(-h "$a" -p "$P"); fi
  timeout 5 redis-cli "${c[@]}" ping 2>/dev/null | grep -q PONG ||
    { echo "redis does not answer on $a; see $D/redis.log" >&2; exit 1; }
done
