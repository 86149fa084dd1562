#!/usr/bin/env bash
# Stops what up.sh DIR started (the network last: Redis and RGW listen on its bridge).
D=$(realpath -m "${1:?usage: down.sh DIR}"); H=$(dirname "$0")
bash "$H/slurm-down.sh" "$D"
bash "$H/moto-down.sh" "$D/moto"
bash "$H/azurite-down.sh" "$D/azurite"
bash "$H/gcs-down.sh" "$D/gcs"
bash "$H/swift-down.sh" "$D/swift"
for f in "$D"/lambda-*/; do [ -f "$f/port" ] && bash "$H/lambda-fleet-down.sh" "$f"; done  # e2e tests' fleets
bash "$H/stop-pid.sh" "$D/redis/redis.pid" redis-server
bash "$H/ceph-down.sh" "$D/ceph"
bash "$H/net-down.sh" "$D"
true
