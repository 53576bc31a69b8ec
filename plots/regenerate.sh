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
