#!/usr/bin/env bash
# Runs a CLI test script (cli_storage.sh, cli_runtime.sh) against Azurite as an Azure user
# would: the account comes from AZURE_STORAGE_CONNECTION_STRING (its key is drawn each run by
# azurite-up.sh), the config file only names the container.
# usage: cli_with_azurite.sh SERVERS_DIR SCRIPT LITHOPS_CLI CONFIG_DIR [SCRIPT ARGS after CONFIG ...]
set -euo pipefail
S=$1; SCRIPT=$2; L=$3; CD=$4; shift 4
# shellcheck disable=SC1091
. "$S/azurite/credentials"
export AZURE_STORAGE_CONNECTION_STRING="AccountName=$AZURE_ACCOUNT;AccountKey=$AZURE_KEY;BlobEndpoint=$AZURE_ENDPOINT"
mkdir -p "$CD"
printf 'lithops:\n  log_level: WARNING\nazure_storage:\n  storage_bucket: cli-azure-%s\n' "$$" > "$CD/azure.yaml"
exec bash "$SCRIPT" "$L" "$CD/azure.yaml" azure_storage "$@"
