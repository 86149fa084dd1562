#!/usr/bin/env bash
# Stops what up.sh DIR started.
D=${1:?usage: down.sh DIR}; H=$(dirname "$0")
bash "$H/stop-pid.sh" "$D/redis/redis.pid"
bash "$H/ceph-down.sh" "$D/ceph"
true
