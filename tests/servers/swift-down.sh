#!/usr/bin/env bash
# Stops the Swift servers, Keystone and memcached started by swift-up.sh DIR.   usage: swift-down.sh DIR
D=$(realpath -m "${1:?usage: swift-down.sh DIR}"); H=$(dirname "$0")
# /proc/PID/comm keeps 15 characters of the script's name
bash "$H/stop-pid.sh" "$D/run/proxy.pid" swift-proxy-ser
bash "$H/stop-pid.sh" "$D/run/object.pid" swift-object-se
bash "$H/stop-pid.sh" "$D/run/container.pid" swift-container
bash "$H/stop-pid.sh" "$D/run/account.pid" swift-account-s
bash "$H/stop-pid.sh" "$D/run/keystone.pid" uwsgi
bash "$H/stop-pid.sh" "$D/run/memcached.pid" memcached
true
