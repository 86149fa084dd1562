#!/usr/bin/env bash
# Starts (or restarts, if it runs) the Redis of DIR and waits until it answers.   usage: redis-restart.sh DIR
set -euo pipefail
D=$1; P=$(cat "$D/port")
if [ -f "$D/redis.pid" ]; then
  redis-cli -s "$D/redis.sock" shutdown save >/dev/null 2>&1 || true
  bash "$(dirname "$0")/stop-pid.sh" "$D/redis.pid"
fi
redis-server --port "$P" --bind 127.0.0.1 --unixsocket "$D/redis.sock" --unixsocketperm 700 --dir "$D" \
  --save '' --appendonly yes --appendfsync everysec --daemonize yes --pidfile "$D/redis.pid" \
  --logfile "$D/redis.log" --proto-max-bulk-len 536870912
for i in $(seq 1 300); do
  redis-cli -s "$D/redis.sock" ping 2>/dev/null | grep -q PONG && exit 0
  sleep 0.02
done
echo "redis did not answer; see $D/redis.log" >&2; exit 1
