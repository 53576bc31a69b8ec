//! Shared test helpers: load and run a model given as TOML text, and a closeness check.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use assert_cmd::Command;
use relapse::model::{self, CompiledModel};
use relapse::solve::{Method, Solution, SolverOptions};

/// Loads and compiles `toml`, panicking with the rendered messages if it is invalid.
pub fn compile(toml: &str) -> CompiledModel {
    let model = model::load(toml).unwrap_or_else(|d| panic!("invalid model: {d:?}"));
    model
        .compile(&[])
        .unwrap_or_else(|d| panic!("does not compile: {d:?}"))
}

/// Tight tolerances for closed-form comparisons.
pub fn tight(method: Method, n: usize) -> SolverOptions {
    let mut o = SolverOptions::new(n);
    o.method = method;
    o.rtol = 1e-10;
    o.atol = vec![1e-12; n];
    o
}

/// Simulates regimen `index` of `m` to `t_end` at `times`.
pub fn run(m: &CompiledModel, index: usize, t_end: f64, times: &[f64], options: &SolverOptions) -> Solution {
    m.simulate(&m.regimens[index], t_end, times, options)
        .expect("simulation succeeds")
}

/// Asserts |a − b| ≤ rel · max(|b|, floor).
#[track_caller]
pub fn assert_close(a: f64, b: f64, rel: f64, floor: f64, what: &str) {
    let err = (a - b).abs();
    assert!(
        err <= rel * b.abs().max(floor),
        "{what}: got {a}, expected {b} (error {err:e}, allowed {rel:e} relative)"
    );
}

/// The `relapse` binary, without colours.
pub fn relapse() -> Command {
    let mut cmd = Command::cargo_bin("relapse").expect("binary builds");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Every model file in `models/`, sorted.
pub fn shipped_models() -> Vec<PathBuf> {
    let mut models: Vec<PathBuf> = std::fs::read_dir("models")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    models.sort();
    assert!(!models.is_empty());
    models
}

/// Asserts that a `relapse` run exited with status 0, showing its stderr otherwise.
#[track_caller]
pub fn assert_success(out: &std::process::Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Root of `f` in [a, b] (a sign change) by 200 bisections, i.e. to machine precision: the
/// tests' own reference solver for closed forms with no explicit inverse.
pub fn bisect(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let fa = f(a);
    for _ in 0..200 {
        let c = 0.5 * (a + b);
        if (f(c) > 0.0) == (fa > 0.0) {
            a = c;
        } else {
            b = c;
        }
    }
    0.5 * (a + b)
}
