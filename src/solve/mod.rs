//! Integration of a model through a dose schedule: explicit embedded Runge–Kutta methods
//! (DOPRI5, DOP853), the Rosenbrock method Rodas5P for stiff problems, and automatic switching
//! between DOPRI5 and Rodas5P, all with dense output, step-size control and hard stops at every
//! event.
//!
//! Dose semantics: a bolus at time t is applied before integrating forward from t, so output at
//! a dose time shows the post-dose state; several events at one time are applied in schedule
//! order; every bolus time and every infusion start and stop ends an integration segment. A
//! segment shorter than `t` resolves (events a few ulps apart, not merged by a schedule) is
//! crossed in one step.

mod auto;
mod controller;
mod dop853;
mod dopri5;
mod events;
mod integrator;
mod linear;
mod method;
mod observer;
mod options;
mod quadrature;
mod rodas5p;
mod rosenbrock;
mod sink;
mod tableau;
mod windows;

pub use controller::{StepController, StepDecision};
pub use events::{Crossing, EventFunctions, EventLocator, Extremum, Jump};
pub use integrator::{simulate, simulate_into, simulate_into_times, simulate_observed};
pub use observer::{DenseStep, Interpolant, NoObserver, Observer};
pub use options::{Method, SolverOptions, StepMode};
pub use quadrature::WithQuadratures;
pub use sink::{OutputSink, RunSummary, Stop};

use crate::regimen::Event;

/// A system of ODEs `dy/dt = f(t, y)` with a fixed dimension.
pub trait OdeSystem {
    /// Number of states.
    fn dimension(&self) -> usize;
    /// Writes f(t, y) into `dy`; must not allocate on the hot path.
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]);
    /// Number of leading states under error control; the rest (if any) are quadratures that
    /// follow along without influencing the step size.
    fn controlled_dimension(&self) -> usize {
        self.dimension()
    }
    /// Name of state `index`, for error messages.
    fn state_name(&self, index: usize) -> String {
        format!("y[{index}]")
    }
    /// Writes the Jacobian ∂f/∂y at (t, y) into `jac`, row-major over all `dimension()` states
    /// (`jac[i * n + j] = ∂f_i/∂y_j`), and returns true; returns false (leaving `jac` as it
    /// was) if the system has no Jacobian. Implicit methods need it; must not allocate.
    fn jacobian(&mut self, _t: f64, _y: &[f64], _jac: &mut [f64]) -> bool {
        false
    }
    /// Writes ∂f/∂t at (t, y) into `dfdt` and returns true; returns false if unavailable. A
    /// system with a Jacobian and no time partial is treated as autonomous (∂f/∂t = 0) only if
    /// [`OdeSystem::is_autonomous`] says so.
    fn time_partial(&mut self, _t: f64, _y: &[f64], _dfdt: &mut [f64]) -> bool {
        false
    }
    /// True if f does not depend on t explicitly (∂f/∂t ≡ 0).
    fn is_autonomous(&self) -> bool {
        false
    }
}

/// What to integrate: from t = 0 to `t_end`, through `events`, reporting at `output_times`.
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a> {
    /// State at t = 0 before any event.
    pub initial_state: &'a [f64],
    /// Events sorted by time (see [`crate::regimen::Regimen::schedule_until`]); later than
    /// `t_end` ignored.
    pub events: &'a [Event],
    /// End of the interval (time units), > 0.
    pub t_end: f64,
    /// Sorted output times within [0, t_end].
    pub output_times: &'a [f64],
}

/// Work done by the solver in one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SolverStats {
    /// Accepted steps.
    pub accepted_steps: u64,
    /// Rejected step attempts.
    pub rejected_steps: u64,
    /// Right-hand-side evaluations (including initial-step estimates and dense output stages).
    pub rhs_evaluations: u64,
    /// Integration segments (intervals between events).
    pub segments: u64,
    /// Accepted steps taken by the implicit (Rosenbrock) method; the rest were explicit.
    pub implicit_steps: u64,
    /// Changes of method under `auto` (explicit → stiff and back).
    pub method_switches: u64,
    /// Jacobian evaluations (implicit method only).
    pub jacobian_evaluations: u64,
    /// LU factorisations of the iteration matrix (implicit method only).
    pub factorisations: u64,
    /// Newton updates plus fallback intervals spent finding a steady-state start (`ss = true`;
    /// 0 without one). The one-interval integrations they need are not in the counts above.
    pub steady_state_iterations: u64,
}

/// Something worth telling the user that did not stop the run.
#[derive(Debug, Clone, PartialEq)]
pub enum SolverWarning {
    /// Hairer's stiffness test fired repeatedly from time `t` on.
    Stiff {
        /// Time (time units) at which the problem was judged stiff.
        t: f64,
    },
}

/// Solution at the output times.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Output times (time units).
    pub times: Vec<f64>,
    /// States, one row of `state_count` values per output time.
    pub states: Vec<f64>,
    /// Number of states per row.
    pub state_count: usize,
    /// Work statistics.
    pub stats: SolverStats,
    /// Warnings (e.g. stiffness).
    pub warnings: Vec<SolverWarning>,
}

impl Solution {
    /// The state vector at output number `i` (panics if there is no such output).
    pub fn state(&self, i: usize) -> &[f64] {
        &self.states[i * self.state_count..(i + 1) * self.state_count]
    }
}

/// Why a run failed; each variant says when and, where it applies, which state.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// A state became NaN or infinite and smaller steps did not help.
    #[error("state `{state}` became {value} at t = {t}; check the model for division by zero or overflow")]
    NonFiniteState {
        /// Time of the last good state.
        t: f64,
        /// State name.
        state: String,
        /// The non-finite value.
        value: f64,
    },
    /// The right-hand side is NaN or infinite at a state the solver reached.
    #[error(
        "d{state}/dt is {value} at t = {t}; check the equation of `{state}` (log or sqrt of a negative or zero value, division by zero)"
    )]
    NonFiniteDerivative {
        /// Time.
        t: f64,
        /// State name.
        state: String,
        /// The non-finite derivative.
        value: f64,
    },
    /// The integrand of a carried integral (an AUC) is NaN or infinite while the states are
    /// finite: the integrated quantity's own formula is at fault.
    #[error(
        "{integrand} is {value} at t = {t} (it is integrated for its AUC); check its formula (log or sqrt of a negative or zero value, division by zero), e.g. guard it with max(..., 0)"
    )]
    NonFiniteIntegrand {
        /// Time.
        t: f64,
        /// What is integrated, e.g. "output `C`".
        integrand: String,
        /// The non-finite value.
        value: f64,
    },
    /// The stiff method met a Jacobian entry that is NaN or infinite (a formula singular at
    /// the current state, while the right-hand side itself is finite).
    #[error(
        "the Jacobian entry ∂(d{row}/dt)/∂{column} is {value} at t = {t}: the equation of `{row}` is singular there (e.g. x^p at x = 0 or ∞) although d{row}/dt is finite, so the stiff method cannot take a step; use --method auto (it stays explicit where the Jacobian is not finite) or dopri5"
    )]
    NonFiniteJacobian {
        /// Time.
        t: f64,
        /// The state whose derivative is differentiated.
        row: String,
        /// The state (or `t`) it is differentiated by.
        column: String,
        /// The non-finite entry.
        value: f64,
    },
    /// A carried integral (an AUC) overflowed.
    #[error("the integral (AUC) of {integrand} became {value} at t = {t}; check the scale of {integrand}")]
    NonFiniteIntegral {
        /// Time of the last good state.
        t: f64,
        /// What is integrated, e.g. "output `C`".
        integrand: String,
        /// The non-finite value.
        value: f64,
    },
    /// A state grew without bound in finite time: its magnitude rose by more than a factor
    /// 10⁶ in the segment while moving away from zero, until steps could not follow it.
    #[error(
        "state `{state}` grows without bound near t = {t} ({state} = {value:.3e}, d{state}/dt = {derivative:.3e}): finite-time blow-up; check the signs and powers in its equation and the parameter values"
    )]
    BlowUp {
        /// Time reached.
        t: f64,
        /// State name.
        state: String,
        /// Its value there.
        value: f64,
        /// Its derivative there.
        derivative: f64,
    },
    /// A derivative grew without bound while its state stayed moderate: moved at that speed
    /// since the segment began, the state would have changed by more than 10⁶ times its size.
    #[error(
        "the derivative of `{state}` grows without bound near t = {t} (d{state}/dt = {derivative:.3e} while {state} = {value:.3e}): division by a quantity reaching zero? Guard the denominator (e.g. max(x, 1e-12)) or check when it vanishes"
    )]
    UnboundedDerivative {
        /// Time reached.
        t: f64,
        /// State name.
        state: String,
        /// Its value there.
        value: f64,
        /// Its derivative there.
        derivative: f64,
    },
    /// The step size became too small to make progress.
    #[error(
        "step size fell to {h:e} at t = {t} (fastest-changing state `{state}`); {cause}",
        cause = stiff_cause(*stiff_from)
    )]
    StepSizeTooSmall {
        /// Time.
        t: f64,
        /// Step size (time units).
        h: f64,
        /// State with the largest tolerance-weighted derivative at `t`.
        state: String,
        /// Time from which the stiffness test had fired repeatedly, if it had.
        stiff_from: Option<f64>,
    },
    /// The step budget ran out.
    #[error(
        "reached the maximum of {max_steps} steps at t = {t}{advice}",
        advice = budget_advice(*stiff_from)
    )]
    MaxStepsExceeded {
        /// Time.
        t: f64,
        /// The budget.
        max_steps: u64,
        /// Time from which the stiffness test had fired repeatedly, if it had.
        stiff_from: Option<f64>,
    },
    /// The regimen cannot be scheduled for this run.
    #[error(transparent)]
    Schedule(#[from] crate::regimen::ScheduleError),
    /// The options do not fit the problem.
    #[error("invalid solver options: {0}")]
    InvalidOptions(String),
    /// A steady-state dose (`ss = true`) has no periodic state to start from.
    #[error(
        "no periodic steady state under the `ss = true` dose: {states} did not settle ({detail}); list only the states that reach one in `ss_states`, or drop `ss = true`"
    )]
    NoSteadyState {
        /// The states that did not settle, as `` `A`, `B` ``.
        states: String,
        /// What was seen (growth, no convergence).
        detail: String,
    },
    /// The output sink ended the run (see [`OutputSink::record`]); it holds the reason.
    #[error("the output sink stopped the run at t = {t}")]
    Stopped {
        /// The output time the sink refused.
        t: f64,
    },
}

/// What to do about a problem that looked stiff to the explicit method.
const STIFF_ADVICE: &str = "use --method auto (or rodas5p), which switches to the stiff method there, rather than loosening --rtol (auto stays explicit only if the model has no Jacobian)";

fn stiff_cause(stiff_from: Option<f64>) -> String {
    match stiff_from {
        Some(t) => format!(
            "the problem looked stiff from t = {t} on, and explicit steps cannot follow it: {STIFF_ADVICE}"
        ),
        None => "the model may be discontinuous or stiff — try --method auto, a looser --rtol, or check parameter units"
            .to_string(),
    }
}

fn budget_advice(stiff_from: Option<f64>) -> String {
    match stiff_from {
        Some(t) => format!(
            " (the problem looked stiff from t = {t} on: explicit steps are small there); {STIFF_ADVICE}"
        ),
        None => "; raise --max-steps or [solver] max_steps, or loosen --rtol".to_string(),
    }
}

impl SolverWarning {
    /// The warning as a sentence, with advice for a run made with `method`.
    pub fn describe(&self, method: Method) -> String {
        match self {
            Self::Stiff { t } => {
                let advice = match method {
                    // Auto warns only when it cannot switch.
                    Method::Auto => "the model has no Jacobian, so `auto` cannot switch to the stiff method",
                    _ => "use --method auto (or rodas5p) to switch to the stiff method",
                };
                format!(
                    "the problem looks stiff from t = {t} on; explicit steps will be small there: {advice}"
                )
            }
        }
    }
}
