//! `threshold`, `detection_limit` and an output's `target` as expressions of parameters: folded
//! per run and per regimen, so `--set` and a regimen's `parameters` move them.
//!
//! Reference: a tumour N under a drug A given as one bolus D at t = 0 (A′ = −ke·A,
//! N′ = (g − k·A)·N) has ln(N/N0) = g·t − (k·D/ke)(1 − e^(−ke·t)) (closed form). With the
//! threshold f·N0 (f < 1) the relapse time solves g·t − (k·D/ke)(1 − e^(−ke·t)) = ln f (after the
//! nadir), found by bisection to machine precision; the detection limit N0/L is crossed
//! downward where the same function equals −ln L. A stays above the target c·D until
//! ln(1/c)/ke. The solver runs at rtol 1e-10, so located times agree to 1e-8 relative (event
//! location converges to 1e-12 on a dense output accurate to a small multiple of 1e-10).

mod common;

use common::{assert_close, bisect, relapse};
use relapse::model::{self, CompiledModel, ParameterOverride};
use relapse::solve::SolverOptions;

const MODEL: &str = r#"
[model]
name = "levels"
[parameters]
g = 0.05
k = 0.1
ke = 0.2
D = 10
N0 = 1e6
f = 0.5
L = 20
c = 0.25
[states]
A = { initial = 0 }
N = { initial = "N0" }
[equations]
A = "-ke * A"
N = "(g - k * A) * N"
[outputs]
A = { expr = "A", exposure = true, target = "c * D" }
[relapse]
observable = "N"
threshold = "f * N0"
detection_limit = "N0 / L"
[regimens.bolus]
doses = [ { target = "A", amount = "D" } ]
[regimens.bolus_f3]
parameters = { f = 0.25 }
doses = [ { target = "A", amount = "D" } ]
"#;

/// ln(N/N0) at t for the parameters (g, k, ke, D).
fn log_growth(t: f64, (g, k, ke, d): (f64, f64, f64, f64)) -> f64 {
    g * t - k * d / ke * (1.0 - (-ke * t).exp())
}

const P: (f64, f64, f64, f64) = (0.05, 0.1, 0.2, 10.0);

/// The relapse time for threshold f·N0: after the nadir at ln(k·D/g)/ke.
fn relapse_time(f: f64, p: (f64, f64, f64, f64)) -> f64 {
    let nadir = (p.1 * p.3 / p.0).ln() / p.2;
    bisect(|t| log_growth(t, p) - f.ln(), nadir, 1e4)
}

fn compiled(overrides: &[(&str, f64)]) -> CompiledModel {
    let model = model::load(MODEL).unwrap_or_else(|d| panic!("{d:?}"));
    let overrides: Vec<ParameterOverride> = overrides
        .iter()
        .map(|&(name, value)| ParameterOverride {
            name: name.into(),
            value,
        })
        .collect();
    model.compile(&overrides).unwrap_or_else(|d| panic!("{d:?}"))
}

fn measure(m: &CompiledModel, regimen: usize) -> relapse::metrics::RegimenMetrics {
    let mut options = SolverOptions::new(m.state_names.len());
    options.rtol = 1e-10;
    options.atol = vec![1e-12; m.state_names.len()];
    m.measure(&m.regimens[regimen], 400.0, &options).unwrap().metrics
}

#[test]
fn levels_fold_from_parameters_per_run_and_per_regimen() {
    let m = compiled(&[]);
    let base = measure(&m, 0);
    let observable = base.observable.as_ref().unwrap();
    assert_close(
        observable.relapse_time.unwrap(),
        relapse_time(0.5, P),
        1e-8,
        0.0,
        "relapse, f = 0.5",
    );
    let below = bisect(
        |t| log_growth(t, P) + 20f64.ln(),
        0.0,
        (P.1 * P.3 / P.0).ln() / P.2,
    );
    let detection = observable.detection.as_ref().unwrap();
    assert_close(detection.first_below.unwrap(), below, 1e-8, 0.0, "below N0/20");
    let above_target = base.exposures[0].time_above_target.unwrap();
    assert_close(above_target, 4f64.ln() / P.2, 1e-8, 0.0, "A above D/4");

    // The regimen's own f = 0.25 moves its threshold only.
    let own = measure(&m, 1);
    let time = own.observable.unwrap().relapse_time.unwrap();
    assert_close(
        time,
        relapse_time(0.25, P),
        1e-8,
        0.0,
        "relapse, regimen f = 0.25",
    );

    // --set moves every level with its parameters: D = 8 changes the dose and the target.
    let m = compiled(&[("f", 0.8), ("L", 10.0), ("D", 8.0), ("c", 0.5)]);
    let p = (P.0, P.1, P.2, 8.0);
    let run = measure(&m, 0);
    let observable = run.observable.unwrap();
    assert_close(
        observable.relapse_time.unwrap(),
        relapse_time(0.8, p),
        1e-8,
        0.0,
        "--set f",
    );
    let below = bisect(
        |t| log_growth(t, p) + 10f64.ln(),
        0.0,
        (p.1 * p.3 / p.0).ln() / p.2,
    );
    assert_close(
        observable.detection.unwrap().first_below.unwrap(),
        below,
        1e-8,
        0.0,
        "--set L",
    );
    let above_target = run.exposures[0].time_above_target.unwrap();
    assert_close(above_target, 2f64.ln() / P.2, 1e-8, 0.0, "--set c");
    // A regimen that sets f keeps its own f against --set f (the regimen's value wins unless
    // --set names it, as for any parameter): here --set f = 0.8 is pinned.
    let pinned = measure(&m, 1).observable.unwrap().relapse_time.unwrap();
    assert_close(
        pinned,
        relapse_time(0.8, p),
        1e-8,
        0.0,
        "--set f over the regimen's f",
    );
}

#[test]
fn set_moves_the_threshold_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("levels.toml");
    std::fs::write(&path, MODEL).unwrap();
    let relapse_of = |set: &str| {
        let out = relapse()
            .args([
                "compare",
                path.to_str().unwrap(),
                "--format",
                "json",
                "--t-end",
                "400",
            ])
            .args(["--rtol", "1e-10", "--atol", "1e-12", "--set", set])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["regimens"][0]["relapse_time"].as_f64().unwrap()
    };
    assert_close(
        relapse_of("f=0.9"),
        relapse_time(0.9, P),
        1e-8,
        0.0,
        "compare --set f=0.9",
    );
}
