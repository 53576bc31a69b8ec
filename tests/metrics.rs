//! Relapse and exposure metrics against closed forms. Unless stated, runs use rtol = 1e-10
//! (atol tiny), so located times and values must agree with the closed forms to 1e-8 relative:
//! event times are located to 1e-12 on the dense output, whose own error at this tolerance is a
//! small multiple of 1e-10.
//!
//! References:
//! - Stein's regression–growth model f(t) = e^{−dt} + e^{gt} − 1 (Stein et al., Clin Cancer Res
//!   2008): nadir at ln(d/g)/(d+g); the relapse and detection crossings solve f(t) = level;
//!   AUC = (1 − e^{−dT})/d + (e^{gT} − 1)/g − T.
//! - Exponential decay and regrowth under a decaying drug: ln N = g·t − (k·D/k_el)(1 − e^{−k_el t}),
//!   nadir where g = k·C, i.e. t* = ln(k·D/g)/k_el.
//! - One-compartment IV bolus: AUC(0,T) = (D/CL)(1 − e^{−kT}), Cmax = D/V at the dose,
//!   troughs by superposition, time above target C_T = ln(D/(V·C_T))/k per dose.

mod common;

use common::{assert_close, bisect, compile};
use relapse::metrics::{RegimenMetrics, RelapseStatus};
use relapse::model::CompiledModel;
use relapse::solve::SolverOptions;

fn measure(m: &CompiledModel, regimen: usize, t_end: f64) -> RegimenMetrics {
    let n = m.state_names.len();
    let mut options = SolverOptions::new(n);
    options.rtol = 1e-10;
    options.atol = vec![1e-14; n];
    m.measure(&m.regimens[regimen], t_end, &options).unwrap().metrics
}

const STEIN: &str = r#"
[model]
name = "stein"
[parameters]
d = 0.02
g = 0.002
[states]
R = 1
G = 1
[equations]
R = "-d * R"
G = "g * G"
[relapse]
observable = "R + G - 1"
detection_limit = 0.5
[regimens.untreated]
doses = []
"#;

#[test]
fn stein_nadir_relapse_detection_and_auc() {
    let (d, g, t_end) = (0.02_f64, 0.002_f64, 500.0_f64);
    let f = |t: f64| (-d * t).exp() + (g * t).exp() - 1.0;
    let m = measure(&compile(STEIN), 0, t_end);
    let o = m.observable.unwrap();
    let t_nadir = (d / g).ln() / (d + g);
    assert_close(o.nadir.time, t_nadir, 1e-8, 1.0, "nadir time");
    assert_close(o.nadir.value, f(t_nadir), 1e-8, 1.0, "nadir value");
    let relapse = bisect(|t| f(t) - 1.0, t_nadir, t_end);
    assert_eq!(o.relapse_status, RelapseStatus::Relapsed);
    assert_close(o.relapse_time.unwrap(), relapse, 1e-8, 1.0, "relapse time");
    let detection = o.detection.unwrap();
    let (down, up) = (
        bisect(|t| f(t) - 0.5, 0.0, t_nadir),
        bisect(|t| f(t) - 0.5, t_nadir, t_end),
    );
    assert_close(detection.first_below.unwrap(), down, 1e-8, 1.0, "first below");
    assert_close(detection.last_below.unwrap(), up, 1e-8, 1.0, "last below");
    assert_close(detection.time_below, up - down, 1e-8, 1.0, "time below");
    let auc = -(-d * t_end).exp_m1() / d + (g * t_end).exp_m1() / g - t_end;
    assert_close(o.auc, auc, 1e-8, 1.0, "AUC");
    assert_close(o.final_value, f(t_end), 1e-8, 1.0, "final value");
    assert_close(o.depth_of_response, f(t_nadir), 1e-8, 1.0, "depth = nadir / 1");
}

const DECAY_REGROWTH: &str = r#"
[model]
name = "decay_regrowth"
[parameters]
g = 0.1
k = 0.05
kel = 0.2
[states]
C = 0
N = 1e6
[equations]
C = "-kel * C"
N = "(g - k * C) * N"
[relapse]
observable = "N"
[regimens.single]
doses = [ { target = "C", amount = 40, start = 0 } ]
[regimens.jump_at_dose]
doses = [ { target = "C", amount = 40, start = 0 }, { target = "N", amount = 3e6, start = 7.5 } ]
"#;

#[test]
fn decay_and_regrowth_under_a_decaying_drug() {
    let (g, k, kel, dose) = (0.1_f64, 0.05_f64, 0.2_f64, 40.0_f64);
    let log_ratio = |t: f64| g * t - k * dose / kel * (1.0 - (-kel * t).exp());
    let m = measure(&compile(DECAY_REGROWTH), 0, 200.0);
    let o = m.observable.unwrap();
    let t_nadir = (k * dose / g).ln() / kel;
    assert_close(o.nadir.time, t_nadir, 1e-8, 1.0, "nadir time");
    assert_close(
        o.nadir.value,
        1e6 * log_ratio(t_nadir).exp(),
        1e-8,
        1.0,
        "nadir value",
    );
    let relapse = bisect(log_ratio, t_nadir, 200.0);
    assert_close(o.relapse_time.unwrap(), relapse, 1e-8, 1.0, "relapse time");
}

#[test]
fn a_crossing_at_a_dose_time_is_located_at_the_dose() {
    // The second dose adds 3e6 cells at t = 7.5, lifting N above its initial 1e6 at once.
    let m = measure(&compile(DECAY_REGROWTH), 1, 200.0);
    let o = m.observable.unwrap();
    assert_eq!(o.relapse_status, RelapseStatus::Relapsed);
    assert_eq!(o.relapse_time, Some(7.5));
}

#[test]
fn a_crossing_inside_one_large_step_is_found() {
    // N = (t − 50)², exactly representable by the method: steps are huge, yet the threshold
    // crossings at 40 and 60 and the nadir at 50 are located on the dense output.
    let m = compile(
        r#"
[model]
name = "parabola"
[states]
N = 2500
[equations]
N = "2 * (t - 50)"
[relapse]
observable = "N"
threshold = 100
[regimens.none]
doses = []
"#,
    );
    let mut options = SolverOptions::new(1);
    options.rtol = 1e-10;
    let measured = m.measure(&m.regimens[0], 100.0, &options).unwrap();
    assert!(measured.stats.accepted_steps <= 6, "took {:?}", measured.stats);
    let o = measured.metrics.observable.unwrap();
    assert_close(o.relapse_time.unwrap(), 60.0, 1e-10, 1.0, "relapse at 60");
    assert_close(o.nadir.time, 50.0, 1e-8, 1.0, "nadir time");
    assert!(o.nadir.value.abs() < 1e-8, "nadir value {}", o.nadir.value);
}

#[test]
fn no_crossing_gives_no_response_and_no_relapse_time() {
    let m = compile(
        r#"
[model]
name = "growth"
[states]
N = 1
[equations]
N = "0.1 * N"
[relapse]
observable = "N"
[regimens.none]
doses = []
"#,
    );
    let o = measure(&m, 0, 50.0).observable.unwrap();
    assert_eq!(o.relapse_status, RelapseStatus::NoResponse);
    assert_eq!(o.relapse_time, None);
    // At exactly the threshold at t = 0 and moving up: the nadir is the start.
    assert_eq!((o.nadir.time, o.nadir.value), (0.0, 1.0));
}

#[test]
fn staying_below_gives_none_by_t_end() {
    let m = compile(
        r#"
[model]
name = "decay"
[states]
N = 1
[equations]
N = "-0.1 * N"
[relapse]
observable = "N"
[regimens.none]
doses = []
"#,
    );
    let o = measure(&m, 0, 50.0).observable.unwrap();
    assert_eq!(o.relapse_status, RelapseStatus::NoneByTEnd);
    assert_eq!(o.relapse_time, None);
    assert_close(o.final_value, (-5.0_f64).exp(), 1e-8, 1.0, "final");
}

#[test]
fn iv_bolus_exposure_metrics_match_closed_forms() {
    let m = compile(
        r#"
[model]
name = "iv"
[parameters]
CL = 5
V = 50
[states]
A = 0
[outputs]
C = { expr = "A / V", exposure = true, target = 0.5 }
[equations]
A = "-CL / V * A"
[regimens.q12h]
doses = [ { target = "A", amount = 100, start = 0, interval = 12, count = 3 } ]
"#,
    );
    let (dose, cl, v, t_end) = (100.0_f64, 5.0_f64, 50.0_f64, 48.0_f64);
    let k = cl / v;
    let e = &measure(&m, 0, t_end).exposures[0];
    let auc: f64 = [0.0, 12.0, 24.0]
        .iter()
        .map(|&t0| dose / cl * (1.0 - (-k * (t_end - t0)).exp()))
        .sum();
    assert_close(e.auc, auc, 1e-8, 1.0, "AUC");
    // Cmax right after the third dose: D/V·(1 + e^{−12k} + e^{−24k}).
    let cmax = dose / v * (1.0 + (-12.0 * k).exp() + (-24.0 * k).exp());
    assert_close(e.cmax.value, cmax, 1e-8, 1.0, "Cmax");
    assert_eq!(e.cmax.time, 24.0);
    let trough = |t: f64| {
        dose / v
            * [0.0, 12.0]
                .iter()
                .filter(|&&d| d < t)
                .map(|d| (-k * (t - d)).exp())
                .sum::<f64>()
    };
    assert_close(e.trough_last.unwrap(), trough(24.0), 1e-8, 1.0, "last trough");
    assert_close(e.trough_min.unwrap(), trough(12.0), 1e-8, 1.0, "first trough");
    // Above 0.5 mg/L from each dose until C falls to 0.5: solve on the superposed curve.
    let c = |t: f64| {
        dose / v
            * [0.0, 12.0, 24.0]
                .iter()
                .filter(|&&d| d <= t)
                .map(|d| (-k * (t - d)).exp())
                .sum::<f64>()
    };
    let above: f64 = [(0.0, 12.0), (12.0, 24.0), (24.0, t_end)]
        .iter()
        .map(|&(a, b)| {
            if c(b - 1e-9) > 0.5 {
                b - a
            } else {
                bisect(|t| c(t) - 0.5, a, b) - a
            }
        })
        .sum();
    assert_close(
        e.time_above_target.unwrap(),
        above,
        1e-8,
        1.0,
        "time above target",
    );
}

#[test]
fn measuring_takes_the_same_steps_as_simulating() {
    let m = compile(DECAY_REGROWTH);
    let options = SolverOptions::new(2);
    let simulated = m.simulate(&m.regimens[0], 100.0, &[100.0], &options).unwrap();
    let measured = m.measure(&m.regimens[0], 100.0, &options).unwrap();
    assert_eq!(simulated.stats.accepted_steps, measured.stats.accepted_steps);
    assert_eq!(simulated.stats.rejected_steps, measured.stats.rejected_steps);
    let n_end = simulated.state(0)[1];
    assert_close(
        measured.metrics.observable.unwrap().final_value,
        n_end,
        1e-14,
        1.0,
        "same final state",
    );
}

#[test]
fn dop853_dense_output_locates_the_same_events() {
    // The 7th-order continuous extension must place Stein's nadir and relapse as exactly as
    // DOPRI5's does (closed forms, 1e-8).
    let m = compile(STEIN);
    let mut options = SolverOptions::new(2);
    options.method = relapse::solve::Method::Dop853;
    options.rtol = 1e-10;
    options.atol = vec![1e-14; 2];
    let o = m
        .measure(&m.regimens[0], 500.0, &options)
        .unwrap()
        .metrics
        .observable
        .unwrap();
    let (d, g) = (0.02_f64, 0.002_f64);
    let f = |t: f64| (-d * t).exp() + (g * t).exp() - 1.0;
    let t_nadir = (d / g).ln() / (d + g);
    assert_close(o.nadir.time, t_nadir, 1e-8, 1.0, "DOP853 nadir time");
    let relapse = bisect(|t| f(t) - 1.0, t_nadir, 500.0);
    assert_close(o.relapse_time.unwrap(), relapse, 1e-8, 1.0, "DOP853 relapse time");
    let auc = -(-d * 500.0_f64).exp_m1() / d + (g * 500.0_f64).exp_m1() / g - 500.0;
    assert_close(o.auc, auc, 1e-8, 1.0, "DOP853 AUC");
}

/// One compartment, zero-order infusions of D over T every τ: by superposition the value just
/// before the start of infusion n+1 (t = n·τ) is Σ_{i<n} C_end·e^{−k(n·τ − i·τ − T)}, with
/// C_end = D/(T·k·V)·(1 − e^{−kT}) the end-of-infusion value of one infusion alone.
fn infusion_trough((dose, v, k): (f64, f64, f64), infusion: f64, tau: f64, n: u32) -> f64 {
    let c_end = dose / (infusion * k * v) * (1.0 - (-k * infusion).exp());
    (0..n)
        .map(|i| c_end * (-k * (f64::from(n - i) * tau - infusion)).exp())
        .sum()
}

fn infusion_model(interval: f64, count: u32) -> CompiledModel {
    compile(&format!(
        r#"
[model]
name = "infusion"
[parameters]
CL = 1.5
V = 40
[states]
A = 0
[outputs]
C = {{ expr = "A / V", exposure = true }}
[equations]
A = "-CL / V * A"
[regimens.q]
doses = [ {{ target = "A", amount = 100, duration = 1, interval = {interval}, count = {count} }} ]
"#
    ))
}

#[test]
fn infusion_troughs_are_taken_before_the_next_start_not_at_the_infusion_end() {
    // Times in hours, k = CL/V = 0.0375/h. Every 3 weeks (τ = 504 h) the trough is ≈ 3e-9 of
    // the peak (analytically ≈ 0); weekly (τ = 168 h) it is ≈ 0.2 % of the peak and accumulates.
    // The old answer was the end-of-infusion peak C_end ≈ 2.45 mg/L, far outside 1e-8.
    let (dose, v, k) = (100.0, 40.0, 1.5 / 40.0);
    for (tau, count) in [(504.0, 4), (168.0, 5)] {
        let m = infusion_model(tau, count);
        let e = &measure(&m, 0, tau * f64::from(count)).exposures[0];
        let last = infusion_trough((dose, v, k), 1.0, tau, count - 1);
        let first = infusion_trough((dose, v, k), 1.0, tau, 1);
        // 1e-6 relative: the 3-weekly trough (≈ 1.6e-8 mg/L) has decayed by e^{−19} under
        // rtol = 1e-10 steps, whose relative errors add up over the ~500 h of decay.
        assert_close(e.trough_last.unwrap(), last, 1e-6, 0.0, "last trough");
        assert_close(e.trough_min.unwrap(), first, 1e-6, 0.0, "min trough");
        assert!(
            e.trough_last.unwrap() < 0.01 * e.cmax.value,
            "τ = {tau}: a trough, not the peak"
        );
    }
}
