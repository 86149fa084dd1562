#!/usr/bin/env bash
# Redis on 127.0.0.1:${PORT:-6390} and unix socket DIR/redis.sock. Append-only file on, so that a
# restart (redis-restart.sh) loses nothing.   usage: redis-up.sh DIR
set -euo pipefail
D=$1; P=${PORT:-6390}
bash "$(dirname "$0")/stop-pid.sh" "$D/redis.pid"
rm -rf "$D"; mkdir -p "$D"
echo "$P" > "$D/port"
bash "$(dirname "$0")/redis-restart.sh" "$D"
echo "redis ready at 127.0.0.1:$P"
