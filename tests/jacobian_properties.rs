//! Property tests: the symbolic Jacobian ∂f/∂y and time partial ∂f/∂t (src/expr/jacobian.rs)
//! equal central differences, for random expressions and for every shipped model (its
//! right-hand side and its AUC integrands) at states along its own trajectory, perturbed.
//!
//! The oracle: D(h) = (f(y + h·e_j) − f(y − h·e_j)) / 2h with h = ∛ε · max(|y_j|, 1), the step
//! that balances the truncation error h²·|f'''|/6 against the rounding error ε·|f|/h, both then
//! of order ε^(2/3) ≈ 4e-11 relative to the scale S = |J| + |f|/max(|y_j|, 1). An entry is
//! compared only where the difference quotient is trustworthy: D(h) and D(h/2) agree to
//! 1e-7·S (their difference estimates the truncation error; near a kink of abs/min/max/if/floor
//! or where the third derivative is huge they disagree, and such points are skipped). There
//! |J − D(h/2)| ≤ 1e-6·S: the oracle's own error is below 1e-7·S, so a wrong derivative rule
//! (a missing factor, a sign) cannot pass, while a correct one never fails. Each test also
//! asserts that most entries were compared, so it cannot pass by skipping.

#[path = "common/expressions.rs"]
mod expressions;

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use relapse::expr::{Graph, Jacobian, NodeId, Program, Scope, lower, parse};
use relapse::model;
use relapse::solve::{EventFunctions, OdeSystem, SolverOptions};

/// How many entries were compared and how many were skipped as untrustworthy.
#[derive(Default, Debug)]
struct Tally {
    compared: usize,
    skipped: usize,
}

/// Compares the symbolic derivative `symbolic` of one function with respect to one variable
/// against central differences of `f` (a function of that variable) at `x`.
fn check(f: &mut dyn FnMut(f64) -> f64, x: f64, symbolic: f64, tally: &mut Tally) -> Result<(), String> {
    let scale_x = x.abs().max(1.0);
    let h = f64::EPSILON.cbrt() * scale_x;
    let quotient = |f: &mut dyn FnMut(f64) -> f64, h: f64| (f(x + h) - f(x - h)) / (2.0 * h);
    let (coarse, fine, value) = (quotient(f, h), quotient(f, h / 2.0), f(x));
    if !(coarse.is_finite() && fine.is_finite() && value.is_finite() && symbolic.is_finite()) {
        tally.skipped += 1;
        return Ok(());
    }
    let scale = symbolic.abs() + value.abs() / scale_x;
    // A piecewise-constant function (floor, ceil, a condition) of a fast-changing argument, e.g.
    // floor(t^t) near t = 10, jumps many times within the difference step, so the quotient
    // measures its argument's slope while the derivative is 0 between the jumps: where a few
    // ulps of x leave f unchanged and the symbolic value is 0, the quotient is no oracle.
    let ulps = 4.0 * f64::EPSILON * scale_x;
    if symbolic == 0.0 && fine != 0.0 && f(x + ulps) == value && f(x - ulps) == value {
        tally.skipped += 1;
        return Ok(());
    }
    if (coarse - fine).abs() > 1e-7 * scale {
        tally.skipped += 1;
        return Ok(());
    }
    tally.compared += 1;
    // Plus an absolute 1e-300: near the subnormal range the differences of f keep fewer than 53
    // significant bits, so a relative tolerance alone cannot hold (5.6e-322 against 0 seen).
    if (symbolic - fine).abs() <= 1e-6 * scale + 1e-300 {
        Ok(())
    } else {
        Err(format!(
            "symbolic {symbolic} vs central difference {fine} at {x} (scale {scale})"
        ))
    }
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("1".to_string()),
        (-5.0..5.0f64).prop_map(|v| format!("{v:.3}")),
    ]
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        number(),
        Just("x".into()),
        Just("y".into()),
        Just("z".into()),
        Just("t".into())
    ]
}

/// Compiles `sources` as functions of (t; x, y, z): the values and their Jacobian.
fn compile(sources: &[String]) -> Option<(Program, Jacobian)> {
    let mut graph = Graph::new();
    let mut scope = Scope::new();
    let time = graph.time();
    scope.bind("t", time);
    for (i, name) in ["x", "y", "z"].iter().enumerate() {
        let s = graph.state(i);
        scope.bind(name, s);
    }
    let mut roots: Vec<NodeId> = Vec::new();
    for src in sources {
        // Constant subexpressions that fold to inf/NaN are rejected by design; skip those.
        roots.push(lower(&parse(src).ok()?, &scope, &mut graph).ok()?);
    }
    let jacobian = Jacobian::compile(&mut graph, &roots, 3).expect("small Jacobian");
    let values = Program::compile(&graph, &roots, 3).expect("small program");
    Some((values, jacobian))
}

#[test]
fn random_expressions_have_the_jacobian_of_central_differences() {
    let mut runner = TestRunner::new(Config {
        cases: 1500,
        ..Config::default()
    });
    let tally = std::cell::RefCell::new(Tally::default());
    let strategy = (
        prop::collection::vec(expressions::expression(leaf().boxed(), 4, 32), 2),
        prop::array::uniform3(-4.0..4.0f64),
        0.0..10.0f64,
    );
    let result = runner.run(&strategy, |(sources, y, t)| {
        let Some((mut values, mut jacobian)) = compile(&sources) else {
            return Ok(());
        };
        let mut jac = [f64::NAN; 6];
        jacobian.eval(t, &y, &mut jac);
        let mut dt = [f64::NAN; 2];
        jacobian.eval_time_partial(t, &y, &mut dt);
        let mut out = [0.0; 2];
        for i in 0..2 {
            for j in 0..3 {
                let mut f = |v: f64| {
                    let mut moved = y;
                    moved[j] = v;
                    values.eval(t, &moved, &mut out);
                    out[i]
                };
                check(&mut f, y[j], jac[i * 3 + j], &mut tally.borrow_mut())
                    .map_err(|e| TestCaseError::fail(format!("∂({})/∂y{j}: {e}", sources[i])))?;
            }
            let mut f = |time: f64| {
                values.eval(time, &y, &mut out);
                out[i]
            };
            check(&mut f, t, dt[i], &mut tally.borrow_mut())
                .map_err(|e| TestCaseError::fail(format!("∂({})/∂t: {e}", sources[i])))?;
        }
        Ok(())
    });
    result.unwrap();
    // Random expressions are often NaN (logs of negatives) or piecewise constant; still, most
    // finite entries must have been compared.
    let tally = tally.into_inner();
    assert!(
        tally.compared > 2000 && tally.compared > tally.skipped,
        "{tally:?}"
    );
}

/// States along the first regimen's trajectory of a model, at 24 times.
fn trajectory(m: &model::CompiledModel, t_end: f64) -> Vec<Vec<f64>> {
    let n = m.state_names.len();
    let times: Vec<f64> = (0..24).map(|k| t_end * k as f64 / 23.0).collect();
    let solution = m
        .simulate(&m.regimens[0], t_end, &times, &SolverOptions::new(n))
        .expect("the shipped model runs");
    solution.states.chunks(n).map(<[f64]>::to_vec).collect()
}

#[test]
fn every_shipped_model_has_the_jacobian_of_central_differences() {
    for path in common::shipped_models() {
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = model::load(&text).unwrap();
        let t_end = parsed.solver.t_end.unwrap_or(100.0);
        let m = parsed.compile(&[]).unwrap();
        let n = m.state_names.len();
        let states = trajectory(&m, t_end);
        let system = std::cell::RefCell::new(m.system());
        let integrands = std::cell::RefCell::new(m.integrands());
        let q = integrands.borrow().count();
        let mut runner = TestRunner::new(Config {
            cases: 64,
            ..Config::default()
        });
        let tally = std::cell::RefCell::new(Tally::default());
        let strategy = (
            0..states.len(),
            prop::collection::vec(-0.5..0.5f64, n),
            0.0..1.0f64,
        );
        let result = runner.run(&strategy, |(k, noise, when)| {
            // A state on the trajectory, each entry scaled by a factor in [e^−0.5, e^0.5].
            let y: Vec<f64> = states[k].iter().zip(&noise).map(|(v, u)| v * u.exp()).collect();
            let t = when * t_end;
            let (mut system, mut integrands) = (system.borrow_mut(), integrands.borrow_mut());
            let mut jac = vec![f64::NAN; n * n];
            prop_assert!(system.jacobian(t, &y, &mut jac));
            let mut dt = vec![f64::NAN; n];
            prop_assert!(system.time_partial(t, &y, &mut dt));
            let mut g_jac = vec![f64::NAN; q * n];
            prop_assert!(integrands.jacobian(t, &y, &mut g_jac));
            let mut g_dt = vec![f64::NAN; q];
            prop_assert!(integrands.time_partial(t, &y, &mut g_dt));
            let mut out = vec![0.0; n.max(q)];
            for j in 0..n {
                for i in 0..n {
                    let mut f = |v: f64| {
                        let mut moved = y.clone();
                        moved[j] = v;
                        system.rhs(t, &moved, &mut out[..n]);
                        out[i]
                    };
                    check(&mut f, y[j], jac[i * n + j], &mut tally.borrow_mut())
                        .map_err(|e| TestCaseError::fail(format!("{}: ∂f{i}/∂y{j}: {e}", path.display())))?;
                }
                for i in 0..q {
                    let mut g = |v: f64| {
                        let mut moved = y.clone();
                        moved[j] = v;
                        integrands.eval(t, &moved, &mut out[..q]);
                        out[i]
                    };
                    check(&mut g, y[j], g_jac[i * n + j], &mut tally.borrow_mut())
                        .map_err(|e| TestCaseError::fail(format!("{}: ∂g{i}/∂y{j}: {e}", path.display())))?;
                }
            }
            for i in 0..n {
                let mut f = |time: f64| {
                    system.rhs(time, &y, &mut out[..n]);
                    out[i]
                };
                check(&mut f, t, dt[i], &mut tally.borrow_mut())
                    .map_err(|e| TestCaseError::fail(format!("{}: ∂f{i}/∂t: {e}", path.display())))?;
            }
            Ok(())
        });
        result.unwrap();
        let tally = tally.into_inner();
        eprintln!("TALLY {tally:?}");
        assert!(
            tally.compared > 10 * tally.skipped,
            "{}: too many entries skipped: {tally:?}",
            path.display()
        );
    }
}
