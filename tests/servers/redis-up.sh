#!/usr/bin/env bash
# Redis on 127.0.0.1:${PORT:-6390}, on 10.200.0.1 (the bridge of net-up.sh, which must run first: the
# namespaces reach the root namespace there) and on unix socket DIR/redis.sock. BIND overrides the
# addresses. Append-only file on, so that a restart (redis-restart.sh) loses nothing.
# usage: redis-up.sh DIR
set -euo pipefail
t0=${EPOCHREALTIME/./}
D=$1; P=${PORT:-6390}; B=${BIND:-127.0.0.1 10.200.0.1}
bash "$(dirname "$0")/stop-pid.sh" "$D/redis.pid" redis-server
# a Redis of this DIR whose pid file is gone (DIR wiped while it ran) still listens on DIR/redis.sock
bash "$(dirname "$0")/kill-wait.sh" $(ss -xlpH src "$D/redis.sock" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
rm -rf "$D"; mkdir -p "$D"
echo "$P" > "$D/port"
echo "$B" > "$D/bind"
bash "$(dirname "$0")/redis-restart.sh" "$D"
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'redis ready at %s:%s (%d.%02d s)\n' "${B// /, }" "$P" $((ms / 1000)) $((ms % 1000 / 10))
