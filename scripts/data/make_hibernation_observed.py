#!/usr/bin/env python3
"""Synthetic measurements for models/hibernation_rigi.toml (the `--data` example).

NOT real data. The "true" values are simulated by relapse itself from the shipped model
(default parameters), then noise is added:

* tumour cells (output N, main panel): regimens targeted, combination and
  targeted_stopped_early, 3 animals each (ids <regimen>_1.._3), every 28 days from day 0 to
  day 336; each value is N(t) * exp(0.25 * z), z standard normal (log-normal noise, CV about
  25 %, a typical caliper-volume spread);
* persisters (output P, persister panel): regimens targeted and combination, days 14, 28 and
  42; one mean per time point, value P(t) * exp(0.15 * z), with a 95 % error bar
  value * exp(-+1.96 * 0.3).

z comes from Box-Muller on Python's random.Random(SEED).random(), which Python guarantees to
reproduce across versions for a given seed. Run from the repository root after `cargo build`:

    python3 scripts/data/make_hibernation_observed.py > models/data/hibernation_observed.csv
"""

import csv
import io
import math
import random
import subprocess
import sys

SEED = 2021
MODEL = "models/hibernation_rigi.toml"
RELAPSE = "target/debug/relapse"


def simulate(regimen, times):
    """{time: {output: value}} for `regimen` at `times`, from `relapse simulate`."""
    out = subprocess.run(
        [RELAPSE, "simulate", MODEL, "--regimen", regimen, "--outputs", "N,P",
         "--times", ",".join(str(t) for t in times)],
        check=True, capture_output=True, text=True).stdout
    return {float(r["time"]): {"N": float(r["N"]), "P": float(r["P"])}
            for r in csv.DictReader(io.StringIO(out))}


def main():
    rng = random.Random(SEED)

    def normal():
        u1, u2 = 1.0 - rng.random(), rng.random()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def g(x):
        return f"{x:.4g}"

    rows = []
    tumour_times = list(range(0, 337, 28))
    for regimen in ["targeted", "combination", "targeted_stopped_early"]:
        truth = simulate(regimen, tumour_times)
        for animal in range(1, 4):
            for t in tumour_times:
                value = truth[float(t)]["N"] * math.exp(0.25 * normal())
                rows.append([t, g(value), regimen, f"{regimen}_{animal}", "", "", ""])
    for regimen in ["targeted", "combination"]:
        times = [14, 28, 42]
        truth = simulate(regimen, times)
        for t in times:
            value = truth[float(t)]["P"] * math.exp(0.15 * normal())
            lower, upper = value * math.exp(-1.96 * 0.3), value * math.exp(1.96 * 0.3)
            rows.append([t, g(value), regimen, f"{regimen}_mean", "P", g(lower), g(upper)])
    w = sys.stdout
    w.write("# synthetic, not measured: see scripts/data/make_hibernation_observed.py\n")
    writer = csv.writer(w, lineterminator="\n")
    writer.writerow(["time", "value", "regimen", "id", "output", "lower", "upper"])
    writer.writerows(rows)


if __name__ == "__main__":
    main()
