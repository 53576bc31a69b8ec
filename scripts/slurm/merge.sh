#!/usr/bin/env bash
# Merges the shard folders of scripts/slurm/population-array.sh into the files of a single run
# (byte for byte): $WORK/merged/{patients,summary}.csv, summary.json (and trajectories.csv,
# bands.csv with --trajectories), plus the figure $WORK/merged/population.png when the shards
# recorded trajectories. Submitted by submit.sh to start after every array task succeeded.
#
#SBATCH --job-name=relapse-merge
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=relapse-merge-%j.log
set -euo pipefail

WORK=${WORK:-population-run}
RELAPSE=${RELAPSE:-relapse}
PLOT=${PLOT:-}   # e.g. PLOT=population.png (needs EXTRA="--trajectories" in the shards)

args=()
if [[ -n "$PLOT" ]]; then
  args+=(--plot "$WORK/merged/$PLOT")
fi
# The order of the folders does not matter: the merge orders shards by their index, and refuses
# a missing, repeated or foreign shard.
"$RELAPSE" merge "$WORK"/shards/* --out "$WORK/merged" "${args[@]}"
