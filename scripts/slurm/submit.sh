#!/usr/bin/env bash
# Submits the population array and a merge job that starts only once every array task has
# succeeded (afterok). Pass settings through the environment, e.g.
#   MODEL=models/hibernation_rigi.toml PATIENTS=100000 WORK=/scratch/$USER/pop scripts/slurm/submit.sh
set -euo pipefail
here=$(dirname "$0")
array=$(sbatch --parsable --export=ALL "$here/population-array.sh")
array=${array%%;*}   # "jobid;cluster" on federated clusters
merge=$(sbatch --parsable --export=ALL --dependency=afterok:"$array" "$here/merge.sh")
echo "population array job $array; merge job $merge (runs after all array tasks succeed)"
