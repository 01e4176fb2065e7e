#!/usr/bin/env bash
# Starts a single-node Slurm cluster on this machine for archlab's scale-out tests (and for trying
# `executor: {type: slurm}` on a laptop). Idempotent: a second run finds the daemons up and the node
# idle, and changes nothing. Needs root (it installs packages, writes /etc/slurm and starts daemons).
#
#   sudo scripts/start-slurm.sh          # then: sinfo, sbatch --wrap 'hostname', squeue
#
# - installs Debian's slurm-wlm and munge when sbatch or slurmctld is missing;
# - makes a munge key when there is none and starts munged;
# - writes /etc/slurm/slurm.conf for one node, localhost, with the CPUs and memory slurmd -C reports
#   (ARCHLAB_SLURM_CPUS / ARCHLAB_SLURM_MEMORY_MB override), in one partition `debug` (the default);
#   no cgroups (a container has none to give), no accounting daemon: squeue and scontrol are the
#   job state, the store is the source of truth for results (docs/scale-out.md);
# - starts slurmctld and slurmd and waits until sinfo shows the node idle.
# A slurm.conf that this script did not write is left alone (a real cluster's); it only starts
# daemons then. When something fails the daemons' logs are printed, and the script exits 1.
# Stop it with scripts/start-slurm.sh --stop.
set -euo pipefail

state="${ARCHLAB_SLURM_DIR:-/var/spool/archlab-slurm}"
conf=/etc/slurm/slurm.conf
marker="# written by archlab scripts/start-slurm.sh"
logs=(/var/log/archlab-slurm/slurmctld.log /var/log/archlab-slurm/slurmd.log /var/log/munge/munged.log)

log() { echo "start-slurm: $*" >&2; }

show_logs() {
    local f
    for f in "${logs[@]}"; do
        if [[ -f "$f" ]]; then
            echo "---- last lines of $f" >&2
            tail -n 30 "$f" >&2
        fi
    done
}

fail() {
    log "$*"
    show_logs
    exit 1
}

# The daemons this script started, by the pid files it asked them to write.
stop_all() {
    local name pid
    for name in slurmd slurmctld; do
        pid="$(cat "$state/$name.pid" 2>/dev/null || true)"
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            log "stopping $name ($pid)"
            kill "$pid"
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        fi
        rm -f "$state/$name.pid"
    done
}

if [[ "${1:-}" == "--stop" ]]; then
    stop_all
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    log "needs root: it installs packages, writes $conf and starts the daemons (run it with sudo)"
    exit 1
fi

if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
        || ! command -v munged >/dev/null; then
    log "installing Debian's slurm-wlm and munge"
    if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            slurm-wlm munge) >/tmp/archlab-slurm-apt.log 2>&1; then
        log "apt-get install slurm-wlm munge failed (see /tmp/archlab-slurm-apt.log)"
        tail -n 20 /tmp/archlab-slurm-apt.log >&2 || true
        exit 1
    fi
fi

mkdir -p "$state" /var/log/archlab-slurm /etc/slurm

# ---- munge: every Slurm message is signed with this key
if [[ ! -s /etc/munge/munge.key ]]; then
    log "making a munge key"
    mkdir -p /etc/munge
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile=/etc/munge/munge.key --force
    else
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
fi
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 700 /etc/munge
chmod 400 /etc/munge/munge.key
chmod 755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged --force || fail "munged did not start"
    for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n | unmunge >/dev/null 2>&1 || fail "munge does not answer"
fi

# ---- slurm.conf: one node, one partition
if [[ -f "$conf" ]] && ! grep -qF "$marker" "$conf"; then
    log "$conf was not written by this script: leaving it as it is and only starting the daemons"
else
    probe="$(slurmd -C 2>/dev/null | head -n 1)"
    cpus="${ARCHLAB_SLURM_CPUS:-$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$probe")}"
    memory="${ARCHLAB_SLURM_MEMORY_MB:-$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$probe")}"
    cpus="${cpus:-$(nproc)}"
    memory="${memory:-2048}"
    # Leave the coordinator and the store some memory: Slurm's node size is what jobs may ask for.
    if (( memory > 4096 )); then memory=$(( memory - 1024 )); fi
    want="$(cat <<EOF
$marker; edits are lost when it runs again.
ClusterName=archlab
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
# No cgroups: a container (and many laptops) has no cgroup hierarchy to give Slurm.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# No slurmdbd: squeue and scontrol report job states, archlab's store holds the results.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
# Finished jobs stay visible to squeue/scontrol for 5 minutes.
MinJobAge=300
KillWait=10
ReturnToService=2
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmdSpoolDir=$state/slurmd
StateSaveLocation=$state/slurmctld
SlurmctldLogFile=/var/log/archlab-slurm/slurmctld.log
SlurmdLogFile=/var/log/archlab-slurm/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
)"
    if [[ ! -f "$conf" ]] || [[ "$(cat "$conf")" != "$want" ]]; then
        log "writing $conf (localhost: $cpus CPUs, $memory MB)"
        printf '%s\n' "$want" >"$conf"
        # a running controller must re-read it
        stop_all
    fi
fi
mkdir -p "$state/slurmd" "$state/slurmctld"

alive() { local pid; pid="$(cat "$state/$1.pid" 2>/dev/null || true)"; [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

if ! alive slurmctld; then
    log "starting slurmctld"
    slurmctld -f "$conf" || fail "slurmctld did not start"
fi
for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q UP || fail "slurmctld does not answer scontrol ping"

if ! alive slurmd; then
    log "starting slurmd"
    slurmd -f "$conf" -N localhost || fail "slurmd did not start"
fi

# The node registers within a few seconds; a node left DOWN by an earlier unclean stop is resumed.
for i in $(seq 1 150); do
    node="$(sinfo --noheader -n localhost -o '%T' 2>/dev/null | head -n 1 | tr -d '*~#')"
    case "$node" in
        idle|mixed|allocated|completing) break ;;
        down|drained|draining|fail|failing)
            if (( i % 10 == 1 )); then scontrol update NodeName=localhost State=RESUME 2>/dev/null || true; fi ;;
    esac
    sleep 0.2
done
case "$node" in
    idle|mixed|allocated|completing) ;;
    *) sinfo -N -l >&2 || true; fail "the node localhost is not usable (state: ${node:-unknown})" ;;
esac
log "cluster up: $(sinfo --noheader -o '%P %a %D %T %c CPUs' | head -n 1)"
