//! Dose semantics with exact answers: on a model without elimination (dX/dt = 0 except for
//! infusions) every amount is a sum of doses, and an infusion adds rate × elapsed time, so the
//! expected values are exact up to rounding (tolerance 1e-12 relative). Every test runs under
//! each method: DOPRI5, Rodas5P and auto.

mod common;

use common::{assert_close, compile};
use relapse::model::{CompiledModel, ModelSystem};
use relapse::solve::{Method, OdeSystem, Problem, Solution, SolverOptions};

const METHODS: [Method; 3] = [Method::Dopri5, Method::Rodas5P, Method::Auto];

/// A compiled linear model with its (constant) Jacobian given by hand, so that the stiff method
/// can run on it while compiled models have no Jacobian of their own.
struct WithJacobian {
    system: ModelSystem,
    jacobian: Vec<f64>,
}

impl OdeSystem for WithJacobian {
    fn dimension(&self) -> usize {
        self.system.dimension()
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        self.system.rhs(t, y, dy);
    }
    fn jacobian(&mut self, _t: f64, _y: &[f64], jac: &mut [f64]) -> bool {
        jac.copy_from_slice(&self.jacobian);
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

/// Simulates regimen `index` of the linear model `m` (Jacobian `jacobian`) under `method`.
fn run(
    m: &CompiledModel,
    (index, jacobian): (usize, &[f64]),
    t_end: f64,
    times: &[f64],
    options: &SolverOptions,
) -> Solution {
    let events = m.regimens[index].schedule_until(t_end).unwrap();
    let problem = Problem {
        initial_state: &m.initial_state,
        events: &events,
        t_end,
        output_times: times,
    };
    let mut system = WithJacobian {
        system: m.system(),
        jacobian: jacobian.to_vec(),
    };
    relapse::solve::simulate(&mut system, &problem, options).expect("simulation succeeds")
}

fn with_method(mut options: SolverOptions, method: Method) -> SolverOptions {
    options.method = method;
    options
}

const MODEL: &str = r#"
[model]
name = "accumulator"
[parameters]
F = 0.5
[states]
X = 0
Y = 0
[equations]
X = "0"
Y = "0"
[regimens.simultaneous]
doses = [ { target = "X", amount = 10, start = 2 }, { target = "X", amount = 5, start = 2 } ]
[regimens.lagged]
doses = [ { target = "X", amount = 10, start = 1, lag = 0.5, bioavailability = "F" } ]
[regimens.by_rate]
doses = [ { target = "Y", amount = 10, start = 1, rate = 4, bioavailability = "F" } ]
[regimens.by_duration]
doses = [ { target = "Y", amount = 10, start = 1, duration = 2, bioavailability = "F" } ]
[regimens.at_end]
doses = [ { target = "X", amount = 7, start = 4 } ]
[regimens.overlap]
doses = [ { target = "Y", amount = 12, start = 0, duration = 3, interval = 2, count = 2 } ]
"#;

fn at(method: Method, regimen: usize, times: &[f64]) -> Vec<(f64, f64)> {
    let m = compile(MODEL);
    let options = with_method(SolverOptions::new(2), method);
    let sol = run(&m, (regimen, &[0.0; 4]), 4.0, times, &options);
    (0..sol.times.len())
        .map(|i| (sol.state(i)[0], sol.state(i)[1]))
        .collect()
}

#[test]
fn simultaneous_doses_add_and_output_at_a_dose_time_is_post_dose() {
    for method in METHODS {
        let v = at(method, 0, &[0.0, 1.999, 2.0, 3.0]);
        assert_eq!(v[1].0, 0.0, "{method:?}");
        assert_eq!(
            v[2].0, 15.0,
            "{method:?}: output at the dose time shows both doses"
        );
        assert_eq!(v[3].0, 15.0, "{method:?}");
    }
}

#[test]
fn lag_delays_and_bioavailability_scales_a_bolus() {
    for method in METHODS {
        let v = at(method, 1, &[1.0, 1.49, 1.5, 4.0]);
        assert_eq!(v[0].0, 0.0, "{method:?}");
        assert_eq!(v[1].0, 0.0, "{method:?}");
        assert_eq!(v[2].0, 5.0, "{method:?}");
        assert_eq!(v[3].0, 5.0, "{method:?}");
    }
}

#[test]
fn bioavailability_scales_infusion_duration_by_rate_and_rate_by_duration() {
    for method in METHODS {
        // By rate 4: amount 10·0.5 = 5 takes 1.25 time units; at t = 2 it has delivered 4.
        let by_rate = at(method, 2, &[2.0, 2.25, 4.0]);
        assert_close(by_rate[0].1, 4.0, 1e-12, 1.0, "rate: Y(2)");
        assert_close(by_rate[1].1, 5.0, 1e-12, 1.0, "rate: Y(2.25)");
        // By duration 2: rate is 5/2; at t = 2 it has delivered 2.5, all 5 by t = 3.
        let by_duration = at(method, 3, &[2.0, 4.0]);
        assert_close(by_duration[0].1, 2.5, 1e-12, 1.0, "duration: Y(2)");
        assert_close(by_duration[1].1, 5.0, 1e-12, 1.0, "duration: Y(4)");
    }
}

#[test]
fn a_dose_at_t_end_is_applied_before_the_last_output() {
    for method in METHODS {
        let v = at(method, 4, &[3.5, 4.0]);
        assert_eq!(v[0].0, 0.0, "{method:?}");
        assert_eq!(v[1].0, 7.0, "{method:?}");
    }
}

#[test]
fn overlapping_infusions_add_their_rates() {
    for method in METHODS {
        // Two infusions of 4/h on [0,3] and [2,5]: Y(2) = 8, Y(3) = 8 + 4 + 4 = 16, Y(4) = 20.
        let v = at(method, 5, &[2.0, 3.0, 4.0]);
        assert_close(v[0].1, 8.0, 1e-12, 1.0, "Y(2)");
        assert_close(v[1].1, 16.0, 1e-12, 1.0, "Y(3)");
        assert_close(v[2].1, 20.0, 1e-12, 1.0, "Y(4)");
    }
}

/// Y' = 0 (an accumulator) with the regimen's doses given by `doses`; Y at `t`.
fn accumulated(method: Method, doses: &str, t: f64) -> f64 {
    let toml = format!(
        "[model]\nname = \"a\"\n[states]\nY = 0\n[equations]\nY = \"0\"\n[regimens.r]\ndoses = [ {doses} ]\n"
    );
    let m = compile(&toml);
    let options = with_method(SolverOptions::new(1), method);
    run(&m, (0, &[0.0]), t, &[t], &options).state(0)[0]
}

#[test]
fn degenerate_infusions_deliver_their_whole_amount_as_a_bolus() {
    for method in METHODS {
        // At t = 1e6 an ulp is 1.2e-10. Rate 1e20 lasts 1e-19 (stop == start: the whole amount used
        // to be lost); 1e-10 is under the resolution 16·ε·1e6 ≈ 3.6e-9 (it used to fail as "step
        // size fell"). Both become a bolus of 10. 1e-8 stays an infusion, whose rate is set on the
        // rounded stop time, so it delivers 10 too.
        for infusion in ["rate = 1e20", "duration = 1e-10", "duration = 1e-8"] {
            let doses = format!("{{ target = \"Y\", amount = 10, start = 1e6, {infusion} }}");
            assert_close(accumulated(method, &doses, 1e6 + 1.0), 10.0, 1e-12, 1.0, infusion);
        }
        // At t = 0 nothing is below the resolution: a 1e-300 infusion is integrated (rate 1e301).
        let tiny = "{ target = \"Y\", amount = 10, duration = 1e-300 }";
        assert_close(
            accumulated(method, tiny, 1.0),
            10.0,
            1e-12,
            1.0,
            "1e-300 at t = 0",
        );
    }
}

#[test]
fn doses_meant_to_coincide_are_given_at_one_time() {
    for method in METHODS {
        // 0 + 3·0.1 = 0.30000000000000004 ≠ 0.3: the two dose lines used to leave a one-ulp segment
        // that failed as "step size fell". With X' = −X, X(1) = Σₖ e^{−(1 − 0.1k)} + e^{−0.7}.
        let toml = "[model]\nname = \"d\"\n[states]\nX = 0\n[equations]\nX = \"-X\"\n[regimens.r]\n\
                    doses = [ { target = \"X\", amount = 1, interval = 0.1, count = 10 },\n\
                    { target = \"X\", amount = 1, start = 0.3 } ]\n";
        let m = compile(toml);
        let mut options = SolverOptions::new(1);
        options.rtol = 1e-10;
        options.atol = vec![1e-12];
        let x = run(
            &m,
            (0, &[-1.0]),
            1.0,
            &[1.0],
            &with_method(options.clone(), method),
        )
        .state(0)[0];
        let expected: f64 =
            (0..10).map(|k| (-(1.0 - 0.1 * f64::from(k))).exp()).sum::<f64>() + (-0.7_f64).exp();
        assert_close(x, expected, 1e-8, 1.0, "X(1)");
    }
}
