#!/usr/bin/env bash
# One-node local Slurm cluster as root: munged (own socket) + slurmctld (127.0.0.1:6817) + slurmd node1
# (127.0.0.1:6818) in the root namespace, partition `debug`. node1 advertises 8 CPUs whatever the
# machine has. Config, state, logs and pid files under DIR/slurm; clients need
# SLURM_CONF=DIR/slurm/slurm.conf.   usage: slurm-up.sh DIR      (from ../shared/reference/infra.md)
set -euo pipefail
R=${1:?usage: slurm-up.sh DIR}; D=$R/slurm; H=$(dirname "$0"); CONF=$D/slurm.conf
t0=${EPOCHREALTIME/./}
bash "$H/slurm-down.sh" "$R"   # leftovers of an earlier (crashed) run
for port in 6817 6818; do
  if ss -ltnH "sport = :$port" | grep -q .; then
    echo "slurm-up: port $port is held by another process: $(ss -ltnpH "sport = :$port")" >&2; exit 1
  fi
done
rm -rf "$D"; mkdir -p "$D"/{state,log,spool/node1}
export SLURM_CONF=$CONF
# Our own munged on a socket under DIR (AuthInfo below points every Slurm daemon and client at it):
# nothing is shared with, or left behind for, the machine's default /run/munge.
M=$D/munge
mkdir -p "$M"; chown munge:munge "$M"
runuser -u munge -- /usr/sbin/munged --socket="$M/munge.socket" --pid-file="$M/munged.pid" \
  --log-file="$M/munged.log" --seed-file="$M/munged.seed" ||
  { echo "slurm-up: munged did not start; see $M/munged.log" >&2; exit 1; }
end=$((SECONDS + 10))
until munge -S "$M/munge.socket" -n </dev/null >/dev/null 2>&1; do
  ((SECONDS < end)) || { echo "slurm-up: munged does not answer; see $M/munged.log" >&2; exit 1; }
  sleep 0.05
done
# sched_interval=1: pending jobs are looked at every second (the default is 60). A submission does
# not schedule by itself: slurmctld's background loop picks it up within 1 s (measured 0.1-0.9 s
# from sbatch to the job running). MinJobAge=300: finished jobs stay visible to squeue/scontrol for
# 5 minutes. KillWait=2: a cancelled job gets SIGKILL 2 s after SIGTERM (default 30).
# config_overrides: use CPUs=8 below instead of the real core count (node would be INVAL otherwise).
cat > "$CONF" <<CONF
ClusterName=lithops-test
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$M/munge.socket
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool/%n
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd-%n.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmdParameters=config_overrides
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=2
Waittime=0
NodeName=node1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=6818 CPUs=8 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=node1 Default=YES MaxTime=INFINITE State=UP
CONF
# -f: the config path on the command line lets slurm-down.sh find these daemons without pid files
slurmctld -i -f "$CONF" || { echo "slurm-up: slurmctld did not start; see $D/log/slurmctld.log" >&2; exit 1; }
slurmd -N node1 -f "$CONF" || { echo "slurm-up: slurmd did not start; see $D/log/slurmd-node1.log" >&2; exit 1; }
end=$((SECONDS + 30))
until [ "$(timeout 5 sinfo -h -n node1 -o %t 2>/dev/null)" = idle ]; do
  if ((SECONDS >= end)); then
    echo "slurm-up: node1 is not idle after 30 s; see $D/log" >&2; timeout 5 sinfo -N -l >&2; exit 1
  fi
  sleep 0.1
done
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'slurm ready: node1 (8 CPUs), partition debug, SLURM_CONF=%s (%d.%02d s)\n' "$CONF" \
  $((ms / 1000)) $((ms % 1000 / 10))
