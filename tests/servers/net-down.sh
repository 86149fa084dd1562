#!/usr/bin/env bash
# Stops what net-up.sh DIR started: the sshd of each namespace, every other process still inside
# h1..h3 (e.g. workers a test started over ssh: they would outlive the namespace otherwise), the
# namespaces with their veth pairs, and the bridge lbr0.   usage: net-down.sh DIR
D=${1:?usage: net-down.sh DIR}/net; H=$(dirname "$0")
for i in 1 2 3; do bash "$H/stop-pid.sh" "$D/sshd-h$i.pid" sshd; done
bash "$H/stop-cmdline.sh" sshd "$D/sshd_config"
for i in 1 2 3; do
  if [ -e "/run/netns/h$i" ]; then
    bash "$H/kill-wait.sh" $(ip netns pids "h$i" 2>/dev/null)
    ip netns del "h$i" 2>/dev/null
  fi
  # the root-namespace end survives if the namespace was kept alive by a process; deleting it
  # removes the pair
  ip link del "veth-h$i" 2>/dev/null
done
ip link del lbr0 2>/dev/null
true
