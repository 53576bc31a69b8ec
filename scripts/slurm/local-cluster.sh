#!/usr/bin/env bash
# A genuine single-node Slurm on this machine (Debian's packages, no mocks), for trying the
# job-array recipe of the README and for tests/slurm.sh.
#
#   scripts/slurm/local-cluster.sh up      install when missing, configure, start; waits until the node is idle
#   scripts/slurm/local-cluster.sh down    cancel the cluster's jobs, stop the daemons this script started
#   scripts/slurm/local-cluster.sh status  exit 0 when up, 3 when down
#   scripts/slurm/local-cluster.sh env     print `export SLURM_CONF=...` (use: eval "$(... env)")
#
# Both `up` and `down` are idempotent. Needs root (slurmd and munged run here) and, when the
# packages are missing, apt-get: `apt-get install --no-install-recommends slurmctld slurmd
# slurm-client munge` (running `apt-get update` first when the package lists lack them).
#
# Everything it writes lives in one private directory, RELAPSE_SLURM_DIR (default
# /var/lib/relapse-slurm): slurm.conf, the controller state, the slurmd spool, the logs (log/) and
# the PIDs of the daemons it started (run/). Every Slurm command it runs is given that slurm.conf
# through SLURM_CONF; /etc/slurm/slurm.conf is never read or written. Outside that directory it
# only creates the munge key when it is missing (`mungekey --create`, owned by munge, mode 0400) and
# munged's socket directory /run/munge.
#
# It refuses to start when a Slurm daemon (slurmctld, slurmd) is running that it did not start, and
# `down` stops only the daemons whose PID (and start time) it recorded: a munged that was already
# running is used as it is and left running.
#
# Environment: RELAPSE_SLURM_DIR (above), RELAPSE_SLURM_PARTITION (default: local),
#              RELAPSE_SLURM_UP_TIMEOUT (seconds to wait for the node, default 60).
set -euo pipefail

DIR=${RELAPSE_SLURM_DIR:-/var/lib/relapse-slurm}
PARTITION=${RELAPSE_SLURM_PARTITION:-local}
UP_TIMEOUT=${RELAPSE_SLURM_UP_TIMEOUT:-60}
export SLURM_CONF="$DIR/slurm.conf"
PATH="$PATH:/usr/sbin:/sbin"
MUNGE_KEY=/etc/munge/munge.key
PACKAGES=(slurmctld slurmd slurm-client munge) # and a command of each:
COMMANDS=(slurmctld slurmd sbatch munged)

me=local-cluster.sh
say() { echo "$me: $*"; }
die() {
    echo "$me: error: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 up|down|status|env" >&2
    exit 2
}

# --- recorded daemons -----------------------------------------------------------------------------
# run/NAME.pid holds "PID STARTTIME" (field 22 of /proc/PID/stat), so a reused PID is never ours.

starttime() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }

record() { echo "$2 $(starttime "$2")" >"$DIR/run/$1.pid"; }

# Prints the PID of daemon NAME when it was started by this script and is still alive.
ours() {
    local file="$DIR/run/$1.pid" pid start
    [[ -r $file ]] || return 1
    read -r pid start <"$file" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -n $start && "$(starttime "$pid")" == "$start" ]] || return 1
    echo "$pid"
}

# PIDs of running processes named NAME... (read from /proc: procps may not be installed).
pids_named() {
    local p comm n
    for p in /proc/[0-9]*; do
        comm=$(cat "$p/comm" 2>/dev/null) || continue
        for n in "$@"; do [[ $comm == "$n" ]] && echo "${p#/proc/}"; done
    done
    return 0
}

# "PID(name)" of each running Slurm daemon that this script did not start.
foreign_slurm() {
    local mine pid
    mine=" $(ours slurmctld || true) $(ours slurmd || true) "
    for pid in $(pids_named slurmctld slurmctld-wlm slurmd slurmd-wlm); do
        [[ $mine == *" $pid "* ]] || echo "$pid($(cat "/proc/$pid/comm" 2>/dev/null))"
    done
}

stop_pid() { # NAME: TERM the recorded daemon, wait up to 20 s, then KILL
    local pid i
    pid=$(ours "$1") || {
        rm -f "$DIR/run/$1.pid"
        return 0
    }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
        [[ "$(starttime "$pid")" ]] || break
        sleep 0.1
    done
    if [[ "$(starttime "$pid")" ]]; then
        say "$1 (pid $pid) did not stop on TERM within 20 s: KILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$DIR/run/$1.pid"
    say "stopped $1 (pid $pid)"
}

# --- checks -----------------------------------------------------------------------------------------

cluster_up() {
    ours slurmctld >/dev/null && ours slurmd >/dev/null &&
        timeout 10 sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

logs_hint() {
    say "logs: $DIR/log/slurmctld.log $DIR/log/slurmd.log$(ours munged >/dev/null && echo " $DIR/log/munged.log")"
}

fail_up() {
    echo "$me: error: $*" >&2
    local f
    for f in munged.out munged.log slurmctld.out slurmd.out; do
        [[ -s $DIR/log/$f ]] && { echo "--- last lines of $DIR/log/$f" >&2 && tail -n 15 "$DIR/log/$f" >&2; }
    done
    do_down >&2 || true
    exit 1
}

# --- install ----------------------------------------------------------------------------------------

install_packages() {
    # A package counts as there when its command is (Slurm may come from elsewhere than apt).
    local missing=() i
    for i in "${!PACKAGES[@]}"; do
        command -v "${COMMANDS[i]}" >/dev/null || missing+=("${PACKAGES[i]}")
    done
    ((${#missing[@]})) || return 0
    if ! command -v apt-get >/dev/null; then
        die "Slurm is not installed (missing: ${missing[*]}) and there is no apt-get to install it; install slurmctld, slurmd, slurm-client and munge (Slurm >= 22.05) and run again"
    fi
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    local candidate
    candidate=$(apt-cache policy "${missing[@]}" 2>/dev/null | grep -c 'Candidate: [0-9]' || true)
    if ((candidate < ${#missing[@]})); then
        say "package lists lack them: apt-get update"
        apt-get update -qq || die "apt-get update failed"
    fi
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$DIR/log/apt.log" 2>&1; then
        say "install failed; apt-get update and retry"
        apt-get update -qq || die "apt-get update failed"
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$DIR/log/apt.log" 2>&1 ||
            die "apt-get install ${missing[*]} failed; see $DIR/log/apt.log"
    fi
}

# --- up ---------------------------------------------------------------------------------------------

start_munge() {
    if munge_ok; then
        ours munged >/dev/null || say "munged already running (not started here): using it, leaving it running"
        return 0
    fi
    if [[ ! -e $MUNGE_KEY ]]; then
        say "creating the munge key $MUNGE_KEY"
        install -d -o munge -g munge -m 0700 "$(dirname "$MUNGE_KEY")"
        mungekey --create --keyfile="$MUNGE_KEY"
        chown munge:munge "$MUNGE_KEY"
        chmod 0400 "$MUNGE_KEY"
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge
    : >"$DIR/log/munged.log"
    : >"$DIR/log/munged.out"
    # setpriv execs (no fork), so $! is munged itself; --foreground keeps it from daemonizing.
    setsid setpriv --reuid=munge --regid=munge --clear-groups -- \
        munged --foreground --key-file="$MUNGE_KEY" --log-file="$DIR/log/munged.log" \
        </dev/null >>"$DIR/log/munged.out" 2>&1 9>&- &
    local pid=$! i
    sleep 0.05
    record munged "$pid"
    for ((i = 0; i < 100; i++)); do
        munge_ok && return 0
        ours munged >/dev/null || fail_up "munged exited at start"
        sleep 0.1
    done
    fail_up "munge does not answer (munge -n | unmunge) after 10 s"
}

write_conf() {
    local host node
    host=$(hostname -s)
    # slurmd -C reports this machine's layout as a NodeName line (first line; the second is UpTime).
    node=$(slurmd -C | head -n 1)
    [[ $node == NodeName=* ]] || die "slurmd -C gave no NodeName line: $node"
    node=${node/NodeName=$host /NodeName=$host NodeAddr=127.0.0.1 }
    cat >"$SLURM_CONF.tmp" <<EOF
# Written by scripts/slurm/local-cluster.sh (relapse): a single-node cluster for tests and trials.
# Used through SLURM_CONF=$SLURM_CONF; regenerated by every 'up'.
ClusterName=relapse
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Start batch jobs (array tasks, the dependent merge) on the next scheduler tick, not up to 3 s later.
SchedulerParameters=batch_sched_delay=0
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=300
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.daemon.pid
SlurmdPidFile=$DIR/run/slurmd.daemon.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
$node
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$SLURM_CONF.tmp" "$SLURM_CONF"
}

do_up() {
    if cluster_up; then
        say "already up (slurmctld pid $(ours slurmctld), slurmd pid $(ours slurmd))"
        say "SLURM_CONF=$SLURM_CONF"
        logs_hint
        return 0
    fi
    local foreign
    foreign=$(foreign_slurm | tr '\n' ' ')
    [[ -z $foreign ]] || die "a Slurm is already running that this script did not start (pids: $foreign); use that cluster, or stop it first"
    # A half-started cluster of ours (a daemon died): stop what is left and start afresh.
    if ours slurmctld >/dev/null || ours slurmd >/dev/null || ours munged >/dev/null; then
        say "restarting a partly running cluster"
        do_down
    fi
    install -d -m 0755 "$DIR" "$DIR/log" "$DIR/run"
    install_packages
    start_munge
    # Fresh state every time: no jobs or node states from an earlier run.
    rm -rf "$DIR/state" "$DIR/spool"
    install -d -m 0700 "$DIR/state" "$DIR/spool"
    write_conf
    rm -f "$DIR"/log/slurm*.log "$DIR"/log/slurm*.out
    # The daemons log to the files of slurm.conf; their standard error (the same lines, and any
    # message from before the log is open) goes to log/NAME.out. Descriptor 9 is the lock: not theirs.
    setsid slurmctld -D -i </dev/null >"$DIR/log/slurmctld.out" 2>&1 9>&- &
    record slurmctld $!
    local i
    for ((i = 0; i < UP_TIMEOUT * 10; i++)); do
        timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP' && break
        ours slurmctld >/dev/null || fail_up "slurmctld exited at start"
        sleep 0.1
    done
    setsid slurmd -D </dev/null >"$DIR/log/slurmd.out" 2>&1 9>&- &
    record slurmd $!
    for ((i = 0; i < UP_TIMEOUT * 10; i++)); do
        cluster_up && break
        ours slurmctld >/dev/null || fail_up "slurmctld exited at start"
        ours slurmd >/dev/null || fail_up "slurmd exited at start"
        sleep 0.1
    done
    cluster_up || fail_up "the node is not idle after ${UP_TIMEOUT} s: $(sinfo -h -N -o '%N %t %E' 2>&1 | head -n 3)"
    say "up: partition $PARTITION, node $(sinfo -h -N -o '%N (%c CPUs)' | head -n 1) (slurmctld pid $(ours slurmctld), slurmd pid $(ours slurmd)$(ours munged >/dev/null && echo ", munged pid $(ours munged)"))"
    say "SLURM_CONF=$SLURM_CONF   (for your shell: eval \"\$($0 env)\")"
    logs_hint
}

# --- down -------------------------------------------------------------------------------------------

do_down() {
    if ! ours slurmctld >/dev/null && ! ours slurmd >/dev/null && ! ours munged >/dev/null; then
        rm -f "$DIR"/run/{slurmctld,slurmd,munged}.pid
        say "not running (nothing started by this script)"
        return 0
    fi
    local i
    if ours slurmctld >/dev/null; then
        # Cancel what is left so no job step outlives slurmd.
        local jobs
        jobs=$(timeout 10 squeue -h -o %A 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            say "cancelling the cluster's jobs"
            # shellcheck disable=SC2086 # one argument per job id
            timeout 10 scancel --quiet --full $jobs 2>/dev/null || true
            for ((i = 0; i < 100; i++)); do
                [[ -z "$(timeout 10 squeue -h -t R,CG,S -o %A 2>/dev/null)" ]] && break
                sleep 0.1
            done
        fi
    fi
    stop_pid slurmd
    stop_pid slurmctld
    stop_pid munged
    say "down"
    [[ -d $DIR/log ]] && say "logs kept in $DIR/log"
    return 0
}

# --- main -------------------------------------------------------------------------------------------

(($# == 1)) || usage
case $1 in
up | down)
    [[ $(id -u) == 0 ]] || die "needs root: it runs slurmd and munged (and apt-get when Slurm is missing); run it with sudo"
    install -d -m 0755 "$DIR" "$DIR/log" "$DIR/run"
    exec 9>"$DIR/run/lock"
    flock -w 120 9 || die "another $me holds $DIR/run/lock"
    if [[ $1 == up ]]; then do_up; else do_down; fi
    ;;
status)
    if cluster_up; then
        say "up (slurmctld pid $(ours slurmctld), slurmd pid $(ours slurmd)); SLURM_CONF=$SLURM_CONF"
        sinfo
    else
        say "down"
        exit 3
    fi
    ;;
env) echo "export SLURM_CONF=$SLURM_CONF" ;;
*) usage ;;
esac
