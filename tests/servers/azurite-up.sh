#!/usr/bin/env bash
# Azurite's Blob service on 127.0.0.1:PORT, in memory, for an account of its own whose key is drawn
# afresh each run (Azurite checks every request's Shared Key or SAS signature against it), and no
# telemetry. Leaves: DIR/credentials (env file: AZURE_ACCOUNT, AZURE_KEY, AZURE_ENDPOINT),
# DIR/port, DIR/azurite.pid, DIR/azurite.log. Clears what an earlier run of DIR left. Azurite from
# cloud-tools.sh in $CLOUD_TOOLS (default /opt/lithops-test-tools; installed if missing).
# usage: azurite-up.sh DIR [PORT=10000]        stop: azurite-down.sh DIR
set -euo pipefail
t0=${EPOCHREALTIME/./}
D=$(realpath -m "${1:?usage: azurite-up.sh DIR [PORT]}"); P=${2:-10000}; H=$(dirname "$0")
T=${CLOUD_TOOLS:-/opt/lithops-test-tools}
bash "$H/cloud-tools.sh" "$T"
bash "$H/azurite-down.sh" "$D"
# an Azurite of an earlier run whose pid file is gone (DIR wiped) still holds the port
old=(); for p in $(ss -tlnpH "sport = :$P" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
  grep -q azurite "/proc/$p/cmdline" 2>/dev/null && old+=("$p"); done
bash "$H/kill-wait.sh" "${old[@]}"
rm -rf "$D"; mkdir -p "$D"
echo "$P" > "$D/port"
ACCOUNT=lithopstest
KEY=$(head -c 64 /dev/urandom | base64 -w0)
URL=http://127.0.0.1:$P/$ACCOUNT
AZURITE_ACCOUNTS="$ACCOUNT:$KEY" nohup setsid "$T/azurite/node_modules/.bin/azurite-blob" \
  --blobHost 127.0.0.1 --blobPort "$P" --inMemoryPersistence --disableTelemetry \
  --disableProductStyleUrl --debug "$D/debug.log" </dev/null >"$D/azurite.log" 2>&1 &
echo $! > "$D/azurite.pid"
printf 'AZURE_ACCOUNT=%s\nAZURE_KEY=%s\nAZURE_ENDPOINT=%s\n' "$ACCOUNT" "$KEY" "$URL" > "$D/credentials"
for i in $(seq 1 300); do   # up to 30 s; any HTTP answer (an unsigned request gets 403) means it listens
  code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "$URL?comp=list" || true)
  [ "$code" != 000 ] && break
  kill -0 "$(cat "$D/azurite.pid")" 2>/dev/null || { echo "azurite died; see $D/azurite.log" >&2; exit 1; }
  sleep 0.1
done
[ "$code" = 403 ] || { echo "azurite answers $code, not 403, to an unsigned request on $URL" >&2; exit 1; }
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'azurite ready at %s, signatures checked, credentials in %s/credentials (%d.%02d s)\n' \
  "$URL" "$D" $((ms / 1000)) $((ms % 1000 / 10))
