#!/usr/bin/env bash
# `lithops runtime` as a user runs it, against one storage backend: deploy an executable (this
# very CLI), list it, deploy it again (already there), delete it, and clear errors.
# usage: cli_runtime.sh LITHOPS_CLI CONFIG BACKEND
# CONFIG's storage must be this test's alone: the listing is expected to end empty.
set -euo pipefail
L=$1; C=$2; B=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { "$L" runtime "$@" -c "$C" -s "$B"; }
run delete --all >/dev/null  # what an interrupted earlier run left
run list | grep -q "Total: 0 runtimes" || fail "not empty at the start"

out=$(run deploy "$L") || fail "deploy: $out"
echo "$out" | grep -q "^Deployed runtime 'lithops' to $B://" || fail "deploy: $out"
id=$(echo "$out" | awk '/build id:/ {print $3}')
[ -n "$id" ] || fail "deploy printed no build id: $out"
if command -v readelf >/dev/null; then
  [ "$id" = "$(readelf -n "$L" | awk '/Build ID:/ {print $3}')" ] || fail "build id $id is not the ELF note's"
fi
echo "$out" | grep -q "sha256:   $(sha256sum "$L" | cut -d' ' -f1)" || fail "deploy sha256: $out"
echo "$out" | grep -q "($(stat -c %s "$L") bytes)" || fail "deploy size: $out"

out=$(run list)
echo "$out" | grep -q "^$id  *lithops .* $(sha256sum "$L" | cut -c1-12)\$" || fail "list: $out"
echo "$out" | grep -q "Total: 1 runtime\$" || fail "list total: $out"

out=$(run deploy "$L")
echo "$out" | grep -q "^Already deployed: runtime 'lithops' in $B://" || fail "second deploy: $out"
run list | grep -q "Total: 1 runtime\$" || fail "second deploy added a runtime"

run delete "$id" | grep -q "Deleted runtime $id" || fail "delete"
run list | grep -q "Total: 0 runtimes" || fail "not empty after delete"

# --all, and clear errors with non-zero exits.
run deploy "$L" >/dev/null
run delete --all | grep -q "Deleted 1 runtime " || fail "delete --all"
err=$(run delete "$id" 2>&1) && fail "deleting a missing runtime succeeded"
echo "$err" | grep -q "no runtime $id" || fail "missing runtime error: $err"
err=$(run deploy 2>&1) && fail "deploy without a path succeeded"
echo "$err" | grep -q "give the path of the executable" || fail "deploy without a path: $err"
err=$(run delete 2>&1) && fail "delete without ids succeeded"
echo "$err" | grep -q -- "--all" || fail "delete without ids: $err"
echo "cli runtime on $B: all good"
