#!/usr/bin/env bash
# One-node Ceph (1 mon, 1 in-memory OSD, no mgr) + RADOS Gateway on 127.0.0.1:${PORT:-7480} and on
# 10.200.0.1 (the bridge of net-up.sh, which must run first: the namespaces reach the root namespace
# there; RGW_ADDRS overrides the addresses), no cephx, S3 user AKTEST/SKTEST. RGW checks SigV4
# signatures and payload hashes as AWS does.
# The OSD keeps objects in memory (memstore), MEMSTORE_BYTES at most.
# usage: ceph-up.sh DIR [MEMSTORE_BYTES=4GiB]      (from ../shared/reference/infra.md)
set -euo pipefail
t0=${EPOCHREALTIME/./}
D=$1; BYTES=${2:-4294967296}; PORT=${PORT:-7480}; ADDRS=${RGW_ADDRS:-127.0.0.1 10.200.0.1}
EP=""; for a in $ADDRS; do EP+="endpoint=$a:$PORT "; done
bash "$(dirname "$0")/ceph-down.sh" "$D"
rm -rf "$D"; mkdir -p "$D"/{run,log,mon-a,osd-0,rgw-a}
trap 'echo "ceph-up: failed at line $LINENO; see $D/log" >&2' ERR
FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon_host = v2:127.0.0.1:3300/0
mon_initial_members = a
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
osd_objectstore = memstore
memstore_device_bytes = $BYTES
ms_bind_ipv6 = false
ms_bind_msgr1 = false
run_dir = $D/run
admin_socket = $D/run/\$name.asok
log_file = $D/log/\$name.log
pid_file = $D/run/\$name.pid
[mon.a]
mon_data = $D/mon-a
public_addr = 127.0.0.1
[osd.0]
osd_data = $D/osd-0
[client.rgw.a]
# radosgw's built-in defaults demand cephx + a 'secure' mon connection; undo both
ms_mon_client_mode = crc secure
auth_client_required = none
# tcp_nodelay: without it a GET on a kept-alive connection waits ~40 ms (Nagle + delayed ACK).
# rgw-start.sh reads the endpoints from this line.
rgw_frontends = beast ${EP}tcp_nodelay=1
rgw_data = $D/rgw-a
# Deleted and overwritten objects' data is garbage-collected after 2 hours by default; tests
# and benchmarks write GiBs into a memory-backed OSD, so collect it within seconds.
rgw_gc_obj_min_wait = 1
rgw_gc_processor_period = 2
rgw_gc_processor_max_time = 2
CONF
C="-c $D/ceph.conf"
monmaptool --create --addv a '[v2:127.0.0.1:3300/0]' --fsid "$FSID" "$D/monmap" >/dev/null
ceph-authtool --create-keyring "$D/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-mon $C -i a --mkfs --monmap "$D/monmap" --keyring "$D/mon.keyring"
ceph-mon $C -i a
OSDUUID=$(cat /proc/sys/kernel/random/uuid)
ID=$(timeout 60 ceph $C osd new "$OSDUUID")
ceph-osd $C -i "$ID" --mkfs --osd-uuid "$OSDUUID" 2>/dev/null
ceph-osd $C -i "$ID" 2>/dev/null
bash "$(dirname "$0")/rgw-start.sh" "$D"
timeout 60 radosgw-admin $C user create --uid=test --display-name=test --access-key=AKTEST --secret-key=SKTEST >/dev/null
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'ceph rgw ready at %s:%s, AKTEST/SKTEST (%d.%02d s)\n' "${ADDRS// /, }" "$PORT" $((ms / 1000)) $((ms % 1000 / 10))
