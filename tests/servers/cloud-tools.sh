#!/usr/bin/env bash
# Installs the servers of the cloud storage tests into DIR (default /opt/lithops-test-tools):
#   DIR/azurite/node_modules/.bin/azurite-blob   Azurite, Microsoft's Azure Storage emulator (npm),
#                                                 which checks Shared Key and SAS signatures
#   nodejs and npm (Debian) when no node >= 18 is on PATH
# Idempotent: when everything is there it only checks and exits.
# AZURITE_VERSION overrides the Azurite version.   usage: cloud-tools.sh [DIR]
set -euo pipefail
D=$(realpath -m "${1:-/opt/lithops-test-tools}")
AZURITE_VERSION=${AZURITE_VERSION:-3.37.0}
AZ=$D/azurite
have_all() {
  [ -x "$AZ/node_modules/.bin/azurite-blob" ] && [ "$(cat "$AZ/.version" 2>/dev/null)" = "$AZURITE_VERSION" ]
}
have_all && exit 0
t0=${EPOCHREALTIME/./}
node_ok() { command -v node >/dev/null && command -v npm >/dev/null &&
  [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 18 ]; }
if ! node_ok; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
rm -rf "$AZ"; mkdir -p "$AZ"
(cd "$AZ" && npm install --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" >/dev/null)
echo "$AZURITE_VERSION" > "$AZ/.version"
have_all || { echo "cloud-tools.sh: Azurite did not install into $AZ" >&2; exit 1; }
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'cloud storage test servers installed in %s (%d.%02d s)\n' "$D" $((ms / 1000)) $((ms % 1000 / 10))
