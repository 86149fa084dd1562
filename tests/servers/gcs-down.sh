#!/usr/bin/env bash
# Stops the fake-gcs-server started by gcs-up.sh DIR.   usage: gcs-down.sh DIR
D=$(realpath -m "${1:?usage: gcs-down.sh DIR}"); H=$(dirname "$0")
bash "$H/stop-pid.sh" "$D/fake-gcs-server.pid" fake-gcs-server
true
