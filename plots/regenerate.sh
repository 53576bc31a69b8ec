#!/usr/bin/env bash
# Regenerates every example plot: one PNG per model in models/ (run from anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
for model in models/*.toml; do
    name=$(basename "$model" .toml)
    target/release/relapse plot "$model" --out "plots/$name.png"
    echo "plots/$name.png"
done
# The hibernation model's virtual population (500 patients × 6 regimens): relapse-free survival
# and population relapse curves. The data files go to a temporary folder.
population=$(mktemp -d)
target/release/relapse population models/hibernation_rigi.toml --out "$population" \
    --plot plots/hibernation_rigi_population.png
rm -rf "$population"
echo "plots/hibernation_rigi_population.png"
# The synthetic measurements of models/data/ over three regimens of the hibernation model,
# in weeks: tumour cells on the main panel, persister counts (with error bars) on the P panel.
target/release/relapse plot models/hibernation_rigi.toml \
    --data models/data/hibernation_observed.csv --time-unit week \
    --regimen targeted --regimen combination --regimen targeted_stopped_early \
    --out plots/hibernation_rigi_data.png
echo "plots/hibernation_rigi_data.png"
