#!/usr/bin/env bash
# Starts (or restarts, if it runs) the RADOS Gateway of the cluster in DIR and waits until it answers.
# The data lives in the OSD, so a restart loses nothing.   usage: rgw-start.sh DIR
set -euo pipefail
D=$1; C="-c $D/ceph.conf"
bash "$(dirname "$0")/stop-pid.sh" "$D/run/client.rgw.a.pid" radosgw
radosgw $C -n client.rgw.a
# every endpoint (127.0.0.1, 10.200.0.1): a missing one means the namespaces cannot reach it
end=$((SECONDS + 90))   # a first start creates RGW's pools first
for ep in $(grep -o 'endpoint=[0-9.]*:[0-9]*' "$D/ceph.conf" | cut -d= -f2); do
  until curl -s -m 1 -o /dev/null "http://$ep/"; do
    ((SECONDS < end)) || { echo "radosgw did not answer on $ep; see $D/log" >&2; exit 1; }
    sleep 0.1
  done
done
