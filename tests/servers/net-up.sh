#!/usr/bin/env bash
# Three "hosts" for the remote-backend tests: network namespaces h1, h2, h3 (10.200.0.11/.12/.13) on
# bridge lbr0 (10.200.0.1/24 in the root namespace), no default route, each running its own sshd on
# port 22 with root key auth; client key DIR/net/id_ed25519. From inside a namespace, servers of the
# root namespace are at 10.200.0.1 (127.0.0.1 there is the namespace's own loopback).
# usage: net-up.sh DIR      (from ../shared/reference/infra.md, section 2)
set -euo pipefail
R=${1:?usage: net-up.sh DIR}; D=$R/net; H=$(dirname "$0")
t0=${EPOCHREALTIME/./}
bash "$H/net-down.sh" "$R"   # leftovers of an earlier (crashed) run
rm -rf "$D"; mkdir -p "$D" /run/sshd; chmod 700 "$D"
trap 'echo "net-up: failed at line $LINENO; see $D/sshd-h*.log" >&2' ERR
ssh-keygen -q -t ed25519 -N '' -C lithops-test-host -f "$D/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C lithops-test-client -f "$D/id_ed25519"
cp "$D/id_ed25519.pub" "$D/authorized_keys"; chmod 600 "$D/authorized_keys"
# StrictModes no: DIR may sit under world-writable /tmp. MaxStartups/MaxSessions: tests open many
# connections (and multiplexed sessions) at once; the defaults drop some of them.
cat > "$D/sshd_config" <<CONF
HostKey $D/host_ed25519
AuthorizedKeysFile $D/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 100
MaxSessions 100
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
ip link add lbr0 type bridge
ip addr add 10.200.0.1/24 dev lbr0
ip link set lbr0 up
for i in 1 2 3; do
  ns=h$i
  ip netns add "$ns"
  ip link add "veth-$ns" type veth peer name eth0 netns "$ns"
  ip link set "veth-$ns" master lbr0 up
  ip -n "$ns" addr add "10.200.0.1$i/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip netns exec "$ns" /usr/sbin/sshd -f "$D/sshd_config" -o "ListenAddress=10.200.0.1$i" -o Port=22 \
    -o "PidFile=$D/sshd-$ns.pid" -E "$D/sshd-$ns.log"
done
# ready = a real login works on every host (not just an open port)
O=(-i "$D/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
   -o LogLevel=ERROR -o ConnectTimeout=3)
for i in 1 2 3; do
  end=$((SECONDS + 20))
  until timeout 5 ssh "${O[@]}" "root@10.200.0.1$i" true </dev/null 2>/dev/null; do
    if ((SECONDS >= end)); then
      echo "net-up: sshd in h$i (10.200.0.1$i) accepts no login after 20 s; see $D/sshd-h$i.log" >&2
      exit 1
    fi
    sleep 0.1
  done
done
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'net ready: h1..h3 = 10.200.0.11..13, ssh -i %s root@... (%d.%02d s)\n' "$D/id_ed25519" \
  $((ms / 1000)) $((ms % 1000 / 10))
