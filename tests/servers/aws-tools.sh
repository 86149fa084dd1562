#!/usr/bin/env bash
# Installs the tools of the AWS Lambda tests into DIR (default /opt/lithops-test-tools):
#   DIR/bin/aws-lambda-rie   AWS Lambda Runtime Interface Emulator (go install, Go module proxy)
#   DIR/venv                 moto[server] (moto_server, boto3) in a venv of Debian's /usr/bin/python3
#   nginx (Debian), binutils, python3-venv (apt)
# Idempotent: when everything is there it only checks and exits (well under a second).
# RIE_VERSION overrides the RIE module version (a pseudo-version: the module proxy serves no tag);
# MOTO_VERSION the moto version.   usage: aws-tools.sh [DIR]
set -euo pipefail
D=$(realpath -m "${1:-/opt/lithops-test-tools}")
RIE_VERSION=${RIE_VERSION:-v0.0.0-20261030222936-bef5c4ba774d}   # what @latest gave on 2026-12-07
MOTO_VERSION=${MOTO_VERSION:-5.2.6}
RIE=$D/bin/aws-lambda-rie; VENV=$D/venv
have_all() {
  [ -x "$RIE" ] && [ -x "$VENV/bin/moto_server" ] &&
    [ "$(cat "$VENV/.moto-version" 2>/dev/null)" = "$MOTO_VERSION" ] &&
    [ -x /usr/sbin/nginx ] && command -v objdump >/dev/null
}
have_all && exit 0
t0=${EPOCHREALTIME/./}
mkdir -p "$D/bin"

# (a) Debian packages. Debian's nginx package never starts the system nginx here: the machine's
# /usr/sbin/policy-rc.d forbids service starts; the test nginx runs with its own config anyway.
pkgs=()
for p in python3-venv nginx binutils curl zip; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || pkgs+=("$p")
done
PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || pkgs+=(golang-go)
if ((${#pkgs[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# (b) aws-lambda-rie. Its go.mod wants go 1.26.6: a Go >= 1.21 fetches that toolchain from the module
# proxy by itself (GOTOOLCHAIN=auto); an older one (Debian 12's golang-go is 1.19) cannot, so the
# toolchain is taken from the proxy as the module golang.org/toolchain and used directly.
if [ ! -x "$RIE" ]; then
  export GOPATH=$D/go GOCACHE=$D/go/cache GOMODCACHE=$D/go/mod GOBIN=$D/bin GOFLAGS=-modcacherw
  GO=go
  minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
  if [ -n "$minor" ] && [ "$minor" -lt 21 ]; then
    tc=golang.org/toolchain@v0.0.1-go1.26.6.linux-$(go env GOARCH)
    G=$(cd /tmp && go mod download -json "$tc" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
    chmod -R +x "$G/bin" "$G/pkg/tool"   # a module zip keeps no exec bits
    GO=$G/bin/go
  fi
  (cd /tmp && GOTOOLCHAIN=auto "$GO" install \
    "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION")
fi

# (c) moto in a venv of Debian's python (a pyenv python3 may come first on PATH)
if [ ! -x "$VENV/bin/moto_server" ] || [ "$(cat "$VENV/.moto-version" 2>/dev/null)" != "$MOTO_VERSION" ]; then
  [ -x "$VENV/bin/pip" ] || /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  echo "$MOTO_VERSION" > "$VENV/.moto-version"
fi
have_all || { echo "aws-tools: install incomplete in $D" >&2; exit 1; }
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'aws tools installed in %s (%d.%02d s)\n' "$D" $((ms / 1000)) $((ms % 1000 / 10))
