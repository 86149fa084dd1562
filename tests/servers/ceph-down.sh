#!/usr/bin/env bash
# Stops the Ceph cluster started by ceph-up.sh DIR.   usage: ceph-down.sh DIR
D=$1
for d in client.rgw.a osd.0 mon.a; do bash "$(dirname "$0")/stop-pid.sh" "$D/run/$d.pid"; done
true
