#!/usr/bin/env bash
# Stops the moto_server started by moto-up.sh DIR.   usage: moto-down.sh DIR
D=$(realpath -m "${1:?usage: moto-down.sh DIR}"); H=$(dirname "$0")
bash "$H/stop-pid.sh" "$D/moto.pid" moto_server
true
