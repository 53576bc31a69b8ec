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
//! less time than DOPRI5), and Rodas5P and auto with native code for the right-hand side and
//! the Jacobian (`tmdd/{rodas5p,auto}_jit`).
//!
//! And every shipped model (`shipped/<model>/{dopri5,rodas5p,auto}`): all its regimens measured
//! as `compare` does (metrics observer on), with the model's own [solver] tolerances and t_end;
//! goal: `auto` within 10 % of the faster fixed method on every model.
//!
//! The steps and right-hand-side evaluations of each are printed once before timing.
//! `python3 benches/ratios.py` prints the time ratios from the last run.
#![allow(missing_docs, clippy::print_stderr)]

#[path = "common/persister.rs"]
mod persister;
#[path = "../tests/stiff/systems.rs"]
mod systems;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use persister::Persister;
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
    // The same with native code for the right-hand side and the Jacobian (the runs above use
    // the bytecode: no engine was chosen).
    let native = relapse::model::load(&text)
        .expect("valid")
        .compile(&[])
        .expect("compiles");
    native.use_engine(relapse::model::Engine::Jit).expect("JIT");
    for method in [Method::Rodas5P, Method::Auto] {
        group.bench_function(format!("{}_jit", method.name()), |b| {
            b.iter(|| {
                black_box(
                    native
                        .simulate(regimen, 60.0, &[60.0], &options(method))
                        .expect("solves"),
                )
            })
        });
    }
    group.finish();
}

/// Solver options from a model's `[solver]` section (what `relapse compare MODEL --method M`
/// uses without flags).
fn model_options(model: &relapse::model::Model, method: Method) -> (SolverOptions, f64) {
    let n = model.states.len();
    let mut o = SolverOptions::new(n);
    o.method = method;
    o.rtol = model.solver.rtol.unwrap_or(o.rtol);
    if let Some(atol) = &model.solver.atol {
        o.atol = atol.to_vec(n);
    }
    o.max_steps = model.solver.max_steps.unwrap_or(o.max_steps);
    (o, model.solver.t_end.expect("shipped models set t_end"))
}

/// Every shipped model's regimens under each method, as `compare` runs them.
fn shipped(c: &mut Criterion) {
    let mut paths: Vec<_> = std::fs::read_dir("models")
        .expect("models/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut group = c.benchmark_group("shipped");
    group.sample_size(10);
    for path in paths {
        let name = path.file_stem().expect("name").to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("model");
        let model = relapse::model::load(&text).expect("valid");
        let compiled = model.compile(&[]).expect("compiles");
        let measure_all = |method| -> Result<relapse::solve::SolverStats, String> {
            let (options, t_end) = model_options(&model, method);
            let mut total = relapse::solve::SolverStats::default();
            for regimen in &compiled.regimens {
                let s = compiled
                    .measure(regimen, t_end, &options)
                    .map_err(|e| format!("regimen `{}`: {e}", regimen.name))?
                    .stats;
                total.accepted_steps += s.accepted_steps;
                total.implicit_steps += s.implicit_steps;
                total.rejected_steps += s.rejected_steps;
                total.rhs_evaluations += s.rhs_evaluations;
                total.jacobian_evaluations += s.jacobian_evaluations;
                total.factorisations += s.factorisations;
                total.method_switches += s.method_switches;
            }
            Ok(total)
        };
        for method in METHODS {
            // A method that cannot solve the model (Rodas5P at a singular Jacobian) is reported
            // and not timed: the better fixed method is then the other one.
            match measure_all(method) {
                Ok(stats) => report(&format!("shipped {name}"), method, &stats),
                Err(e) => {
                    eprintln!("shipped {name} {}: fails: {e}", method.name());
                    continue;
                }
            }
            group.bench_function(format!("{name}/{}", method.name()), |b| {
                b.iter(|| black_box(measure_all(method)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, stiff, persister, tmdd, shipped);
criterion_main!(benches);
