#!/usr/bin/env python3
"""Print the ratios the core-engine issue asks for, from criterion's last `cargo bench` run."""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"


def mean(group, name):
    path = root / group / name / "new" / "estimates.json"
    return json.loads(path.read_text())["mean"]["point_estimate"]


pairs = [
    ("rhs: bytecode / hand-written", ("stages", "rhs_bytecode"), ("stages", "rhs_handwritten"), None),
    ("rhs: JIT / hand-written (target <= 1.5)", ("stages", "rhs_jit"), ("stages", "rhs_handwritten"), 1.5),
    ("solve: TOML model, bytecode / hand-written RHS", ("simulate", "toml_model"), ("simulate", "handwritten_rhs"), None),
    ("solve: TOML model, JIT / hand-written RHS (target <= 1.15)", ("simulate", "toml_model_jit"), ("simulate", "handwritten_rhs"), 1.15),
    ("whole process (auto) / plain loop (target <= 2.5)", ("process", "relapse_simulate"), ("simulate", "plain_loop"), 2.5),
    ("whole process (--engine jit) / plain loop", ("process", "relapse_simulate_jit"), ("simulate", "plain_loop"), None),
    ("whole process (--engine bytecode) / plain loop", ("process", "relapse_simulate_bytecode"), ("simulate", "plain_loop"), None),
    ("our integrator / plain loop (same RHS)", ("simulate", "handwritten_rhs"), ("simulate", "plain_loop"), None),
]
population = [
    ("population: relapse process / hand-written RHS (target <= 1.3)", ("population", "relapse_process"), ("population", "handwritten_rhs"), 1.3),
    ("population: cohort (library) / hand-written RHS", ("population", "relapse_cohort"), ("population", "handwritten_rhs"), None),
    ("population: compile + simulate / hand-written RHS", ("population", "compile_and_simulate"), ("population", "handwritten_rhs"), None),
]


def measured(group, name):
    return (root / group / name / "new" / "estimates.json").exists()


# Either bench may have run alone: print the ratios whose two sides were measured.
pairs = [p for p in pairs + population if measured(*p[1]) and measured(*p[2])]
for label, a, b, target in pairs:
    ratio = mean(*a) / mean(*b)
    verdict = "" if target is None else (" ok" if ratio <= target else " OVER TARGET")
    print(f"{label}: {ratio:.2f}{verdict}  ({mean(*a) / 1e3:.1f} us / {mean(*b) / 1e3:.1f} us)")
for group, name in [("stages", "parse_validate"), ("stages", "compile"), ("stages", "jit_compile_rhs")]:
    if measured(group, name):
        print(f"{group}/{name}: {mean(group, name) / 1e3:.1f} us")
