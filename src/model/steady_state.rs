//! Steady-state starts (`ss = true`, NONMEM's SS=1): the state just before a dose that has been
//! given every `interval` forever, found directly as the fixed point y = Φ(y) of the flow Φ over
//! one interval with the dose in it.
//!
//! Newton's method on F(y) = Φ(y) − y over the listed states (the others keep their initial
//! values), with the Jacobian ∂Φ/∂y by forward differences of Φ integrated at a tight tolerance.
//! If Newton does not converge, Φ is applied repeatedly (at most [`MAX_FALLBACK_INTERVALS`]).
//! A fixed point is accepted only if it attracts: the spectral radius of ∂Φ/∂y, estimated by
//! repeated squaring, must not exceed 1 (a growing model has a fixed point, but an unstable,
//! often negative one, that no dosing history reaches).
//!
//! Only the `ss` dose line enters Φ: other dose lines of the regimen start at their own times.

use super::CompiledModel;
use crate::regimen::{Dose, Regimen};
use crate::solve::{Problem, SolveError, SolverOptions};

/// Newton updates tried before the fallback.
const MAX_NEWTON: u64 = 30;
/// Intervals the fallback may simulate (it is a fallback, never the method).
const MAX_FALLBACK_INTERVALS: u64 = 1000;
/// Relative tolerance of the one-interval integrations.
const FLOW_RTOL: f64 = 1e-12;
/// Relative size of the finite-difference steps (the flow is computed to 1e-12, so the
/// Jacobian is good to ~1e-7 relative, enough for Newton to converge in a few updates).
const FD_STEP: f64 = 1e-5;
/// Convergence: |Φ(y) − y| ≤ SETTLED · |y| + atol in every listed state.
const SETTLED: f64 = 1e-11;
/// Squarings of ∂Φ/∂y in the spectral-radius estimate (power 2^40).
const SQUARINGS: u32 = 40;
/// Tolerated excess of the spectral radius over 1 (finite-difference noise is ~1e-7).
const GROWTH_MARGIN: f64 = 1e-6;

impl CompiledModel {
    /// The state the run of `regimen` starts from at t = 0: the initial state, or with an
    /// `ss = true` dose its periodic steady state; also the iterations spent finding it.
    pub fn start_state(
        &self,
        regimen: &Regimen,
        options: &SolverOptions,
    ) -> Result<(Vec<f64>, u64), SolveError> {
        match regimen.doses.iter().find(|d| d.steady_state.is_some()) {
            None => Ok((self.initial_state.clone(), 0)),
            Some(dose) => SteadyState::new(self, dose, options)?.solve(),
        }
    }
}

struct SteadyState<'a> {
    model: &'a CompiledModel,
    one_dose: Regimen,
    interval: f64,
    states: Vec<usize>,
    options: SolverOptions,
}

impl<'a> SteadyState<'a> {
    fn new(model: &'a CompiledModel, dose: &Dose, options: &SolverOptions) -> Result<Self, SolveError> {
        let interval = dose.interval;
        let end = dose.lag + dose.duration().unwrap_or(0.0);
        let within = if dose.infusion.is_some() {
            end <= interval
        } else {
            end < interval
        };
        if !(interval > 0.0 && within) {
            return Err(SolveError::InvalidOptions(format!(
                "a steady-state dose must be over (lag {} + infusion {}) within its interval {interval}; shorten the infusion or the lag",
                dose.lag,
                dose.duration().unwrap_or(0.0)
            )));
        }
        let mut options = options.clone();
        options.rtol = options.rtol.min(FLOW_RTOL);
        for a in &mut options.atol {
            *a = a.min(FLOW_RTOL);
        }
        let one_dose = Regimen {
            name: "steady state".to_string(),
            title: None,
            doses: vec![Dose {
                start: 0.0,
                count: 1,
                cycle: None,
                steady_state: None,
                ..dose.clone()
            }],
            adaptive: None,
        };
        Ok(Self {
            model,
            one_dose,
            interval,
            states: dose.steady_state.clone().unwrap_or_default(),
            options,
        })
    }

    /// Φ(y): the state after one interval with the dose in it.
    fn flow(&self, y: &[f64]) -> Result<Vec<f64>, SolveError> {
        let events = self.one_dose.schedule_until(self.interval)?;
        let times = [self.interval];
        let problem = Problem {
            initial_state: y,
            events: &events,
            t_end: self.interval,
            output_times: &times,
        };
        let solution = crate::solve::simulate(&mut self.model.system(), &problem, &self.options)?;
        let n = y.len();
        let last = solution.times.len().checked_sub(1).ok_or_else(|| {
            SolveError::InvalidOptions("the one-interval run recorded no state".to_string())
        })?;
        Ok(solution.states[last * n..(last + 1) * n].to_vec())
    }

    /// Φ(y) − y in the listed states, and whether every one is within tolerance.
    fn residual(&self, y: &[f64], phi: &[f64]) -> (Vec<f64>, bool) {
        let r: Vec<f64> = self.states.iter().map(|&i| phi[i] - y[i]).collect();
        let settled = self
            .states
            .iter()
            .zip(&r)
            .all(|(&i, ri)| ri.abs() <= SETTLED * y[i].abs().max(phi[i].abs()) + self.options.atol[i]);
        (r, settled)
    }

    fn solve(&self) -> Result<(Vec<f64>, u64), SolveError> {
        let mut y = self.model.initial_state.clone();
        let mut iterations = 0;
        while iterations < MAX_NEWTON {
            let phi = self.flow(&y)?;
            let (r, settled) = self.residual(&y, &phi);
            let jacobian = self.jacobian(&y, &phi)?;
            if settled {
                self.check_attracting(&jacobian)?;
                return Ok((y, iterations));
            }
            let mut a: Vec<f64> = jacobian.clone();
            let m = self.states.len();
            for j in 0..m {
                a[j * m + j] -= 1.0;
            }
            let mut step: Vec<f64> = r.iter().map(|x| -x).collect();
            if !solve_linear(&mut a, &mut step, m) {
                break;
            }
            for (&i, d) in self.states.iter().zip(&step) {
                y[i] += d;
            }
            iterations += 1;
            if y.iter().any(|v| !v.is_finite()) {
                break;
            }
        }
        self.fallback(iterations)
    }

    /// Repeated intervals from the initial state, at most [`MAX_FALLBACK_INTERVALS`].
    fn fallback(&self, newton: u64) -> Result<(Vec<f64>, u64), SolveError> {
        let mut y = self.model.initial_state.clone();
        let mut last = Vec::new();
        for k in 1..=MAX_FALLBACK_INTERVALS {
            let phi = self.flow(&y)?;
            let (r, settled) = self.residual(&y, &phi);
            if settled {
                return Ok((y, newton + k));
            }
            last = r;
            for &i in &self.states {
                y[i] = phi[i];
            }
        }
        let names = self
            .states
            .iter()
            .zip(&last)
            .filter(|&(&i, r)| r.abs() > SETTLED * y[i].abs() + self.options.atol[i])
            .map(|(&i, _)| i);
        Err(SolveError::NoSteadyState {
            states: self.names(names),
            detail: format!(
                "Newton's method did not converge in {newton} updates, nor {MAX_FALLBACK_INTERVALS} repeated intervals"
            ),
        })
    }

    /// ∂Φ/∂y over the listed states (row-major, m × m), by forward differences.
    fn jacobian(&self, y: &[f64], phi: &[f64]) -> Result<Vec<f64>, SolveError> {
        let m = self.states.len();
        let scale = self
            .states
            .iter()
            .map(|&i| phi[i].abs().max(y[i].abs()))
            .fold(0.0, f64::max);
        let mut jac = vec![0.0; m * m];
        let mut shifted = y.to_vec();
        for (col, &j) in self.states.iter().enumerate() {
            let h = FD_STEP * y[j].abs().max(scale).max(f64::MIN_POSITIVE.sqrt());
            shifted[j] = y[j] + h;
            let moved = self.flow(&shifted)?;
            shifted[j] = y[j];
            for (row, &i) in self.states.iter().enumerate() {
                jac[row * m + col] = (moved[i] - phi[i]) / h;
            }
        }
        Ok(jac)
    }

    /// Fails if the spectral radius of ∂Φ/∂y exceeds 1 (+ margin): the fixed point repels.
    fn check_attracting(&self, jacobian: &[f64]) -> Result<(), SolveError> {
        let m = self.states.len();
        let (rho, direction) = spectral_radius(jacobian, m);
        if rho <= 1.0 + GROWTH_MARGIN {
            return Ok(());
        }
        let peak = direction.iter().fold(0.0_f64, |a, &b| a.max(b));
        let growing = self
            .states
            .iter()
            .zip(&direction)
            .filter(|&(_, &w)| w >= 1e-3 * peak)
            .map(|(&i, _)| i);
        Err(SolveError::NoSteadyState {
            states: self.names(growing),
            detail: format!("they grow by a factor {rho:.6} per interval"),
        })
    }

    fn names(&self, indices: impl Iterator<Item = usize>) -> String {
        let names: Vec<String> = indices
            .map(|i| format!("`{}`", self.model.state_names[i]))
            .collect();
        if names.is_empty() {
            "the listed states".to_string()
        } else {
            names.join(", ")
        }
    }
}

/// Estimates the spectral radius of the m × m matrix `a` as ‖a^(2^K)‖^(1/2^K) (Gelfand's
/// formula) by renormalised repeated squaring, and the row weights of the last power (which
/// states carry the dominant mode).
fn spectral_radius(a: &[f64], m: usize) -> (f64, Vec<f64>) {
    let norm = |b: &[f64]| b.iter().fold(0.0_f64, |acc, x| acc.max(x.abs()));
    let mut b = a.to_vec();
    let mut log_norm = 0.0;
    let mut power = 1.0;
    for _ in 0..SQUARINGS {
        let n = norm(&b);
        if n == 0.0 || !n.is_finite() {
            return (if n == 0.0 { 0.0 } else { f64::INFINITY }, vec![1.0; m]);
        }
        for x in &mut b {
            *x /= n;
        }
        log_norm += n.ln() / power;
        let mut c = vec![0.0; m * m];
        for i in 0..m {
            for k in 0..m {
                let bik = b[i * m + k];
                for j in 0..m {
                    c[i * m + j] += bik * b[k * m + j];
                }
            }
        }
        b = c;
        power *= 2.0;
    }
    let n = norm(&b);
    let rho = (log_norm
        + if n > 0.0 {
            n.ln() / power
        } else {
            f64::NEG_INFINITY
        })
    .exp();
    let rows = (0..m).map(|i| norm(&b[i * m..(i + 1) * m])).collect();
    (rho, rows)
}

/// Solves a·x = b (a row-major m × m, overwritten) by Gaussian elimination with partial
/// pivoting; false if a is singular to working precision.
fn solve_linear(a: &mut [f64], b: &mut [f64], m: usize) -> bool {
    for col in 0..m {
        let pivot = (col..m).max_by(|&p, &q| a[p * m + col].abs().total_cmp(&a[q * m + col].abs()));
        let Some(p) = pivot else { return false };
        if a[p * m + col] == 0.0 || a[p * m + col].is_nan() {
            return false;
        }
        for k in 0..m {
            a.swap(col * m + k, p * m + k);
        }
        b.swap(col, p);
        for row in col + 1..m {
            let f = a[row * m + col] / a[col * m + col];
            for k in col..m {
                a[row * m + k] -= f * a[col * m + k];
            }
            b[row] -= f * b[col];
        }
    }
    for row in (0..m).rev() {
        let s: f64 = (row + 1..m).map(|k| a[row * m + k] * b[k]).sum();
        b[row] = (b[row] - s) / a[row * m + row];
    }
    b.iter().all(|x| x.is_finite())
}
