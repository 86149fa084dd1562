#!/usr/bin/env bash
# Installs the reference tools of the scientific-data tests into DIR (default
# /opt/lithops-test-tools): DIR/data-venv, a venv of Debian's /usr/bin/python3 with copc-lib
# (PyPI copclib: writes the COPC test files and reads back their octree, the reference for the
# partitioner). gzip/bgzip/zcat come from Debian (install-deps.sh). Idempotent.
# usage: data-tools.sh [DIR]
set -euo pipefail
D=$(realpath -m "${1:-/opt/lithops-test-tools}")
VENV=$D/data-venv
REQ="copclib==2.6.3"
[ "$(cat "$VENV/.requirements" 2>/dev/null)" = "$REQ" ] && exit 0
rm -rf "$VENV"
mkdir -p "$D"
/usr/bin/python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check $REQ
echo "$REQ" > "$VENV/.requirements"
