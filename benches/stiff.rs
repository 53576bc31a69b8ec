//! The stiff method against the explicit one on Robertson's chemical kinetics (Hairer & Wanner,
//! Solving ODEs II, §IV.1; hand-written right-hand side and Jacobian, shared with
//! tests/stiff.rs), over its standard interval [0, 40], rtol 1e-6, atol 1e-10, all in one run
//! so they can be compared as ratios:
//! - `stiff/dopri5`: explicit steps, limited by stability (hλ ≈ 3.3) from the first 0.01 on;
//! - `stiff/rodas5p`: the Rosenbrock method throughout;
//! - `stiff/auto`: DOPRI5 until Hairer's stiffness test fires, then Rodas5P.
//!
//! The steps and right-hand-side evaluations of each are printed once before timing.
//! `python3 benches/ratios.py` prints the time ratios from the last run.
#![allow(missing_docs, clippy::print_stderr)]

#[path = "../tests/stiff/systems.rs"]
mod systems;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use relapse::solve::{Method, Problem, Solution, SolverOptions, simulate};
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

fn stiff(c: &mut Criterion) {
    let mut group = c.benchmark_group("stiff");
    for method in [Method::Dopri5, Method::Rodas5P, Method::Auto] {
        let s = run(method).stats;
        eprintln!(
            "{}: {} steps ({} Rosenbrock), {} rejected, {} RHS evaluations, {} Jacobians, {} LU",
            method.name(),
            s.accepted_steps,
            s.implicit_steps,
            s.rejected_steps,
            s.rhs_evaluations,
            s.jacobian_evaluations,
            s.factorisations
        );
        group.bench_function(method.name(), |b| b.iter(|| black_box(run(method))));
    }
    group.finish();
}

criterion_group!(benches, stiff);
criterion_main!(benches);
