//! Scale benchmarks (issue 10), ratios within one run:
//! - transit chains of 10 … 20,000 states: load, compile, native compile (the right-hand side)
//!   and solve (native code, DOPRI5) time, as throughput per state;
//! - the solve against `ode_solvers` (DOPRI5, fixed-size `SVector`) on a hand-written chain at
//!   n = 10 and 50, our side the TOML model on native code;
//! - daily dosing for 1, 10 and 30 years (throughput per dose).
//!
//! Run: `cargo bench --bench scale -- --warm-up-time 1 --measurement-time 3`.

#[path = "../tests/common/chain.rs"]
mod chain;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ode_solvers::{Dopri5, OutputType, SVector, System};
use relapse::expr::NativeProgram;
use relapse::model::{self, CompiledModel, Engine};
use relapse::solve::{Method, SolverOptions};

const SIZES: [usize; 6] = [10, 50, 200, 1_000, 5_000, 20_000];
/// Chain runs end at t = 1 (the first compartments move, the tail stays ~0).
const T_END: f64 = 1.0;
const RTOL: f64 = 1e-8;
const ATOL: f64 = 1e-10;

fn compiled(source: &str, engine: Engine) -> CompiledModel {
    let m = model::load(source).expect("generated model loads");
    let c = m.compile(&[]).expect("generated model compiles");
    c.use_engine(engine).expect("engine available");
    c
}

fn options(n: usize) -> SolverOptions {
    let mut o = SolverOptions::new(n);
    o.rtol = RTOL;
    o.atol = vec![ATOL; n];
    o
}

fn chains(c: &mut Criterion) {
    let mut group = c.benchmark_group("chain");
    group.sample_size(10);
    for n in SIZES {
        let source = chain::chain_toml(n, T_END, T_END, 0);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("load", n), &source, |b, s| {
            b.iter(|| model::load(black_box(s)).unwrap());
        });
        let loaded = model::load(&source).unwrap();
        group.bench_with_input(BenchmarkId::new("compile", n), &loaded, |b, m| {
            b.iter(|| m.compile(&[]).unwrap());
        });
        group.bench_with_input(BenchmarkId::new("native_compile", n), &loaded, |b, m| {
            let c = m.compile(&[]).unwrap();
            b.iter(|| NativeProgram::compile(black_box(&c.rhs)).unwrap());
        });
        let model = compiled(&source, Engine::Jit);
        let mut o = options(n);
        o.method = Method::Dopri5;
        group.bench_with_input(BenchmarkId::new("solve", n), &model, |b, m| {
            b.iter(|| m.simulate(&m.regimens[0], T_END, &[T_END], &o).unwrap());
        });
    }
    group.finish();
}

struct Chain<const N: usize>;

impl<const N: usize> System<f64, SVector<f64, N>> for Chain<N> {
    fn system(&self, _t: f64, y: &SVector<f64, N>, dy: &mut SVector<f64, N>) {
        dy[0] = -y[0];
        for i in 1..N {
            dy[i] = y[i - 1] - y[i];
        }
    }
}

fn against_ode_solvers<const N: usize>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("ode_solvers_chain_{N}"));
    let source = chain::chain_toml(N, T_END, T_END, 0);
    let model = compiled(&source, Engine::Jit);
    // The model's own `method = "dopri5"`, as `relapse simulate` runs it: the same method as
    // the oracle. `auto` (the default when a model names none) also runs the stiffness test on
    // every step, where DOPRI5 runs it every thousandth.
    let mut o = options(N);
    o.method = Method::Dopri5;
    group.bench_function("relapse_jit", |b| {
        b.iter(|| model.simulate(&model.regimens[0], T_END, &[T_END], &o).unwrap());
    });
    o.method = Method::Auto;
    group.bench_function("relapse_jit_auto", |b| {
        b.iter(|| model.simulate(&model.regimens[0], T_END, &[T_END], &o).unwrap());
    });
    group.bench_function("ode_solvers_svector", |b| {
        b.iter(|| {
            let mut y0 = SVector::<f64, N>::zeros();
            y0[0] = 1.0;
            let mut s = Dopri5::new(Chain::<N>, 0.0, T_END, T_END, y0, RTOL, ATOL);
            s.set_output(OutputType::Sparse);
            s.integrate().unwrap()
        });
    });
    group.finish();
}

fn dosing(c: &mut Criterion) {
    let mut group = c.benchmark_group("daily_dosing");
    group.sample_size(10);
    for years in [1_u32, 10, 30] {
        let days = 365 * years;
        let source = chain::chain_toml(2, f64::from(days), 1.0, days as usize);
        let model = compiled(&source, Engine::Jit);
        let o = options(2);
        let times: Vec<f64> = (0..=days).map(f64::from).collect();
        group.throughput(Throughput::Elements(u64::from(days)));
        group.bench_function(BenchmarkId::new("years", years), |b| {
            b.iter(|| {
                model
                    .simulate(&model.regimens[0], f64::from(days), &times, &o)
                    .unwrap()
            });
        });
    }
    group.finish();
}

fn scale(c: &mut Criterion) {
    chains(c);
    against_ode_solvers::<10>(c);
    against_ode_solvers::<50>(c);
    dosing(c);
}

criterion_group!(benches, scale);
criterion_main!(benches);
