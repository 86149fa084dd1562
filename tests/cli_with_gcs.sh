#!/usr/bin/env bash
# Runs a CLI test script (cli_storage.sh, cli_runtime.sh) against fake-gcs-server as a Google
# Cloud Storage user would against an emulator: STORAGE_EMULATOR_HOST names it, the config file
# only names the bucket.
# usage: cli_with_gcs.sh SERVERS_DIR SCRIPT LITHOPS_CLI CONFIG_DIR [SCRIPT ARGS after CONFIG ...]
set -euo pipefail
S=$1; SCRIPT=$2; L=$3; CD=$4; shift 4
STORAGE_EMULATOR_HOST=$(cat "$S/gcs/endpoint")
export STORAGE_EMULATOR_HOST
mkdir -p "$CD"
printf 'lithops:\n  log_level: WARNING\ngcp_storage:\n  storage_bucket: cli-gcs-%s\n' "$$" > "$CD/gcs.yaml"
exec bash "$SCRIPT" "$L" "$CD/gcs.yaml" gcp_storage "$@"
