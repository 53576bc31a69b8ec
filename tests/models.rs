//! The shipped model library against its references. Each test names where its expected
//! numbers come from and why the tolerance is what it is:
//! - published values are quoted to 3–4 significant digits, so they are checked to half a unit
//!   in the last quoted digit;
//! - [COMPUTED] values from ../shared/science.md (scipy LSODA, rtol 1e-9) are checked to 0.1 %,
//!   except where the notes and a converged solution disagree by more (said at the test);
//! - closed forms are checked to 1e-7 relative at rtol 1e-10.
//!
//! The hibernation model has no published trajectory: its tests assert the published story.

mod common;

use common::{assert_close, relapse};
use ode_solvers::{Dopri5, OutputType, SVector, System};
use relapse::metrics::{RegimenMetrics, RelapseStatus};
use relapse::model::{CompiledModel, Model, ParameterOverride};
use relapse::solve::{Method, SolverOptions};

fn load(name: &str) -> Model {
    let source = std::fs::read_to_string(format!("models/{name}.toml")).unwrap();
    relapse::model::load(&source).unwrap()
}

fn options(m: &CompiledModel, rtol: f64, atol: f64) -> SolverOptions {
    let mut o = SolverOptions::new(m.state_names.len());
    o.rtol = rtol;
    o.atol = vec![atol; m.state_names.len()];
    o
}

fn regimen(m: &CompiledModel, name: &str) -> usize {
    m.regimens
        .iter()
        .position(|r| r.name == name)
        .unwrap_or_else(|| panic!("regimen {name}"))
}

fn state_at(m: &CompiledModel, regimen_name: &str, t: f64, o: &SolverOptions) -> Vec<f64> {
    let r = &m.regimens[regimen(m, regimen_name)];
    m.simulate(r, t, &[t], o).unwrap().state(0).to_vec()
}

// --- hibernation_rigi: the published story (Brägelmann et al. 2021) --------------------------

fn hibernation() -> (CompiledModel, Vec<RegimenMetrics>) {
    let model = load("hibernation_rigi");
    let m = model.compile(&[]).unwrap();
    let o = model_options(&model, &m);
    let metrics = m
        .regimens
        .iter()
        .map(|r| m.measure(r, 365.0, &o).unwrap().metrics)
        .collect();
    (m, metrics)
}

/// The model file's own solver settings.
fn model_options(model: &Model, m: &CompiledModel) -> SolverOptions {
    let mut o = SolverOptions::new(m.state_names.len());
    o.rtol = model.solver.rtol.unwrap();
    o.atol = model.solver.atol.as_ref().unwrap().to_vec(m.state_names.len());
    o
}

#[test]
fn hibernation_story_holds() {
    let (m, all) = hibernation();
    let get = |name: &str| all[regimen(&m, name)].observable.clone().unwrap();
    let (untreated, targeted, agonist) = (get("untreated"), get("targeted"), get("agonist"));
    let (combination, stopped) = (get("combination"), get("targeted_stopped_early"));
    let initial = 1e9 + 1e7;
    // Untreated grows.
    assert!(
        untreated.final_value > 10.0 * initial,
        "untreated: {}",
        untreated.final_value
    );
    assert_eq!(untreated.relapse_status, RelapseStatus::NoResponse);
    // Targeted therapy: a response at least 10× below baseline, then relapse.
    assert!(
        targeted.nadir.value <= initial / 10.0,
        "targeted nadir {}",
        targeted.nadir.value
    );
    assert_eq!(targeted.relapse_status, RelapseStatus::Relapsed);
    // The agonist alone ends within 20 % of untreated.
    assert!((agonist.final_value / untreated.final_value - 1.0).abs() <= 0.2);
    // The combination: deeper nadir, and relapse ≥ 60 days later than targeted (or none).
    assert!(combination.nadir.value < targeted.nadir.value);
    match combination.relapse_time {
        Some(t) => assert!(
            t >= targeted.relapse_time.unwrap() + 60.0,
            "combination relapses at {t}"
        ),
        None => assert_eq!(combination.relapse_status, RelapseStatus::NoneByTEnd),
    }
    // Stopping early lets persisters wake up: relapse comes earlier.
    assert!(stopped.relapse_time.unwrap() < targeted.relapse_time.unwrap());
}

#[test]
fn hibernation_combination_depletes_the_persister_pool() {
    let model = load("hibernation_rigi");
    let m = model.compile(&[]).unwrap();
    let o = model_options(&model, &m);
    let p = m.state_names.iter().position(|s| s == "P").unwrap();
    let targeted = state_at(&m, "targeted", 180.0, &o)[p];
    let combination = state_at(&m, "combination", 180.0, &o)[p];
    assert!(targeted > 1e6, "targeted keeps a persister pool: {targeted}");
    assert!(
        combination < 1e-6 * targeted,
        "combination leaves {combination} persisters"
    );
    let sequential = state_at(&m, "sequential", 180.0, &o)[p];
    assert!(
        sequential < 1e-3 * targeted,
        "adding the agonist later still clears them: {sequential}"
    );
}

// --- Claret 2014 ------------------------------------------------------------------------------

#[test]
fn claret2014_time_to_growth_and_closed_form() {
    let m = load("claret2014_tumour_size").compile(&[]).unwrap();
    let o = options(&m, 1e-10, 1e-10);
    let measured = m
        .measure(&m.regimens[0], 365.0, &o)
        .unwrap()
        .metrics
        .observable
        .unwrap();
    // Published TTG 117.3 d (Claret 2014): half a unit in the last digit.
    assert!(
        (measured.nadir.time - 117.3).abs() <= 0.05,
        "TTG {}",
        measured.nadir.time
    );
    let (base, kl, kde, lambda) = (90.0_f64, 0.00107_f64, 0.0103_f64, 0.0193_f64);
    let ts = |t: f64| base * (kl * t - kde / lambda * (1.0 - (-lambda * t).exp())).exp();
    assert_close(
        measured.nadir.time,
        (kde / kl).ln() / lambda,
        1e-7,
        1.0,
        "TTG closed form",
    );
    assert_close(
        state_at(&m, "motesanib", 56.0, &o)[0] / base,
        ts(56.0) / base,
        1e-7,
        1.0,
        "TS(56)/BASE",
    );
    assert!((ts(56.0) / base - 0.746).abs() < 5e-4, "notes' 0.746");
    assert_close(measured.final_value, ts(365.0), 1e-7, 1.0, "TS(365)");
    assert!((measured.final_value - 78.0).abs() < 0.05, "notes' 78.0 mm");
}

// --- Stein --------------------------------------------------------------------------------------

#[test]
fn stein_regrowth_closed_form() {
    let m = load("stein_regrowth").compile(&[]).unwrap();
    let o = options(&m, 1e-10, 1e-12);
    let measured = m
        .measure(&m.regimens[0], 500.0, &o)
        .unwrap()
        .metrics
        .observable
        .unwrap();
    let (d, g) = (0.02_f64, 0.002_f64);
    let t_nadir = (d / g).ln() / (d + g);
    assert_close(measured.nadir.time, t_nadir, 1e-7, 1.0, "nadir time");
    assert_close(
        measured.nadir.value,
        (-d * t_nadir).exp() + (g * t_nadir).exp() - 1.0,
        1e-7,
        1.0,
        "nadir",
    );
    // Notes: t* = 104.7 d, f = 0.356.
    assert!((measured.nadir.time - 104.7).abs() < 0.05 && (measured.nadir.value - 0.356).abs() < 5e-4);
}

// --- Kuznetsov 1994 ------------------------------------------------------------------------------

#[test]
fn kuznetsov1994_approaches_the_dormant_focus() {
    let m = load("kuznetsov1994_tumour_immune").compile(&[]).unwrap();
    let o = options(&m, 1e-10, 1e-3);
    let at = |t: f64| state_at(&m, "natural_course", t, &o);
    // [COMPUTED] T(100) = 1.305e6 and T(1000) = 8.10e6: 4 and 3 digits quoted.
    assert!(
        (at(100.0)[1] / 1.305e6 - 1.0).abs() < 5e-4,
        "T(100) = {}",
        at(100.0)[1]
    );
    assert!(
        (at(1000.0)[1] / 8.10e6 - 1.0).abs() < 1e-3,
        "T(1000) = {}",
        at(1000.0)[1]
    );
    // The dormant focus (8.186e6, 1.608e6): reached after the oscillation has died out.
    let late = at(4000.0);
    assert!((late[1] / 8.186e6 - 1.0).abs() < 1e-3, "T(4000) = {}", late[1]);
    assert!((late[0] / 1.608e6 - 1.0).abs() < 1e-3, "E(4000) = {}", late[0]);
}

// --- de Pillis 2005 ------------------------------------------------------------------------------

#[test]
fn depillis2005_escape_versus_innate_clearance() {
    let m = load("depillis2005_nk_cd8").compile(&[]).unwrap();
    let o = options(&m, 1e-10, 1e-6);
    let escape = |t: f64| state_at(&m, "escape", t, &o)[0];
    // [COMPUTED] T(10) = 8.57e5, T(40) = 9.75e8 agree to 0.3 %. The notes' T(25) = 1.62e8 is 2 %
    // above our converged value (1.588e8, same at rtol 1e-12 with DOP853); the escape is steep
    // there, so a small difference in a converted parameter shows most: checked to 3 %.
    assert!(
        (escape(10.0) / 8.57e5 - 1.0).abs() < 3e-3,
        "T(10) = {}",
        escape(10.0)
    );
    assert!(
        (escape(25.0) / 1.62e8 - 1.0).abs() < 0.03,
        "T(25) = {}",
        escape(25.0)
    );
    assert!(
        (escape(40.0) / 9.75e8 - 1.0).abs() < 3e-3,
        "T(40) = {}",
        escape(40.0)
    );
    // With NK cells at e/f from the start the tumour is cleared: T(5) < 4 cells.
    let cleared = state_at(&m, "nk_boost", 5.0, &o)[0];
    assert!(cleared < 4.0, "T(5) = {cleared}");
}

// --- Simeoni 2004 ----------------------------------------------------------------------------------

fn simeoni_constant_exposure(fraction_of_threshold: f64) -> f64 {
    let model = load("simeoni2004_tgi");
    let threshold = 0.273 / 6.29e-4;
    let overrides = [
        ParameterOverride {
            name: "kel".into(),
            value: 0.0,
        },
        ParameterOverride {
            name: "C0".into(),
            value: fraction_of_threshold * threshold,
        },
        ParameterOverride {
            name: "w0".into(),
            value: 1e-3,
        },
    ];
    let m = model.compile(&overrides).unwrap();
    let o = options(&m, 1e-10, 1e-14);
    state_at(&m, "control", 10.0, &o)[1] / 1e-3
}

#[test]
fn simeoni2004_threshold_concentration_stalls_growth() {
    // C_T = λ0/k2 = 434 ng/mL (Simeoni 2004): in the exponential phase x1 neither grows nor
    // shrinks at C_T; below it grows, above it shrinks. (λ0/λ1·w)^ψ ≈ 1e-70 here.
    assert!((0.273_f64 / 6.29e-4 - 434.0).abs() < 0.5);
    assert_close(
        simeoni_constant_exposure(1.0),
        1.0,
        1e-9,
        1.0,
        "x1(10)/x1(0) at C_T",
    );
    assert!(simeoni_constant_exposure(0.9) > 1.2);
    assert!(simeoni_constant_exposure(1.1) < 0.8);
}

type Simeoni = SVector<f64, 5>;

struct SimeoniOracle;

impl System<f64, Simeoni> for SimeoniOracle {
    fn system(&self, _t: f64, y: &Simeoni, dy: &mut Simeoni) {
        let (l0, l1, k1, k2, psi, kel) = (0.273, 0.814, 0.968, 6.29e-4, 20.0_f64, 5.545);
        let w = y[1] + y[2] + y[3] + y[4];
        dy[0] = -kel * y[0];
        dy[1] = l0 * y[1] / (1.0 + (l0 / l1 * w).powf(psi)).powf(1.0 / psi) - k2 * y[0] * y[1];
        dy[2] = k2 * y[0] * y[1] - k1 * y[2];
        dy[3] = k1 * (y[2] - y[3]);
        dy[4] = k1 * (y[3] - y[4]);
    }
}

#[test]
fn simeoni2004_treated_trajectory_agrees_with_ode_solvers() {
    // The oracle integrates each inter-dose segment and adds the dose (30/2·1000 ng/mL).
    let dose = 30.0 / 2.0 * 1000.0;
    let mut y = Simeoni::new(0.0, 0.05, 0.0, 0.0, 0.0);
    for (start, end) in [(0.0, 4.0), (4.0, 8.0), (8.0, 40.0)] {
        y[0] += dose;
        let mut solver = Dopri5::new(SimeoniOracle, start, end, end - start, y, 1e-10, 1e-10);
        solver.set_output(OutputType::Sparse);
        solver
            .integrate()
            .unwrap_or_else(|e| panic!("oracle on [{start}, {end}]: {e:?}"));
        y = *solver.results().get().1.last().unwrap();
    }
    let m = load("simeoni2004_tgi").compile(&[]).unwrap();
    for method in [Method::Dopri5, Method::Dop853] {
        let mut o = options(&m, 1e-11, 1e-12);
        o.method = method;
        let ours = state_at(&m, "q4d_x3", 40.0, &o);
        for i in 1..5 {
            assert_close(ours[i], y[i], 1e-6, 1e-6, &format!("{method:?} x{i}(40)"));
        }
    }
}

// --- Two-compartment IV infusion ---------------------------------------------------------------------

#[test]
fn two_compartment_infusions_match_the_matrix_exponential() {
    use nalgebra::{Matrix2, Vector2};
    let m = load("pk_iv_2cpt_infusion").compile(&[]).unwrap();
    let (cl, v1, q, v2) = (10.0, 20.0, 5.0, 100.0);
    let k = Matrix2::new(-(cl + q) / v1, q / v2, q / v1, -q / v2);
    let k_inv = k.try_inverse().unwrap();
    let exact = |t: f64| {
        let mut a = Vector2::zeros();
        let mut s = 0.0;
        while s < t {
            let day = (s / 24.0).floor();
            let on = day < 7.0 && s - day * 24.0 < 1.0;
            let end = if on { day * 24.0 + 1.0 } else { (day + 1.0) * 24.0 };
            let dt = t.min(end) - s;
            let e = (k * dt).exp();
            let r = Vector2::new(if on { 100.0 } else { 0.0 }, 0.0);
            a = e * a + k_inv * (e - Matrix2::identity()) * r;
            s = t.min(end);
        }
        a
    };
    let o = options(&m, 1e-10, 1e-12);
    for name in ["q24h_by_duration", "q24h_by_rate"] {
        for t in [0.5, 1.0, 7.25, 24.5, 100.0, 168.0] {
            let ours = state_at(&m, name, t, &o);
            let a = exact(t);
            assert_close(ours[0], a[0], 1e-8, 1e-3, &format!("{name} A1({t})"));
            assert_close(ours[1], a[1], 1e-8, 1e-3, &format!("{name} A2({t})"));
        }
    }
}

#[test]
fn compare_shows_the_combination_advantage() {
    let out = relapse()
        .args([
            "compare",
            "models/hibernation_rigi.toml",
            "--baseline",
            "targeted",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let combination = doc["regimens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "combination")
        .unwrap();
    match combination["delay_vs_baseline"].as_f64() {
        Some(delay) => assert!(delay >= 60.0, "delay {delay}"),
        None => assert_eq!(combination["relapse_status"], "none_by_t_end"),
    }
}
