//! Snapshots of the solver's work on shipped models, so a change that silently doubles the
//! work (or the bytecode) shows up as a failing test and a diff to explain. The numbers are what
//! this implementation does today (DOPRI5 with Hairer's controller, lazy dense output), not a
//! reference: update them deliberately, with the reason in the commit.

mod common;

use relapse::solve::{Method, SolverOptions, SolverStats};

fn stats(method: Method) -> SolverStats {
    let source = std::fs::read_to_string("models/pk_oral_1cpt.toml").unwrap();
    let model = relapse::model::load(&source).unwrap();
    let compiled = model.compile(&[]).unwrap();
    let mut options = SolverOptions::new(2);
    options.method = method;
    options.rtol = 1e-8;
    options.atol = vec![1e-10; 2];
    let times: Vec<f64> = (0..=84).map(|i| f64::from(i) * 0.25).collect();
    compiled
        .simulate(&compiled.regimens[0], 21.0, &times, &options)
        .unwrap()
        .stats
}

#[test]
fn dopri5_work_on_the_oral_pk_model() {
    let s = stats(Method::Dopri5);
    // 6 evaluations per attempt (first same as last) + 2 per segment (k1 and the initial-step probe).
    assert_eq!(
        s.rhs_evaluations,
        6 * (s.accepted_steps + s.rejected_steps) + 2 * s.segments
    );
    assert_eq!((s.accepted_steps, s.rejected_steps, s.segments), (1930, 0, 14));
}

#[test]
fn dop853_work_on_the_oral_pk_model() {
    let s = stats(Method::Dop853);
    assert_eq!(
        (s.accepted_steps, s.rejected_steps, s.segments, s.rhs_evaluations),
        (373, 5, 14, 4730)
    );
}

#[test]
fn benchmark_rhs_compiles_to_24_instructions() {
    let source = std::fs::read_to_string("benches/models/pk_persister_immune.toml").unwrap();
    let compiled = relapse::model::load(&source).unwrap().compile(&[]).unwrap();
    // 7 equations, 3 derived values, 20 parameters folded; fused multiply-add style instructions.
    assert_eq!(compiled.rhs.instruction_count(), 24);
}
