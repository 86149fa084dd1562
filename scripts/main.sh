#!/usr/bin/env bash
# The README's first command: install, build, and run the main job (a map on the localhost
# backend).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/examples/example_map
