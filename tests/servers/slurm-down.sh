#!/usr/bin/env bash
# Stops what slurm-up.sh DIR started: slurmd, slurmctld and its munged.
# usage: slurm-down.sh DIR
D=${1:?usage: slurm-down.sh DIR}/slurm; H=$(dirname "$0")
bash "$H/stop-pid.sh" "$D/slurmd-node1.pid" slurmd
bash "$H/stop-pid.sh" "$D/slurmctld.pid" slurmctld
# daemons of this DIR whose pid files are gone (DIR wiped while they ran): found by their -f argument
bash "$H/stop-cmdline.sh" slurmd "$D/slurm.conf"
bash "$H/stop-cmdline.sh" slurmctld "$D/slurm.conf"
bash "$H/stop-pid.sh" "$D/munge/munged.pid" munged
bash "$H/stop-cmdline.sh" munged "--socket=$D/munge/munge.socket"
true
