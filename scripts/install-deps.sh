#!/usr/bin/env bash
# Installs everything Lithops C++ needs to build and test, from Debian's packages (and, with
# --servers, the AWS test servers from PyPI and the Go module proxy).
# Idempotent: a second run installs nothing new. Needs root (as on the CI machine).
# `--servers` also installs the servers the test suite runs against (Redis, Ceph RGW, sshd in
# network namespaces, a local Slurm cluster with munge, OpenStack Swift and Keystone) and the tools
# their scripts use.
set -euo pipefail
PKGS=(
  build-essential cmake pkg-config git
  libcereal-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  libcurl4-openssl-dev libssl-dev libhiredis-dev libpugixml-dev libzip-dev zlib1g-dev libhts-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [ "${1:-}" = "--servers" ]; then
  PKGS+=(curl redis-server redis-tools radosgw ceph-mon ceph-osd ceph-common
    openssh-server openssh-client slurm-wlm munge iproute2 procps util-linux
    swift swift-proxy swift-object swift-account swift-container memcached keystone
    python3-keystonemiddleware uwsgi-core uwsgi-plugin-python3
    tabix)  # bgzip: the reference tool the gzip'd-data tests compress BGZF with
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}"
fi
# The AWS test servers, from the registries (not Debian): AWS's Lambda Runtime Interface
# Emulator (Go module proxy) and the moto AWS server (PyPI, in its own virtual environment),
# plus Debian's nginx in front of them. See tests/servers/AWS-NOTES.md.
if [ "${1:-}" = "--servers" ]; then
  bash "$(dirname "$0")/../tests/servers/aws-tools.sh"
  bash "$(dirname "$0")/../tests/servers/cloud-tools.sh"  # Azurite (npm)
  bash "$(dirname "$0")/../tests/servers/data-tools.sh"   # copc-lib (PyPI), the COPC reference
fi
