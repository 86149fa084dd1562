#!/usr/bin/env bash
# fake-gcs-server (Google Cloud Storage's JSON API, in memory, plain http) on 127.0.0.1:PORT. It checks
# no credentials: the tests reach it as Google's client libraries reach an emulator, through
# STORAGE_EMULATOR_HOST or the `gcp_storage.endpoint` key (the OAuth2 flow is tested in unit_gcs).
# Leaves: DIR/port, DIR/endpoint (http://127.0.0.1:PORT), DIR/fake-gcs-server.pid, DIR/fake-gcs-server.log.
# Clears what an earlier run of DIR left. fake-gcs-server from cloud-tools.sh in $CLOUD_TOOLS (default
# /opt/lithops-test-tools; installed if missing).
# usage: gcs-up.sh DIR [PORT=4443]        stop: gcs-down.sh DIR
set -euo pipefail
t0=${EPOCHREALTIME/./}
D=$(realpath -m "${1:?usage: gcs-up.sh DIR [PORT]}"); P=${2:-4443}; H=$(dirname "$0")
T=${CLOUD_TOOLS:-/opt/lithops-test-tools}
bash "$H/cloud-tools.sh" "$T"
bash "$H/gcs-down.sh" "$D"
# a fake-gcs-server of an earlier run whose pid file is gone (DIR wiped) still holds the port
old=(); for p in $(ss -tlnpH "sport = :$P" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
  grep -q fake-gcs-server "/proc/$p/cmdline" 2>/dev/null && old+=("$p"); done
bash "$H/kill-wait.sh" "${old[@]}"
rm -rf "$D"; mkdir -p "$D"
echo "$P" > "$D/port"
URL=http://127.0.0.1:$P
nohup setsid "$T/bin/fake-gcs-server" -scheme http -host 127.0.0.1 -port "$P" -backend memory \
  -external-url "$URL" -public-host "127.0.0.1:$P" -log-level warn </dev/null >"$D/fake-gcs-server.log" 2>&1 &
echo $! > "$D/fake-gcs-server.pid"
echo "$URL" > "$D/endpoint"
for i in $(seq 1 300); do   # up to 30 s: the bucket list answers 200 once it listens
  code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "$URL/storage/v1/b?project=lithops" || true)
  [ "$code" != 000 ] && break
  kill -0 "$(cat "$D/fake-gcs-server.pid")" 2>/dev/null || { echo "fake-gcs-server died; see $D/fake-gcs-server.log" >&2; exit 1; }
  sleep 0.1
done
[ "$code" = 200 ] || { echo "fake-gcs-server answers $code, not 200, on $URL/storage/v1/b" >&2; exit 1; }
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'fake-gcs-server ready at %s (%d.%02d s)\n' "$URL" $((ms / 1000)) $((ms % 1000 / 10))
