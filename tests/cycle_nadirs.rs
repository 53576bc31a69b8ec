//! Per-cycle nadirs (`cycle_nadirs` in `compare --format json`, `compare --cycle-nadirs FILE`)
//! against a closed form.
//!
//! Reference: a drug A given as boluses D on days 1–3 of 7-day cycles (A′ = −ke·A) and a
//! tumour N′ = (g − k·A)·N. Then A(t) = Σ D·e^(−ke(t − tⱼ)) over the doses tⱼ ≤ t and
//! ln(N/N0) = g·t − (k·D/ke)·Σ (1 − e^(−ke(t − tⱼ))). After a cycle's last dose t_l, N falls
//! while k·A > g and its minimum is where A = g/k: t* = t_l + ln(k·A(t_l)/g)/ke; if t* lies
//! past the cycle's end the nadir is the value at the end (the run's t_end cuts the last cycle
//! short here, at 25 < 28). Runs at rtol 1e-10: values agree to 1e-8 relative; times of
//! interior minima to 1e-7 (the root of dN/dt is located to 1e-12 on a dense output accurate
//! to a few 1e-10, and the time of a minimum moves by that error over the curvature).

mod common;

use common::{assert_close, compile, relapse};
use relapse::solve::SolverOptions;

const MODEL: &str = r#"
[model]
name = "cycles"
[parameters]
g = 0.5
k = 1
ke = 0.5
D = 1
[states]
A = { initial = 0 }
N = { initial = 1e6 }
[equations]
A = "-ke * A"
N = "(g - k * A) * N"
[relapse]
observable = "N"
[solver]
t_end = 25
rtol = 1e-10
atol = 1e-12
[regimens.cycles]
doses = [ { target = "A", amount = "D", cycle = { length = 7, on = "1-3", count = 4 } } ]
[regimens.daily]
doses = [ { target = "A", amount = "D", interval = 1, count = 3 } ]
"#;

const G: f64 = 0.5;
const K: f64 = 1.0;
const KE: f64 = 0.5;
const T_END: f64 = 25.0;

/// Dose times of the cycles regimen: days 1–3 (t = 7c, 7c + 1, 7c + 2) of cycles c = 0..3.
fn doses() -> Vec<f64> {
    (0..4)
        .flat_map(|c| (0..3).map(move |d| f64::from(7 * c + d)))
        .collect()
}

fn amount(t: f64) -> f64 {
    doses()
        .iter()
        .filter(|&&tj| tj <= t)
        .map(|tj| (-KE * (t - tj)).exp())
        .sum()
}

fn log_n(t: f64) -> f64 {
    let killed: f64 = doses()
        .iter()
        .filter(|&&tj| tj <= t)
        .map(|tj| (1.0 - (-KE * (t - tj)).exp()) / KE)
        .sum();
    1e6f64.ln() + G * t - K * killed
}

/// The closed-form nadir (time, value) of cycle c (from 0) over [7c, min(7c + 7, t_end)).
fn nadir(c: u32) -> (f64, f64) {
    let last = f64::from(7 * c + 2);
    let end = f64::from(7 * c + 7).min(T_END);
    let inside = last + (K * amount(last) / G).ln() / KE;
    let t = inside.min(end);
    (t, log_n(t).exp())
}

#[test]
fn each_cycle_has_its_own_nadir() {
    let m = compile(MODEL);
    let n = m.state_names.len();
    let mut options = SolverOptions::new(n);
    options.rtol = 1e-10;
    options.atol = vec![1e-12; n];
    let metrics = m.measure(&m.regimens[0], T_END, &options).unwrap().metrics;
    let nadirs = &metrics.observable.as_ref().unwrap().cycle_nadirs;
    assert_eq!(nadirs.len(), 4);
    for (c, found) in (0..4).zip(nadirs) {
        let (time, value) = nadir(c);
        assert_eq!(found.cycle, c + 1);
        assert_eq!(
            (found.start, found.end),
            (f64::from(7 * c), f64::from(7 * c + 7).min(T_END))
        );
        assert_close(
            found.nadir.value,
            value,
            1e-8,
            0.0,
            &format!("nadir of cycle {}", c + 1),
        );
        assert_close(
            found.nadir.time,
            time,
            1e-7,
            1.0,
            &format!("time of cycle {}'s nadir", c + 1),
        );
    }
    // The cycles' minima are interior for cycles 1–3 and the cut-short end for cycle 4.
    assert!(nadir(0).0 < 7.0 && (nadir(3).0 - T_END).abs() < 1e-12);
    // The overall nadir is the smallest cycle nadir.
    let overall = metrics.observable.as_ref().unwrap().nadir;
    let smallest = nadirs.iter().map(|c| c.nadir.value).fold(f64::INFINITY, f64::min);
    assert_eq!(overall.value, smallest);
    // A regimen without cycles has none.
    let plain = m.measure(&m.regimens[1], T_END, &options).unwrap().metrics;
    assert!(plain.observable.unwrap().cycle_nadirs.is_empty());
}

#[test]
fn compare_writes_them_as_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("cycles.toml");
    std::fs::write(&model, MODEL).unwrap();
    let csv = dir.path().join("cycle_nadirs.csv");
    let out = relapse()
        .arg("compare")
        .arg(&model)
        .args(["--format", "json", "--cycle-nadirs"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let json = doc["regimens"][0]["cycle_nadirs"].as_array().unwrap();
    assert_eq!(json.len(), 4);
    assert_eq!(doc["regimens"][1]["cycle_nadirs"].as_array().unwrap().len(), 0);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("regimen,cycle,start,end,nadir,t_nadir"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "only the cycles regimen has rows");
    for (c, (row, entry)) in (0..4).zip(rows.iter().zip(json)) {
        let (time, value) = nadir(c);
        assert_eq!(row[0], "cycles");
        assert_eq!(row[1], (c + 1).to_string());
        assert_eq!(entry["cycle"], c + 1);
        let cell = |i: usize| row[i].parse::<f64>().unwrap();
        assert_close(cell(4), value, 1e-8, 0.0, "CSV nadir");
        assert_close(cell(5), time, 1e-7, 1.0, "CSV time");
        assert_eq!(entry["value"].as_f64().unwrap(), cell(4));
        assert_eq!(entry["time"].as_f64().unwrap(), cell(5));
    }
    // In weeks, every time is divided by 7 (the model has no time unit: refused, not guessed).
    let refused = relapse()
        .arg("compare")
        .arg(&model)
        .args(["--time-unit", "week"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
