#!/usr/bin/env bash
# Stops the Ceph cluster started by ceph-up.sh DIR.   usage: ceph-down.sh DIR
D=$1; H=$(dirname "$0")
for d in client.rgw.a:radosgw osd.0:ceph-osd mon.a:ceph-mon; do
  bash "$H/stop-pid.sh" "$D/run/${d%%:*}.pid" "${d#*:}"
  # one of this DIR whose pid file is gone (DIR wiped while it ran): found by its -c argument
  bash "$H/stop-cmdline.sh" "${d#*:}" "$D/ceph.conf"
done
true
