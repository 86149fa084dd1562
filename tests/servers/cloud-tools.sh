#!/usr/bin/env bash
# Installs the servers of the cloud storage tests into DIR (default /opt/lithops-test-tools):
#   DIR/azurite/node_modules/.bin/azurite-blob   Azurite, Microsoft's Azure Storage emulator (npm),
#                                                 which checks Shared Key and SAS signatures
#   nodejs and npm (Debian) when no node >= 18 is on PATH
#   DIR/bin/fake-gcs-server                      fake-gcs-server, a Google Cloud Storage emulator
#                                                 (go install, Go module proxy)
# Idempotent: when everything is there it only checks and exits.
# AZURITE_VERSION overrides the Azurite version, FAKE_GCS_VERSION fake-gcs-server's.
# usage: cloud-tools.sh [DIR]
set -euo pipefail
D=$(realpath -m "${1:-/opt/lithops-test-tools}")
AZURITE_VERSION=${AZURITE_VERSION:-3.37.0}
FAKE_GCS_VERSION=${FAKE_GCS_VERSION:-v1.56.1}
AZ=$D/azurite; GCS=$D/bin/fake-gcs-server
have_azurite() {
  [ -x "$AZ/node_modules/.bin/azurite-blob" ] && [ "$(cat "$AZ/.version" 2>/dev/null)" = "$AZURITE_VERSION" ]
}
have_gcs() { [ -x "$GCS" ] && [ "$(cat "$D/bin/.fake-gcs-server-version" 2>/dev/null)" = "$FAKE_GCS_VERSION" ]; }
have_all() { have_azurite && have_gcs; }
have_all && exit 0
t0=${EPOCHREALTIME/./}
node_ok() { command -v node >/dev/null && command -v npm >/dev/null &&
  [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 18 ]; }
if ! have_azurite && ! node_ok; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if ! have_azurite; then
  rm -rf "$AZ"; mkdir -p "$AZ"
  (cd "$AZ" && npm install --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" >/dev/null)
  echo "$AZURITE_VERSION" > "$AZ/.version"
  have_azurite || { echo "cloud-tools.sh: Azurite did not install into $AZ" >&2; exit 1; }
fi
# fake-gcs-server, built from its module. Its go.mod wants a recent Go: a Go >= 1.21 fetches that
# toolchain from the module proxy by itself (GOTOOLCHAIN=auto); an older one (Debian 12's golang-go is
# 1.19) cannot, so the toolchain is taken from the proxy as the module golang.org/toolchain (as aws-tools.sh).
if ! have_gcs; then
  PATH=$PATH:/usr/local/go/bin
  if ! command -v go >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends golang-go >/dev/null
  fi
  mkdir -p "$D/bin"
  export GOPATH=$D/go GOCACHE=$D/go/cache GOMODCACHE=$D/go/mod GOBIN=$D/bin GOFLAGS=-modcacherw
  GO=go
  minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
  if [ -n "$minor" ] && [ "$minor" -lt 21 ]; then
    tc=golang.org/toolchain@v0.0.1-go1.26.6.linux-$(go env GOARCH)
    G=$(cd /tmp && go mod download -json "$tc" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
    chmod -R +x "$G/bin" "$G/pkg/tool"   # a module zip keeps no exec bits
    GO=$G/bin/go
  fi
  (cd /tmp && GOTOOLCHAIN=auto "$GO" install "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION")
  echo "$FAKE_GCS_VERSION" > "$D/bin/.fake-gcs-server-version"
  have_gcs || { echo "cloud-tools.sh: fake-gcs-server did not install into $D/bin" >&2; exit 1; }
fi
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'cloud storage test servers installed in %s (%d.%02d s)\n' "$D" $((ms / 1000)) $((ms % 1000 / 10))
