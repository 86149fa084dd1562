#!/usr/bin/env bash
# Runs a CLI test script (cli_storage.sh, cli_runtime.sh) against the test Swift as an OpenStack
# user would: Lithops' `swift` section with Keystone v3 credentials (drawn each run by swift-up.sh).
# usage: cli_with_swift.sh SERVERS_DIR SCRIPT LITHOPS_CLI CONFIG_DIR [SCRIPT ARGS after CONFIG ...]
set -euo pipefail
S=$1; SCRIPT=$2; L=$3; CD=$4; shift 4
# shellcheck disable=SC1091
. "$S/swift/credentials"
mkdir -p "$CD"
printf 'lithops:\n  log_level: WARNING\nswift:\n  auth_url: %s\n  region: %s\n  user_id: %s\n  project_id: %s\n  password: %s\n  storage_bucket: cli-swift-%s\n' \
  "$SWIFT_KEYSTONE_URL" "$SWIFT_REGION" "$SWIFT_USER_ID" "$SWIFT_PROJECT_ID" "$SWIFT_PASSWORD" "$$" > "$CD/swift.yaml"
exec bash "$SCRIPT" "$L" "$CD/swift.yaml" swift "$@"
