#!/usr/bin/env bash
# Starts (or restarts, if it runs) the RADOS Gateway of the cluster in DIR and waits until it answers.
# The data lives in the OSD, so a restart loses nothing.   usage: rgw-start.sh DIR
set -euo pipefail
D=$1; C="-c $D/ceph.conf"
PORT=$(sed -n 's/^rgw_frontends = beast endpoint=[0-9.]*:\([0-9]*\).*/\1/p' "$D/ceph.conf")
bash "$(dirname "$0")/stop-pid.sh" "$D/run/client.rgw.a.pid"
radosgw $C -n client.rgw.a
for i in $(seq 1 600); do
  curl -s -m 1 -o /dev/null "http://127.0.0.1:$PORT/" && exit 0
  sleep 0.1
done
echo "radosgw did not answer on port $PORT; see $D/log" >&2; exit 1
