#!/usr/bin/env bash
# End-to-end test of the cluster recipe on a real Slurm (issue 14):
#   1. a single-process `relapse population` of the hibernation model (the reference bytes);
#   2. scripts/slurm/local-cluster.sh up: a genuine single-node Slurm from Debian's packages;
#   3. the same population as an 8-task job array (scripts/slurm/population-array.sbatch, shard K/8)
#      plus the merge (scripts/slurm/merge.sbatch) submitted with --dependency=afterok on the array;
#   4. waits for the merge with a timeout (scontrol: there is no accounting, so no sacct), checks
#      that every task and the merge COMPLETED with exit code 0, and that the merged directory holds
#      the same files as the single run, patients.csv, summary.csv and summary.json byte-identical;
#   5. brings the cluster down again, on failure too (trap), and checks no Slurm or munge daemon it
#      started is left running.
#
#   bash tests/slurm.sh
#
# Needs root and apt-get (or Slurm and munge installed); see scripts/slurm/local-cluster.sh.
# A cluster that was already up (local-cluster.sh) is used and left up.
# Environment:
#   RELAPSE_BIN           the relapse binary (default: `cargo build --release --locked`, then
#                         $CARGO_TARGET_DIR/release/relapse or target/release/relapse)
#   SLURM_TEST_MODEL      the model (default models/hibernation_rigi.toml)
#   SLURM_TEST_PATIENTS   patients (default 200)     SLURM_TEST_SHARDS  array tasks (default 8)
#   SLURM_TEST_TIMEOUT    seconds to wait for the jobs (default 120)
#   SLURM_TEST_KEEP=1     keep the work directory after a success (it is always kept on failure)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER=$ROOT/scripts/slurm/local-cluster.sh
ARRAY_SCRIPT=$ROOT/scripts/slurm/population-array.sbatch
MERGE_SCRIPT=$ROOT/scripts/slurm/merge.sbatch
MODEL=${SLURM_TEST_MODEL:-$ROOT/models/hibernation_rigi.toml}
PATIENTS=${SLURM_TEST_PATIENTS:-200}
NSHARDS=${SLURM_TEST_SHARDS:-8}
TIMEOUT=${SLURM_TEST_TIMEOUT:-120}
COMPARED=(patients.csv summary.csv summary.json)

log() { echo "slurm.sh: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000)); }

# Daemons of a Slurm/munge installation, read from /proc (procps may be missing).
daemon_pids() {
    local p comm
    for p in /proc/[0-9]*; do
        comm=$(cat "$p/comm" 2>/dev/null) || continue
        case $comm in slurmctld | slurmctld-wlm | slurmd | slurmd-wlm | slurmstepd | slurmstepd-wlm | slurmscriptd | munged)
            echo "${p#/proc/}($comm)" ;;
        esac
    done
    return 0
}

[[ $(id -u) == 0 ]] || {
    log "needs root (it starts slurmd and munged)"
    exit 1
}

# --- the binary ---------------------------------------------------------------------------------------
if [[ -n ${RELAPSE_BIN:-} ]]; then
    RELAPSE_BIN=$(cd "$(dirname "$RELAPSE_BIN")" && pwd)/$(basename "$RELAPSE_BIN")
else
    log "building the release binary (set RELAPSE_BIN to skip)"
    cargo build --release --locked --manifest-path "$ROOT/Cargo.toml"
    RELAPSE_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/relapse
fi
[[ -x $RELAPSE_BIN ]] || {
    log "no relapse binary at $RELAPSE_BIN"
    exit 1
}
log "relapse: $RELAPSE_BIN ($("$RELAPSE_BIN" --version))"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/relapse-slurm-test.XXXXXX")
chmod 0755 "$WORK"
mkdir "$WORK/logs"
BEFORE=" $(daemon_pids | tr '\n' ' ') "
BROUGHT_UP=0
ARRAY_ID=
MERGE_ID=

# One line per job of `scontrol -o show job`: id, array task, state, reason, exit code.
job_line() {
    local line
    while IFS= read -r line; do
        grep -oE '^JobId=[0-9]+|ArrayTaskId=[0-9]+|JobState=[A-Z_]+|Reason=[^ ]+|ExitCode=[0-9:]+' <<<"$line" | paste -sd ' '
    done
}

cleanup() {
    local status=$? f
    trap - EXIT INT TERM
    set +e
    if ((status != 0)); then
        log "FAILED (exit $status); work directory kept: $WORK"
        if [[ -n ${SLURM_CONF:-} && -n $ARRAY_ID ]]; then
            echo "--- jobs"
            scontrol -o show job "$ARRAY_ID" 2>/dev/null | job_line
            [[ -n $MERGE_ID ]] && scontrol -o show job "$MERGE_ID" 2>/dev/null | job_line
        fi
        for f in "$WORK"/logs/*.out; do
            [[ -s $f ]] && { echo "--- $f" && tail -n 20 "$f"; }
        done
    fi
    if ((BROUGHT_UP)); then
        local t0
        t0=$(now_ms)
        "$CLUSTER" down
        log "cluster down in $(secs $(($(now_ms) - t0)))"
        local left="" p
        for p in $(daemon_pids); do
            [[ $BEFORE == *" $p "* ]] || left+=" $p"
        done
        if [[ -n $left ]]; then
            log "daemons left running after down:$left"
            status=1
        else
            log "no Slurm or munge daemon left running"
        fi
    fi
    if ((status == 0)); then
        if [[ ${SLURM_TEST_KEEP:-0} == 1 ]]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
        echo "slurm: 1 passed, 0 failed"
    else
        echo "slurm: 0 passed, 1 failed"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. the reference: one process ---------------------------------------------------------------------
t0=$(now_ms)
"$RELAPSE_BIN" population "$MODEL" --patients "$PATIENTS" --out "$WORK/single" >"$WORK/logs/single.out" 2>&1 || {
    log "the single-process run failed:"
    cat "$WORK/logs/single.out"
    exit 1
}
T_SINGLE=$(($(now_ms) - t0))
log "single-process run of $PATIENTS patients: $(secs "$T_SINGLE")"

# --- 2. the cluster ------------------------------------------------------------------------------------
t0=$(now_ms)
if "$CLUSTER" status >/dev/null 2>&1; then
    log "using the cluster that is already up (left up afterwards)"
else
    BROUGHT_UP=1
    "$CLUSTER" up
fi
T_UP=$(($(now_ms) - t0))
eval "$("$CLUSTER" env)"
export SLURM_CONF
log "cluster up in $(secs "$T_UP") (SLURM_CONF=$SLURM_CONF)"

# --- 3. the job array and the dependent merge ------------------------------------------------------------
# Settings reach the jobs through the environment, as in the README's recipe; the array's size gives N.
cd "$WORK"
export RELAPSE=$RELAPSE_BIN MODEL PATIENTS SHARDS_DIR=$WORK/shards OUT_DIR=$WORK/merged
unset SHARDS SEED JOBS RELAPSE_ARGS
t0=$(now_ms)
ARRAY_ID=$(sbatch --parsable --array=0-$((NSHARDS - 1)) --output="$WORK/logs/population-%A_%a.out" "$ARRAY_SCRIPT")
ARRAY_ID=${ARRAY_ID%%;*}
MERGE_ID=$(SHARDS=$NSHARDS sbatch --parsable --dependency=afterok:"$ARRAY_ID" --kill-on-invalid-dep=yes \
    --output="$WORK/logs/merge-%j.out" "$MERGE_SCRIPT")
MERGE_ID=${MERGE_ID%%;*}
log "submitted array job $ARRAY_ID (0-$((NSHARDS - 1))) and merge job $MERGE_ID (afterok:$ARRAY_ID)"

# --- 4. wait, then check ---------------------------------------------------------------------------------
tally() { sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " } END { print "" }'; }
job_states() { scontrol -o show job "$1" 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2; }
deadline=$(($(now_ms) + TIMEOUT * 1000))
while :; do
    merge_state=$(job_states "$MERGE_ID")
    [[ $merge_state == COMPLETED ]] && break
    case $merge_state in
    PENDING | RUNNING | CONFIGURING | COMPLETING | "") ;;
    *)
        log "the merge job ended $merge_state"
        exit 1
        ;;
    esac
    if job_states "$ARRAY_ID" | grep -qvE '^(PENDING|RUNNING|CONFIGURING|COMPLETING|COMPLETED)$'; then
        log "an array task failed: $(job_states "$ARRAY_ID" | tally)"
        exit 1
    fi
    if (($(now_ms) > deadline)); then
        log "timed out after $TIMEOUT s (merge $merge_state; tasks: $(job_states "$ARRAY_ID" | tally))"
        exit 1
    fi
    sleep 0.2
done
T_JOBS=$(($(now_ms) - t0))
log "array + merge finished in $(secs "$T_JOBS") of cluster time"

tasks=$(scontrol -o show job "$ARRAY_ID" | grep -cE 'JobState=COMPLETED .*ExitCode=0:0' || true)
((tasks == NSHARDS)) || {
    log "$tasks of $NSHARDS array tasks COMPLETED with exit code 0"
    exit 1
}
scontrol -o show job "$MERGE_ID" | grep -qE 'JobState=COMPLETED .*ExitCode=0:0' || {
    log "the merge job did not exit 0"
    exit 1
}
for ((k = 0; k < NSHARDS; k++)); do
    [[ -d $WORK/shards/shard-$k ]] || {
        log "shard-$k was not written"
        exit 1
    }
done

files_single=$(cd "$WORK/single" && find . -type f | sort)
files_merged=$(cd "$WORK/merged" && find . -type f | sort)
[[ $files_single == "$files_merged" ]] || {
    log "the merged directory holds other files than the single run:"
    diff <(echo "$files_single") <(echo "$files_merged") || true
    exit 1
}
for f in "${COMPARED[@]}"; do
    [[ -s $WORK/single/$f ]] || {
        log "the single run wrote no $f"
        exit 1
    }
    cmp "$WORK/single/$f" "$WORK/merged/$f" || {
        log "$f differs between the single run and the merged array"
        exit 1
    }
done
log "merged == single run, byte for byte: ${COMPARED[*]} ($(wc -l <"$WORK/merged/patients.csv") lines of patients.csv)"
log "timings: single run $(secs "$T_SINGLE"), cluster up $(secs "$T_UP"), array of $NSHARDS + merge $(secs "$T_JOBS")"
