//! Benchmarks per pipeline stage, plus the baselines the core-engine issue asks for, all in one
//! run so they can be compared as ratios (machines here are noisy; absolute times are not).
//!
//! Model: `benches/models/pk_persister_immune.toml` (7 states; 180 daily oral doses and 26
//! weekly agonist doses over 365 days; rtol = atol = 1e-6; DOPRI5).
//! - `stages/*`: parse+validate, compile, native compilation (Cranelift) of the right-hand side,
//!   one RHS evaluation (bytecode, native code, hand-written Rust);
//! - `simulate/toml_model`: the TOML model on our integrator (bytecode);
//! - `simulate/toml_model_jit`: the same with native code (compiled once, outside the loop);
//! - `simulate/handwritten_rhs`: the same equations as Rust code on our integrator;
//! - `simulate/plain_loop`: a plain hand-written Dormand–Prince loop on `[f64; 7]` arrays;
//! - `process/relapse_simulate[_ENGINE]`: the whole `relapse simulate` process, one regimen,
//!   daily output, with the default engine (auto) and with `--engine jit` / `bytecode`.
//!
//! Targets: toml_model_jit ≤ 1.15 × handwritten_rhs; rhs_jit ≤ 1.5 × rhs_handwritten;
//! relapse_simulate ≤ 2.5 × plain_loop.
//! `python3 benches/ratios.py` prints the ratios from the last run.
#![allow(missing_docs, clippy::print_stderr)]

#[path = "common/persister.rs"]
mod persister;

use std::hint::black_box;
use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};
use persister::{Persister, rhs as hand_rhs};
use relapse::model::{self, CompiledModel};
use relapse::solve::{Method, OdeSystem, Problem, SolverOptions, simulate};

const MODEL_PATH: &str = "benches/models/pk_persister_immune.toml";
const T_END: f64 = 365.0;

fn load() -> (String, CompiledModel) {
    let source = std::fs::read_to_string(MODEL_PATH).expect("bench model");
    let compiled = model::load(&source)
        .expect("valid")
        .compile(&[])
        .expect("compiles");
    (source, compiled)
}

fn options() -> SolverOptions {
    let mut o = SolverOptions::new(7);
    // The comparison is DOPRI5 against DOPRI5 (the plain loop is one); `auto`, the default,
    // would hand the TOML model's stiff stretches to Rodas5P.
    o.method = Method::Dopri5;
    o.rtol = 1e-6;
    o.atol = vec![1e-6; 7];
    o
}

fn daily() -> Vec<f64> {
    (0..=365).map(f64::from).collect()
}

/// A plain Dormand–Prince 5(4) loop with a PI controller on fixed-size arrays, integrating to
/// each dose time and applying the doses; no dense output (outputs fall on dose days anyway).
fn plain_loop(doses: &[(f64, usize, f64)]) -> ([f64; 7], u64) {
    const C: [f64; 6] = [0.2, 0.3, 0.8, 8.0 / 9.0, 1.0, 1.0];
    const A: [[f64; 6]; 6] = [
        [0.2, 0.0, 0.0, 0.0, 0.0, 0.0],
        [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
        [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
        [
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
            0.0,
            0.0,
        ],
        [
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
            0.0,
        ],
        [
            35.0 / 384.0,
            0.0,
            500.0 / 1113.0,
            125.0 / 192.0,
            -2187.0 / 6784.0,
            11.0 / 84.0,
        ],
    ];
    const E: [f64; 7] = [
        71.0 / 57600.0,
        0.0,
        -71.0 / 16695.0,
        71.0 / 1920.0,
        -17253.0 / 339200.0,
        22.0 / 525.0,
        -1.0 / 40.0,
    ];
    let mut y = [0.0, 0.0, 0.0, 0.0, 1e9, 1e6, 10.0];
    let mut evaluations = 0;
    let mut stops: Vec<f64> = doses.iter().map(|d| d.0).filter(|&t| t > 0.0).collect();
    stops.push(T_END);
    stops.dedup();
    let mut t = 0.0;
    let mut next_dose = 0;
    let mut h: f64 = 1e-3;
    for stop in stops {
        while next_dose < doses.len() && doses[next_dose].0 <= t {
            y[doses[next_dose].1] += doses[next_dose].2;
            next_dose += 1;
        }
        let mut k = [[0.0; 7]; 7];
        hand_rhs(&y, &mut k[0]);
        evaluations += 1;
        let mut err_old: f64 = 1e-4;
        while t < stop {
            let last = t + 1.01 * h >= stop;
            if last {
                h = stop - t;
            }
            let mut stage = [0.0; 7];
            for s in 0..6 {
                for i in 0..7 {
                    let mut sum = 0.0;
                    for j in 0..=s {
                        sum += A[s][j] * k[j][i];
                    }
                    stage[i] = y[i] + h * sum;
                }
                let (_, rest) = k.split_at_mut(s + 1);
                hand_rhs(&stage, &mut rest[0]);
                evaluations += 1;
                let _ = C[s];
            }
            let mut err = 0.0;
            for i in 0..7 {
                let e: f64 = (0..7).map(|j| E[j] * k[j][i]).sum::<f64>() * h;
                let sk = 1e-6 + 1e-6 * y[i].abs().max(stage[i].abs());
                err += (e / sk) * (e / sk);
            }
            let err = (err / 7.0).sqrt();
            let fac = (0.9 * err.powf(-0.17) * err_old.powf(0.04)).clamp(0.2, 10.0);
            if err <= 1.0 {
                y = stage;
                k[0] = k[6];
                err_old = err.max(1e-4);
                t = if last { stop } else { t + h };
            }
            h *= if err <= 1.0 { fac } else { fac.min(1.0) };
        }
    }
    (y, evaluations)
}

fn dose_list(compiled: &CompiledModel) -> Vec<(f64, usize, f64)> {
    compiled.regimens[0]
        .schedule()
        .iter()
        .filter_map(|e| match e.kind {
            relapse::regimen::EventKind::Bolus { target, amount } => Some((e.time, target, amount)),
            _ => None,
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let (source, compiled) = load();
    let model = model::load(&source).unwrap();
    let mut group = c.benchmark_group("stages");
    group.bench_function("parse_validate", |b| {
        b.iter(|| model::load(black_box(&source)).unwrap())
    });
    group.bench_function("compile", |b| b.iter(|| black_box(&model).compile(&[]).unwrap()));
    let y = [1.0, 50.0, 0.5, 0.3, 1e9, 1e6, 10.0];
    let mut dy = [0.0; 7];
    let mut system = compiled.system();
    group.bench_function("rhs_bytecode", |b| {
        b.iter(|| system.rhs(black_box(3.0), black_box(&y), &mut dy))
    });
    group.bench_function("rhs_handwritten", |b| b.iter(|| hand_rhs(black_box(&y), &mut dy)));
    group.bench_function("jit_compile_rhs", |b| {
        b.iter(|| relapse::expr::NativeProgram::compile(black_box(&compiled.rhs)).unwrap())
    });
    let native = compiled.system();
    native_ready(&compiled);
    let mut native = native;
    group.bench_function("rhs_jit", |b| {
        b.iter(|| native.rhs(black_box(3.0), black_box(&y), &mut dy))
    });
    group.finish();
}

/// Compiles `compiled`'s programs to native code now.
fn native_ready(compiled: &CompiledModel) {
    compiled
        .use_engine(relapse::model::Engine::Jit)
        .expect("the JIT works on this machine");
}

fn simulations(c: &mut Criterion) {
    let (_, compiled) = load();
    let (_, jitted) = load();
    native_ready(&jitted);
    let regimen = &compiled.regimens[0];
    let events = regimen.schedule();
    let times = daily();
    let problem = Problem {
        initial_state: &compiled.initial_state,
        events: &events,
        t_end: T_END,
        output_times: &times,
    };
    let toml_stats = compiled
        .simulate(regimen, T_END, &times, &options())
        .unwrap()
        .stats;
    let hand_stats = simulate(&mut Persister, &problem, &options()).unwrap().stats;
    let doses = dose_list(&compiled);
    let (plain_final, plain_evaluations) = plain_loop(&doses);
    let ours = compiled.simulate(regimen, T_END, &[T_END], &options()).unwrap();
    let total = |y: &[f64]| y[4] + y[5] + y[6];
    let agreement = (total(&plain_final) / total(ours.state(0)) - 1.0).abs();
    assert!(
        agreement < 1e-4,
        "baseline loop must solve the same problem: {agreement:e}"
    );
    eprintln!(
        "RHS evaluations: toml {toml_stats:?}; handwritten {hand_stats:?}; plain loop {plain_evaluations}"
    );
    let mut group = c.benchmark_group("simulate");
    group.sample_size(30);
    group.bench_function("toml_model", |b| {
        b.iter(|| compiled.simulate(regimen, T_END, &times, &options()).unwrap())
    });
    group.bench_function("toml_model_jit", |b| {
        b.iter(|| jitted.simulate(regimen, T_END, &times, &options()).unwrap())
    });
    group.bench_function("handwritten_rhs", |b| {
        b.iter(|| simulate(&mut Persister, &problem, &options()).unwrap())
    });
    group.bench_function("plain_loop", |b| b.iter(|| plain_loop(black_box(&doses))));
    group.finish();
}

fn whole_process(c: &mut Criterion) {
    let exe = env!("CARGO_BIN_EXE_relapse");
    let mut group = c.benchmark_group("process");
    group.sample_size(20);
    for (name, engine) in [
        ("relapse_simulate", "auto"),
        ("relapse_simulate_jit", "jit"),
        ("relapse_simulate_bytecode", "bytecode"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let status = Command::new(exe)
                    .args([
                        "simulate",
                        MODEL_PATH,
                        "--regimen",
                        "combination",
                        "--output-step",
                        "1",
                        "--engine",
                        engine,
                        "--method",
                        "dopri5",
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success());
            })
        });
    }
    group.finish();
}

criterion_group!(benches, stages, simulations, whole_process);
criterion_main!(benches);
