#!/usr/bin/env bash
# Starts the servers the test suite talks to, under DIR: the 3 ssh "hosts" h1..h3 (network namespaces
# on bridge lbr0), Redis and Ceph RGW (S3) on 127.0.0.1 and 10.200.0.1, a one-node Slurm cluster, and
# the moto AWS server on 127.0.0.1:5000 (Lambda's control plane and a second S3, signatures checked),
# Azurite (Azure Blob Storage, signatures checked) on 127.0.0.1:10000, and fake-gcs-server (Google
# Cloud Storage) on 127.0.0.1:4443, and OpenStack Swift on 127.0.0.1:8080 with TempAuth and a real Keystone
# v3 on 127.0.0.1:5001.
# Each script first clears what an earlier (crashed) run left, so up.sh may run again without down.sh.
# ctest runs it as the `servers` fixture's setup; run it by hand to use a test binary directly.
set -euo pipefail
D=$(realpath -m "${1:?usage: up.sh DIR}"); H=$(dirname "$0")  # absolute: sshd chdirs to /
mkdir -p "$D"
bash "$H/net-up.sh" "$D"          # first: Redis and RGW bind to the bridge's 10.200.0.1
bash "$H/redis-up.sh" "$D/redis"
bash "$H/slurm-up.sh" "$D"
bash "$H/ceph-up.sh" "$D/ceph"
bash "$H/moto-up.sh" "$D/moto"
bash "$H/azurite-up.sh" "$D/azurite"
bash "$H/gcs-up.sh" "$D/gcs"
bash "$H/swift-up.sh" "$D/swift"
