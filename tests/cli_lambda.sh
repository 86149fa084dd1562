#!/usr/bin/env bash
# `lithops runtime ... -b aws_lambda` and `lithops clean -b aws_lambda` as a user runs them,
# against the moto server of tests/servers/up.sh (Lambda's control plane, signatures checked):
# deploy this very CLI as a function, list, update, delete; clean; and the errors a user sees.
# usage: cli_lambda.sh LITHOPS_CLI SERVERS_DIR WORK_DIR
set -euo pipefail
L=$1; S=$2; W=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$W"
# shellcheck disable=SC1091
. "$S/moto/credentials"
C=$W/lambda.yaml
cat > "$C" <<YAML
lithops:
  log_level: WARNING
  storage: aws_s3
aws:
  region: us-east-1
  access_key_id: $AWS_ACCESS_KEY_ID
  secret_access_key: $AWS_SECRET_ACCESS_KEY
aws_lambda:
  endpoint: $AWS_ENDPOINT_URL
  execution_role: $(cat "$S/moto/role_arn")
  namespace: clish
  runtime_memory: 512
aws_s3:
  endpoint: $AWS_ENDPOINT_URL
  storage_bucket: lithops-cli-lambda
YAML
run() { "$L" "$@" -c "$C" -b aws_lambda; }
run runtime delete --all >/dev/null  # what an interrupted earlier run left
run runtime list | grep -q "Total: 0 runtimes" || fail "not empty at the start"

id=$(readelf -n "$L" | awk '/Build ID:/ {print $3}')
out=$(run runtime deploy "$L") || fail "deploy: $out"
echo "$out" | grep -q "^Runtime 'lithops-cpp-clish-${id:0:16}-512MB-x86_64' created in aws_lambda" || fail "deploy: $out"
echo "$out" | grep -q "build id: $id" || fail "deploy build id: $out"
out=$(run runtime deploy "$L")
echo "$out" | grep -q "already deployed" || fail "second deploy: $out"
out=$(run runtime update "$L")
echo "$out" | grep -q " updated in aws_lambda" || fail "update: $out"
out=$(run runtime list)
echo "$out" | grep -q "^lithops-cpp-clish-${id:0:16}-512MB-x86_64 .* 512 MB  x86_64" || fail "list: $out"
echo "$out" | grep -q "Total: 1 runtime\$" || fail "list total: $out"
run runtime delete "$id" | grep -q "Deleted 1 runtime '$id'" || fail "delete"
run runtime list | grep -q "Total: 0 runtimes" || fail "not empty after delete"

# clean removes the namespace's functions too
run runtime deploy "$L" >/dev/null
out=$(run clean)
echo "$out" | grep -q "Removed 1 runtimes from aws_lambda" || fail "clean: $out"

# The configuration never shows a secret; errors name the key.
run config | grep -q "$AWS_SECRET_ACCESS_KEY" && fail "lithops config printed the secret"
sed '/execution_role/d' "$C" > "$W/norole.yaml"
err=$("$L" runtime list -c "$W/norole.yaml" -b aws_lambda 2>&1) && fail "no role succeeded"
echo "$err" | grep -q "aws_lambda.execution_role: required" || fail "no role: $err"
sed "s|secret_access_key: .*|secret_access_key: wrong-secret-123|" "$C" > "$W/badkey.yaml"
err=$("$L" runtime list -c "$W/badkey.yaml" -b aws_lambda 2>&1) && fail "a wrong secret succeeded"
echo "$err" | grep -q "HTTP 403" || fail "wrong secret: $err"
echo "$err" | grep -q "wrong-secret-123" && fail "the error shows the secret: $err"
echo "cli lambda: all good"
