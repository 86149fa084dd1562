#!/usr/bin/env bash
# Starts the servers the test suite talks to, under DIR: Redis and Ceph RGW (S3).
# ctest runs it as the `servers` fixture's setup; run it by hand to use a test binary directly.
set -euo pipefail
D=${1:?usage: up.sh DIR}; H=$(dirname "$0")
bash "$H/redis-up.sh" "$D/redis"
bash "$H/ceph-up.sh" "$D/ceph"
