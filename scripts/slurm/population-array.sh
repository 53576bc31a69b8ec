#!/usr/bin/env bash
# One shard of a virtual population per Slurm array task; scripts/slurm/submit.sh submits this
# array and the dependent merge job. Array task K runs patients ⌊K·P/100⌋ … ⌊(K+1)·P/100⌋ − 1 of
# the P patients (contiguous blocks), writing the shard folder $WORK/shards/K on a file system
# that the merge job can read too (a shared scratch or project folder).
#
# Settings (environment, or edit the defaults): MODEL, PATIENTS, SEED, WORK, RELAPSE (the
# binary), EXTRA (more flags for every shard, e.g. "--trajectories --regimen targeted").
# Every shard must get the same MODEL, PATIENTS, SEED and flags: the merge checks this.
#
#SBATCH --job-name=relapse-population
#SBATCH --array=0-99
#SBATCH --cpus-per-task=4
#SBATCH --mem-per-cpu=512M
#SBATCH --time=02:00:00
#SBATCH --output=relapse-population-%A_%a.log
set -euo pipefail

MODEL=${MODEL:-models/hibernation_rigi.toml}
PATIENTS=${PATIENTS:-100000}
SEED=${SEED:-2021}
WORK=${WORK:-population-run}
RELAPSE=${RELAPSE:-relapse}
EXTRA=${EXTRA:-}
# The array's size is the shard count: 100 for --array=0-99.
SHARDS=${SLURM_ARRAY_TASK_COUNT:-100}
TASK=${SLURM_ARRAY_TASK_ID:?run this as a Slurm array job (sbatch --array=0-99), or set SLURM_ARRAY_TASK_ID}

mkdir -p "$WORK/shards"
# shellcheck disable=SC2086 # EXTRA is a list of flags
"$RELAPSE" population "$MODEL" \
  --patients "$PATIENTS" --seed "$SEED" \
  --shard "$TASK/$SHARDS" \
  --jobs "${SLURM_CPUS_PER_TASK:-1}" \
  --out "$WORK/shards/$TASK" \
  $EXTRA
