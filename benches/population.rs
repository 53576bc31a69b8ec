//! Population throughput, as ratios in one run (the machines here are noisy; absolute times are
//! not comparable between runs).
//!
//! Model: `benches/models/pk_persister_immune.toml` (7 states, regimen `combination`: 180 daily
//! oral doses and 26 weekly agonist doses over 365 days; rtol = atol = 1e-6; DOPRI5) with a
//! virtual population varying CL, gS, a1 and mu (log-normal). 1000 patients, 2 worker threads.
//! - `population/relapse_cohort`: what `relapse population` does per patient — compile the
//!   model with the patient's values, measure the regimen (located relapse time, nadir, time
//!   below detection, AUCs) — through `relapse::sim::Cohort`;
//! - `population/compile_and_simulate`: the same patients compiled and simulated to t_end
//!   without the metrics (where the time goes);
//! - `population/handwritten_rhs`: the same patients' equations as Rust code, simulated on the
//!   same integrator to t_end in a rayon loop (the native baseline);
//! - `population/relapse_process`: the whole `relapse population --patients 1000 --jobs 2`
//!   process, files written (patients.csv, summary.csv, summary.json).
//!
//! The model file gets a `[relapse]` section (observable N = S + P + R, detection limit 1e8)
//! and the `[population]` below appended, as a population run needs both.
//! Target (issue 11): relapse_process ≤ 1.3 × handwritten_rhs. `python3 benches/ratios.py`
//! prints the ratios from the last run.
#![allow(missing_docs, clippy::print_stderr)]

use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};
use rayon::prelude::{IntoParallelRefIterator, ParallelIterator};
use relapse::model::{self, Model};
use relapse::population::{Patients, Population};
use relapse::sim::{Cohort, RunPlan};
use relapse::solve::{OdeSystem, Problem, SolverOptions, simulate};

const MODEL_PATH: &str = "benches/models/pk_persister_immune.toml";
const T_END: f64 = 365.0;
const PATIENTS: u64 = 1000;
const THREADS: usize = 2;

/// Appended to the model file: the relapse observable a population run needs, and the population.
const POPULATION: &str = r#"
[relapse]
observable = "N"
detection_limit = 1e8

[population]
seed = 2021

[population.parameters]
CL = { cv = 0.3 }
gS = { omega = 0.3 }
a1 = { omega = 0.5 }
mu = { omega = 0.7 }
"#;

fn source() -> String {
    std::fs::read_to_string(MODEL_PATH).expect("bench model") + POPULATION
}

fn load() -> Model {
    model::load(&source()).expect("valid")
}

fn options() -> SolverOptions {
    let mut o = SolverOptions::new(7);
    // DOPRI5 on both sides, as documented; `auto`, the default, would hand the TOML model's
    // stiff stretches to Rodas5P while the hand-written system (no Jacobian) stays explicit.
    o.method = relapse::solve::Method::Dopri5;
    o.rtol = 1e-6;
    o.atol = vec![1e-6; 7];
    o
}

/// The benchmark model's equations written by hand, with one patient's parameters.
struct HandWritten {
    ka: f64,
    cl: f64,
    v: f64,
    ec50: f64,
    ka_agonist: f64,
    ec50_agonist: f64,
    kin: f64,
    kout: f64,
    gs: f64,
    gp: f64,
    gr: f64,
    k: f64,
    ks: f64,
    a0: f64,
    a1: f64,
    b0: f64,
    mu: f64,
    krig: f64,
}

impl HandWritten {
    /// From a parameter vector in the file's order (Emax = 1 and h = 2 are written in).
    fn new(p: &[f64]) -> Self {
        Self {
            ka: p[0],
            cl: p[1],
            v: p[2],
            ec50: p[4],
            ka_agonist: p[6],
            ec50_agonist: p[7],
            kin: p[8],
            kout: p[9],
            gs: p[10],
            gp: p[11],
            gr: p[12],
            k: p[13],
            ks: p[14],
            a0: p[15],
            a1: p[16],
            b0: p[17],
            mu: p[18],
            krig: p[19],
        }
    }
}

impl OdeSystem for HandWritten {
    fn dimension(&self) -> usize {
        7
    }

    #[inline]
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let (ag, ac, a, i, s, p, r) = (y[0], y[1], y[2], y[3], y[4], y[5], y[6]);
        let c = ac / self.v;
        let e = c * c / (self.ec50 * self.ec50 + c * c);
        let n = s + p + r;
        let switch = (self.a0 + self.a1 * e) * s;
        let wake = self.b0 * (1.0 - e) * p;
        dy[0] = -self.ka * ag;
        dy[1] = self.ka * ag - self.cl / self.v * ac;
        dy[2] = -self.ka_agonist * a;
        dy[3] = self.kin * a / (self.ec50_agonist + a) - self.kout * i;
        dy[4] = self.gs * s * (1.0 - n / self.k) - self.ks * e * s - switch + wake;
        dy[5] = self.gp * p + switch - wake - self.krig * e * i * p;
        dy[6] = self.gr * r * (1.0 - n / self.k) + self.mu * p;
    }
}

fn population(c: &mut Criterion) {
    let model = load();
    let typical = model.compile(&[]).expect("compiles");
    let spec = model.population.as_ref().expect("[population]");
    let patients = Patients::Sampled {
        population: Population::new(spec, &typical.parameter_values, 2021).expect("population"),
        count: PATIENTS,
    };
    let names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names[..3],
        ["ka", "CL", "V"],
        "HandWritten::new reads the file's order"
    );
    assert_eq!(names[16..19], ["a1", "b0", "mu"]);
    let values: Vec<Vec<f64>> = (0..PATIENTS)
        .map(|i| patients.values(i).expect("sampled"))
        .collect();
    let plan = RunPlan {
        t_end: T_END,
        options: options(),
        grid: None,
        engine: relapse::model::Engine::Bytecode,
        pinned: Vec::new(),
    };
    let cohort = Cohort {
        model: &model,
        patients: &patients,
        regimens: &[0],
        plan: &plan,
    };
    let events = typical.regimens[0].schedule_until(T_END).expect("schedule");
    let problem = Problem {
        initial_state: &typical.initial_state,
        events: &events,
        t_end: T_END,
        output_times: &[T_END],
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("threads");
    // The same problem: the typical patient's final tumour burden agrees.
    let ours = typical
        .simulate(&typical.regimens[0], T_END, &[T_END], &options())
        .unwrap();
    let hand = simulate(
        &mut HandWritten::new(&typical.parameter_values),
        &problem,
        &options(),
    )
    .unwrap();
    let burden = |y: &[f64]| y[4] + y[5] + y[6];
    let agreement = (burden(hand.state(0)) / burden(ours.state(0)) - 1.0).abs();
    assert!(
        agreement < 1e-6,
        "the hand-written RHS must be the model: {agreement:e}"
    );
    let mut group = c.benchmark_group("population");
    group.sample_size(10);
    group.bench_function("relapse_cohort", |b| {
        b.iter(|| pool.install(|| cohort.run(0..PATIENTS, &|| ())))
    });
    group.bench_function("compile_and_simulate", |b| {
        b.iter(|| {
            pool.install(|| {
                values
                    .par_iter()
                    .map(|v| {
                        let compiled = model.compile_values(v).unwrap();
                        compiled
                            .simulate(&compiled.regimens[0], T_END, &[T_END], &options())
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    group.bench_function("handwritten_rhs", |b| {
        b.iter(|| {
            pool.install(|| {
                values
                    .par_iter()
                    .map(|v| simulate(&mut HandWritten::new(v), &problem, &options()).unwrap())
                    .collect::<Vec<_>>()
            })
        })
    });
    let dir = tempfile::tempdir().expect("temporary folder");
    let model_file = dir.path().join("pk_persister_immune_population.toml");
    std::fs::write(&model_file, source()).expect("model written");
    let exe = env!("CARGO_BIN_EXE_relapse");
    group.bench_function("relapse_process", |b| {
        b.iter(|| {
            let status = Command::new(exe)
                .arg("population")
                .arg(&model_file)
                .args(["--patients", "1000", "--jobs", "2", "--method", "dopri5", "--out"])
                .arg(dir.path().join("out"))
                .stderr(Stdio::null())
                .status()
                .expect("relapse runs");
            assert!(status.success());
        })
    });
    group.finish();
}

criterion_group!(benches, population);
criterion_main!(benches);
