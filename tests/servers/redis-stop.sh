#!/usr/bin/env bash
# Stops the Redis of DIR, saving its data first (redis-restart.sh brings it back with it).
# usage: redis-stop.sh DIR
D=$1
redis-cli -s "$D/redis.sock" shutdown save >/dev/null 2>&1 || true
bash "$(dirname "$0")/stop-pid.sh" "$D/redis.pid"
