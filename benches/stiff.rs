//! The stiff method against the explicit one on Robertson's chemical kinetics (Hairer & Wanner,
//! Solving ODEs II, §IV.1; hand-written right-hand side and Jacobian, shared with
//! tests/stiff.rs), over its standard interval [0, 40], rtol 1e-6, atol 1e-10, all in one run
//! so they can be compared as ratios:
//! - `stiff/dopri5`: explicit steps, limited by stability (hλ ≈ 3.3) from the first 0.01 on;
//! - `stiff/rodas5p`: the Rosenbrock method throughout;
//! - `stiff/auto`: DOPRI5 until Hairer's stiffness test fires, then Rodas5P.
//!
//! The same three on the benchmark persister model (`benches/models/pk_persister_immune.toml`,
//! its equations and Jacobian written by hand as in benches/pipeline.rs; 365 days, 206 doses,
//! rtol = atol = 1e-6): `persister/{dopri5,rodas5p,auto}`, to decide whether `auto` should be
//! the default (compiled models get their own Jacobian separately).
//!
//! And the library's TMDD model (`tmdd/{dopri5,rodas5p,auto}`; goal: ≥ 50× fewer steps and ≥ 20×
//! less time than DOPRI5).
//!
//! The steps and right-hand-side evaluations of each are printed once before timing.
//! `python3 benches/ratios.py` prints the time ratios from the last run.
#![allow(missing_docs, clippy::print_stderr)]

#[path = "../tests/stiff/systems.rs"]
mod systems;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use relapse::regimen::Event;
use relapse::solve::{Method, OdeSystem, Problem, Solution, SolverOptions, simulate};
use systems::Robertson;

const T_END: f64 = 40.0;

fn run(method: Method) -> Solution {
    let mut options = SolverOptions::new(3);
    options.method = method;
    options.rtol = 1e-6;
    options.atol = vec![1e-10; 3];
    let problem = Problem {
        initial_state: &[1.0, 0.0, 0.0],
        events: &[],
        t_end: T_END,
        output_times: &[T_END],
    };
    simulate(&mut Robertson, &problem, &options).expect("Robertson solves")
}

fn report(what: &str, method: Method, s: &relapse::solve::SolverStats) {
    eprintln!(
        "{what} {}: {} steps ({} Rosenbrock), {} rejected, {} RHS evaluations, {} Jacobians, {} LU, {} switches",
        method.name(),
        s.accepted_steps,
        s.implicit_steps,
        s.rejected_steps,
        s.rhs_evaluations,
        s.jacobian_evaluations,
        s.factorisations,
        s.method_switches
    );
}

const METHODS: [Method; 3] = [Method::Dopri5, Method::Rodas5P, Method::Auto];

fn stiff(c: &mut Criterion) {
    let mut group = c.benchmark_group("stiff");
    for method in METHODS {
        report("robertson", method, &run(method).stats);
        group.bench_function(method.name(), |b| b.iter(|| black_box(run(method))));
    }
    group.finish();
}

/// The persister model's equations (parameters as in the TOML file).
struct Persister;

const KA: f64 = 15.19;
const CL: f64 = 343.2;
const V: f64 = 918.0;
const EC50: f64 = 0.05;
const KA_AGONIST: f64 = 3.0;
const EC50_AGONIST: f64 = 0.1;
const KIN: f64 = 1.0;
const KOUT: f64 = 0.7;
const GS: f64 = 0.6;
const GP: f64 = 0.005;
const GR: f64 = 0.4;
const K: f64 = 1e10;
const KS: f64 = 1.2;
const A0: f64 = 1e-3;
const A1: f64 = 0.05;
const B0: f64 = 0.1;
const MU: f64 = 1e-4;
const KRIG: f64 = 1.5;

impl OdeSystem for Persister {
    fn dimension(&self) -> usize {
        7
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let (ag, ac, a, i, s, p, r) = (y[0], y[1], y[2], y[3], y[4], y[5], y[6]);
        let c = ac / V;
        let e = c * c / (EC50 * EC50 + c * c);
        let n = s + p + r;
        let switch = (A0 + A1 * e) * s;
        let wake = B0 * (1.0 - e) * p;
        dy[0] = -KA * ag;
        dy[1] = KA * ag - CL / V * ac;
        dy[2] = -KA_AGONIST * a;
        dy[3] = KIN * a / (EC50_AGONIST + a) - KOUT * i;
        dy[4] = GS * s * (1.0 - n / K) - KS * e * s - switch + wake;
        dy[5] = GP * p + switch - wake - KRIG * e * i * p;
        dy[6] = GR * r * (1.0 - n / K) + MU * p;
    }
    fn jacobian(&mut self, _t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        let (ac, a, i, s, p, r) = (y[1], y[2], y[3], y[4], y[5], y[6]);
        let c = ac / V;
        let e = c * c / (EC50 * EC50 + c * c);
        // de/dac = 2c·EC50² / (EC50² + c²)² / V
        let de = 2.0 * c * EC50 * EC50 / (EC50 * EC50 + c * c).powi(2) / V;
        let n = s + p + r;
        jac.iter_mut().for_each(|v| *v = 0.0);
        let mut set = |row: usize, col: usize, v: f64| jac[row * 7 + col] = v;
        set(0, 0, -KA);
        set(1, 0, KA);
        set(1, 1, -CL / V);
        set(2, 2, -KA_AGONIST);
        set(3, 2, KIN * EC50_AGONIST / (EC50_AGONIST + a).powi(2));
        set(3, 3, -KOUT);
        set(4, 1, (-KS * s - A1 * s - B0 * p) * de);
        set(4, 4, GS * (1.0 - n / K) - GS * s / K - KS * e - (A0 + A1 * e));
        set(4, 5, -GS * s / K + B0 * (1.0 - e));
        set(4, 6, -GS * s / K);
        set(5, 1, (A1 * s + B0 * p - KRIG * i * p) * de);
        set(5, 3, -KRIG * e * p);
        set(5, 4, A0 + A1 * e);
        set(5, 5, GP - B0 * (1.0 - e) - KRIG * e * i);
        set(6, 4, -GR * r / K);
        set(6, 5, -GR * r / K + MU);
        set(6, 6, GR * (1.0 - n / K) - GR * r / K);
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

/// The hand-written Jacobian against central differences (the oracle) at a state mid-run.
fn check_persister_jacobian() {
    let y = [3.0, 40.0, 0.5, 0.8, 2e8, 3e6, 1e3];
    let mut jac = [0.0; 49];
    Persister.jacobian(0.0, &y, &mut jac);
    for col in 0..7 {
        let h = 1e-6 * y[col].abs().max(1e-3);
        let (mut up, mut down) = (y, y);
        up[col] += h;
        down[col] -= h;
        let (mut fu, mut fd) = ([0.0; 7], [0.0; 7]);
        Persister.rhs(0.0, &up, &mut fu);
        Persister.rhs(0.0, &down, &mut fd);
        for row in 0..7 {
            let fd_entry = (fu[row] - fd[row]) / (2.0 * h);
            let entry = jac[row * 7 + col];
            // Truncation O(h²) plus rounding of the two evaluations divided by 2h.
            let rounding = 100.0 * f64::EPSILON * (fu[row].abs() + fd[row].abs()) / (2.0 * h);
            assert!(
                (fd_entry - entry).abs() <= 1e-6 * entry.abs() + rounding,
                "J[{row}][{col}] = {entry}, central difference {fd_entry}"
            );
        }
    }
}

fn persister(c: &mut Criterion) {
    check_persister_jacobian();
    let source = std::fs::read_to_string("benches/models/pk_persister_immune.toml").expect("bench model");
    let compiled = relapse::model::load(&source)
        .expect("valid")
        .compile(&[])
        .expect("compiles");
    let events: Vec<Event> = compiled.regimens[0].schedule();
    let times: Vec<f64> = (0..=365).map(f64::from).collect();
    let problem = Problem {
        initial_state: &compiled.initial_state,
        events: &events,
        t_end: 365.0,
        output_times: &times,
    };
    let options = |method| {
        let mut o = SolverOptions::new(7);
        o.method = method;
        o.rtol = 1e-6;
        o.atol = vec![1e-6; 7];
        o
    };
    let mut group = c.benchmark_group("persister");
    for method in METHODS {
        let s = simulate(&mut Persister, &problem, &options(method)).expect("solves");
        report("persister", method, &s.stats);
        group.bench_function(method.name(), |b| {
            b.iter(|| black_box(simulate(&mut Persister, &problem, &options(method)).expect("solves")))
        });
    }
    group.finish();
    // The first 200 days are not stiff: auto takes DOPRI5's steps, and the time ratio is the
    // cost of running the stiffness test on every step.
    let problem = Problem {
        t_end: 200.0,
        output_times: &times[..=200],
        ..problem
    };
    let mut group = c.benchmark_group("persister_200d");
    for method in [Method::Dopri5, Method::Auto] {
        let s = simulate(&mut Persister, &problem, &options(method)).expect("solves");
        report("persister to day 200", method, &s.stats);
        group.bench_function(method.name(), |b| {
            b.iter(|| black_box(simulate(&mut Persister, &problem, &options(method)).expect("solves")))
        });
    }
    group.finish();
}

/// The TMDD model of the library (`models/tmdd_mager_jusko2001.toml`, compiled from TOML with
/// its symbolic Jacobian): 8 weekly 10 mg doses over 60 days, rtol 1e-6 (the case).
fn tmdd(c: &mut Criterion) {
    let text = std::fs::read_to_string("models/tmdd_mager_jusko2001.toml").expect("model");
    let compiled = relapse::model::load(&text)
        .expect("valid")
        .compile(&[])
        .expect("compiles");
    let regimen = compiled
        .regimens
        .iter()
        .find(|r| r.name == "weekly_10mg")
        .expect("regimen");
    let n = compiled.state_names.len();
    let options = |method| {
        let mut o = SolverOptions::new(n);
        o.method = method;
        o.rtol = 1e-6;
        o.max_steps = 5_000_000;
        o
    };
    let mut group = c.benchmark_group("tmdd");
    group.sample_size(10);
    for method in METHODS {
        let s = compiled
            .simulate(regimen, 60.0, &[60.0], &options(method))
            .expect("solves");
        report("tmdd weekly 10 mg", method, &s.stats);
        group.bench_function(method.name(), |b| {
            b.iter(|| {
                black_box(
                    compiled
                        .simulate(regimen, 60.0, &[60.0], &options(method))
                        .expect("solves"),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, stiff, persister, tmdd);
criterion_main!(benches);
