#!/usr/bin/env bash
# `lithops storage` as a user runs it, against one storage backend: make a bucket, put, list,
# get (to a file and to stdout), delete by key and by prefix, and clear errors.
# usage: cli_storage.sh LITHOPS_CLI CONFIG BACKEND SCRATCH
set -euo pipefail
L=$1; C=$2; B=$3; T=$4
rm -rf "$T"; mkdir -p "$T"
bucket="cli-${B//_/-}-$$"  # bucket names: no "_" (S3, Azure)
fail() { echo "FAIL: $*" >&2; exit 1; }
"$L" storage mkbucket "$bucket" -c "$C" -b "$B" | grep -q "ready" || fail mkbucket
head -c 3000000 /dev/urandom > "$T/data.bin"
printf 'hello storage\n' > "$T/hello.txt"
"$L" storage put "$T/data.bin" "$bucket" -c "$C" -b "$B" | grep -q "Uploaded .*data.bin" || fail put
"$L" storage put "$T/hello.txt" "$bucket" -k "docs/hello one.txt" -c "$C" -b "$B" >/dev/null || fail "put -k"
"$L" storage put "$T/hello.txt" "$bucket" -k "docs/two.txt" -c "$C" -b "$B" >/dev/null
out=$("$L" storage list "$bucket" -c "$C" -b "$B")
echo "$out" | grep -q "^data.bin .*2.9 MiB" || fail "list: $out"
echo "$out" | grep -q "Total: 3 objects" || fail "list total: $out"
"$L" storage list "$bucket" -p docs/ -c "$C" -b "$B" | grep -q "Total: 2 objects" || fail "list -p"
"$L" storage get "$bucket" data.bin -o "$T/back.bin" -c "$C" -b "$B" >/dev/null || fail get
cmp -s "$T/data.bin" "$T/back.bin" || fail "get: content differs"
[ "$("$L" storage get "$bucket" "docs/hello one.txt" -o - -c "$C" -b "$B")" = "hello storage" ] || fail "get to stdout"
"$L" storage delete "$bucket" data.bin -c "$C" -b "$B" | grep -q "Deleted 1 object" || fail "delete key"
"$L" storage delete "$bucket" -p docs/ -c "$C" -b "$B" | grep -q "Deleted 2 objects" || fail "delete prefix"
"$L" storage list "$bucket" -c "$C" -b "$B" | grep -q "Total: 0 objects" || fail "not empty"
# Clear errors, non-zero exits.
err=$("$L" storage get "$bucket" missing.txt -o "$T/x" -c "$C" -b "$B" 2>&1) && fail "missing key succeeded"
echo "$err" | grep -q "missing.txt" || fail "missing key error: $err"
err=$("$L" storage list "no-such-bucket-$$" -c "$C" -b "$B" 2>&1) && fail "missing bucket succeeded"
echo "$err" | grep -q "no-such-bucket-$$" || fail "missing bucket error: $err"
err=$("$L" storage list "$bucket" -c "$C" -b nosuch 2>&1) && fail "bad backend succeeded"
echo "$err" | grep -q "redis" || fail "bad backend error does not list the choices: $err"
echo "cli storage on $B: all good"
