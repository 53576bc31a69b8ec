//! Observed order of convergence in fixed-step mode on y' = y·cos t, y(0) = 1, whose exact
//! solution is y = exp(sin t) (smooth, non-autonomous, no dose events).
//!
//! Halving h must divide the global error at t_end by 2^p. We fit p from successive halvings
//! over h ranges chosen in the asymptotic regime (errors well above round-off, ~1e-13):
//! DOPRI5 with h = 0.25 … 0.03125 (at h = 0.5 it is still pre-asymptotic, p ≈ 3.8) on [0, 10] must show p within [4.7, 5.4]; DOP853 with
//! h = 1 … 0.25 must show p within [7.5, 8.7]. Wrong tableau coefficients drop p to ≤ 4.

use relapse::solve::{Method, OdeSystem, Problem, SolverOptions, StepMode, simulate};

struct ExpSin;

impl OdeSystem for ExpSin {
    fn dimension(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = y[0] * t.cos();
    }
}

fn global_error(method: Method, h: f64, t_end: f64) -> f64 {
    let mut options = SolverOptions::new(1);
    options.method = method;
    options.mode = StepMode::Fixed(h);
    let problem = Problem {
        initial_state: &[1.0],
        events: &[],
        t_end,
        output_times: &[t_end],
    };
    let sol = simulate(&mut ExpSin, &problem, &options).unwrap();
    (sol.states[0] - t_end.sin().exp()).abs()
}

fn observed_orders(method: Method, steps: &[f64], t_end: f64) -> Vec<f64> {
    let errors: Vec<f64> = steps.iter().map(|&h| global_error(method, h, t_end)).collect();
    errors.windows(2).map(|e| (e[0] / e[1]).log2()).collect()
}

#[test]
fn dopri5_converges_with_order_five() {
    let orders = observed_orders(Method::Dopri5, &[0.25, 0.125, 0.0625, 0.03125], 10.0);
    for p in &orders {
        assert!((4.7..=5.4).contains(p), "observed orders {orders:?}");
    }
}

#[test]
fn dop853_converges_with_order_eight() {
    let orders = observed_orders(Method::Dop853, &[1.0, 0.5, 0.25], 10.0);
    for p in &orders {
        assert!((7.5..=8.7).contains(p), "observed orders {orders:?}");
    }
}

#[test]
fn dense_output_has_the_documented_order() {
    // Interpolated values between fixed steps: DOPRI5's continuous extension is 4th order, so
    // the interpolation error must fall by ≥ 2^3.7 per halving (it adds to the 5th-order error).
    let error_at = |h: f64| {
        let mut options = SolverOptions::new(1);
        options.mode = StepMode::Fixed(h);
        let times: Vec<f64> = (0..40).map(|i| 0.123 + f64::from(i) * 0.237).collect();
        let problem = Problem {
            initial_state: &[1.0],
            events: &[],
            t_end: 10.0,
            output_times: &times,
        };
        let sol = simulate(&mut ExpSin, &problem, &options).unwrap();
        sol.times
            .iter()
            .zip(&sol.states)
            .map(|(t, y)| (y - t.sin().exp()).abs())
            .fold(0.0, f64::max)
    };
    let (e1, e2) = (error_at(0.2), error_at(0.1));
    assert!((e1 / e2).log2() >= 3.7, "dense errors {e1:e} → {e2:e}");
}
