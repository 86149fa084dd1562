#!/usr/bin/env bash
# Stops the Azurite and its flaky front started by azurite-up.sh DIR.   usage: azurite-down.sh DIR
D=$(realpath -m "${1:?usage: azurite-down.sh DIR}"); H=$(dirname "$0")
bash "$H/stop-pid.sh" "$D/nginx/nginx.pid" nginx
bash "$H/stop-pid.sh" "$D/azurite.pid" node
true
