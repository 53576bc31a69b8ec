//! Steady-state starts (`ss = true`, issue 12) against closed-form accumulation.
//!
//! References: for a linear model y' = M·y with a dose every τ, one interval maps y to
//! Φ(y) = e^{Mτ}·y + Φ(0), so the pre-dose steady state is (I − e^{Mτ})⁻¹·Φ(0), the sum of the
//! geometric series of all earlier doses. One compartment with first-order absorption (Gibaldi &
//! Perrier, *Pharmacokinetics*, 2nd ed., 1982, ch. 3): Ag(t) = D·e^{−ka·t}/(1 − e^{−ka·τ}),
//! Ac(t) = D·ka/(ka − k)·[e^{−k·t}/(1 − e^{−k·τ}) − e^{−ka·t}/(1 − e^{−ka·τ})] for t in [0, τ)
//! after a dose at 0. Two compartments: 2×2 matrix functions by Sylvester's formula.
//! Tolerance 1e-9 relative: the fixed point is solved to 1e-11 and the runs use rtol = 1e-12.

mod common;

use common::{assert_close, compile};
use relapse::model::CompiledModel;
use relapse::solve::{SolveError, SolverOptions};

fn options(n: usize) -> SolverOptions {
    let mut o = SolverOptions::new(n);
    o.rtol = 1e-12;
    o.atol = vec![1e-15; n];
    o
}

fn oral(ss_states: &str) -> CompiledModel {
    compile(&format!(
        r#"
[model]
name = "oral"
[parameters]
ka = 1.2
k = 0.15
[states]
Ag = 0
Ac = 0
[equations]
Ag = "-ka * Ag"
Ac = "ka * Ag - k * Ac"
[regimens.ss]
doses = [ {{ target = "Ag", amount = 100, interval = 12, count = 4, ss = true{ss_states} }} ]
"#
    ))
}

#[test]
fn one_compartment_oral_starts_at_the_accumulated_state() {
    let (d, ka, k, tau) = (100.0_f64, 1.2_f64, 0.15_f64, 12.0_f64);
    let ag = |t: f64| d * (-ka * t).exp() / (1.0 - (-ka * tau).exp());
    let ac = |t: f64| {
        d * ka / (ka - k)
            * ((-k * t).exp() / (1.0 - (-k * tau).exp()) - (-ka * t).exp() / (1.0 - (-ka * tau).exp()))
    };
    for listed in ["", r#", ss_states = ["Ag", "Ac"]"#] {
        let m = oral(listed);
        let times: Vec<f64> = (0..96).map(|i| 0.5 * f64::from(i)).collect();
        let sol = m.simulate(&m.regimens[0], 48.0, &times, &options(2)).unwrap();
        // Four doses at 0, 12, 24, 36 continue the steady state: periodic on [0, 48).
        for (i, &t) in sol.times.iter().enumerate() {
            let phase = t % tau;
            assert_close(sol.states[2 * i], ag(phase), 1e-9, 1e-9, &format!("Ag({t})"));
            assert_close(sol.states[2 * i + 1], ac(phase), 1e-9, 1e-9, &format!("Ac({t})"));
        }
        let n = sol.stats.steady_state_iterations;
        // A linear model: Newton with a finite-difference Jacobian needs 1–3 updates.
        assert!((1..=3).contains(&n), "Newton updates: {n}");
    }
}

/// f(A) for a 2×2 matrix A with distinct real eigenvalues (Sylvester's formula).
fn matrix_function(a: [[f64; 2]; 2], f: impl Fn(f64) -> f64) -> [[f64; 2]; 2] {
    let tr = a[0][0] + a[1][1];
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let disc = (tr * tr / 4.0 - det).sqrt();
    let (l1, l2) = (tr / 2.0 + disc, tr / 2.0 - disc);
    let p = (f(l1) - f(l2)) / (l1 - l2);
    let q = (l1 * f(l2) - l2 * f(l1)) / (l1 - l2);
    [[p * a[0][0] + q, p * a[0][1]], [p * a[1][0], p * a[1][1] + q]]
}

fn apply(a: [[f64; 2]; 2], v: [f64; 2]) -> [f64; 2] {
    [a[0][0] * v[0] + a[0][1] * v[1], a[1][0] * v[0] + a[1][1] * v[1]]
}

#[test]
fn two_compartment_infusion_starts_at_the_geometric_series_sum() {
    let (k10, k12, k21) = (0.3_f64, 0.5_f64, 0.2_f64);
    let (dose, dur, tau) = (500.0_f64, 1.0_f64, 24.0_f64);
    let m_mat = [[-(k10 + k12), k21], [k12, -k21]];
    // One infusion from 0: at its end M⁻¹(e^{M·T} − I)·R·e₁, then e^{M(τ−T)}.
    let rate = dose / dur;
    let end = apply(matrix_function(m_mat, |l| (l * dur).exp_m1() / l), [rate, 0.0]);
    let phi0 = apply(matrix_function(m_mat, |l| (l * (tau - dur)).exp()), end);
    // (I − e^{Mτ})⁻¹·Φ(0).
    let y_ss = apply(matrix_function(m_mat, |l| 1.0 / (1.0 - (l * tau).exp())), phi0);
    let m = compile(
        r#"
[model]
name = "two"
[parameters]
k10 = 0.3
k12 = 0.5
k21 = 0.2
[states]
A1 = 0
A2 = 0
[equations]
A1 = "-(k10 + k12) * A1 + k21 * A2"
A2 = "k12 * A1 - k21 * A2"
[regimens.ss]
doses = [ { target = "A1", amount = 500, duration = 1, interval = 24, count = 3, ss = true } ]
"#,
    );
    let sol = m
        .simulate(&m.regimens[0], 48.0, &[0.0, 24.0, 48.0], &options(2))
        .unwrap();
    for (row, t) in sol.times.iter().enumerate() {
        for (s, expected) in y_ss.iter().enumerate() {
            assert_close(
                sol.states[2 * row + s],
                *expected,
                1e-9,
                1e-9,
                &format!("A{}({t})", s + 1),
            );
        }
    }
    assert!(sol.stats.steady_state_iterations >= 1);
}

#[test]
fn a_growing_state_has_no_steady_state_and_is_named() {
    let m = compile(
        r#"
[model]
name = "growth"
[parameters]
g = 0.05
k = 0.2
[states]
A = 0
N = 1
[equations]
A = "-k * A"
N = "g * N - 0.01 * A * N"
[regimens.all]
doses = [ { target = "A", amount = 1, interval = 7, count = 2, ss = true } ]
[regimens.drug_only]
doses = [ { target = "A", amount = 1, interval = 7, count = 2, ss = true, ss_states = ["A"] } ]
"#,
    );
    let e = m
        .simulate(&m.regimens[0], 14.0, &[14.0], &options(2))
        .unwrap_err();
    match &e {
        SolveError::NoSteadyState { states, .. } => assert_eq!(states, "`N`", "{e}"),
        other => panic!("expected NoSteadyState, got {other}"),
    }
    // The drug alone settles: A_ss = D·e^{−kτ}/(1 − e^{−kτ}); N keeps its initial value.
    let sol = m.simulate(&m.regimens[1], 14.0, &[0.0], &options(2)).unwrap();
    let a_ss = (-0.2_f64 * 7.0).exp() / (1.0 - (-0.2_f64 * 7.0).exp());
    assert_close(sol.states[0], a_ss + 1.0, 1e-9, 1e-9, "A(0) after the dose");
    assert_eq!(sol.states[1], 1.0);
}
