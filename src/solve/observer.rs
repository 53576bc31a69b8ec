//! Watching an integration as it happens: every accepted step with its dense output, and every
//! jump of the state at an event. Metrics and event location are built on this, so they see the
//! solution between output times and never change the steps taken.

/// Evaluation of the continuous solution inside the last accepted step.
pub trait Interpolant {
    /// The state at `t0 + θ·(t1 − t0)`, θ ∈ [0, 1], into `out` (all states).
    fn interpolate(&self, theta: f64, out: &mut [f64]);
}

/// One accepted step: its interval, end states and dense output.
pub struct DenseStep<'a> {
    /// Start of the step (time units).
    pub t0: f64,
    /// End of the step (time units).
    pub t1: f64,
    /// State at `t0`.
    pub y0: &'a [f64],
    /// State at `t1`.
    pub y1: &'a [f64],
    /// Infusion input per state (amount per time unit) during this step.
    pub rates: &'a [f64],
    pub(crate) interpolant: &'a dyn Interpolant,
}

impl DenseStep<'_> {
    /// The state at time `t` in `[t0, t1]` from the dense output (exact end states at the ends).
    pub fn state_at(&self, t: f64, out: &mut [f64]) {
        if t <= self.t0 {
            out.copy_from_slice(self.y0);
        } else if t >= self.t1 {
            out.copy_from_slice(self.y1);
        } else {
            self.interpolant
                .interpolate((t - self.t0) / (self.t1 - self.t0), out);
        }
    }
}

/// Receives the course of an integration. All methods default to doing nothing.
pub trait Observer {
    /// True if [`Observer::step`] should be called (it needs dense output on every step).
    fn wants_dense(&self) -> bool {
        true
    }
    /// The state at t = 0 before any event.
    fn initial(&mut self, _t: f64, _y: &[f64]) {}
    /// Events at time `t` changed the state from `before` to `after`.
    fn jump(&mut self, _t: f64, _before: &[f64], _after: &[f64]) {}
    /// An accepted step.
    fn step(&mut self, _step: &DenseStep<'_>) {}
    /// Asked just before a bolus or an infusion start at time `t` is applied (after every
    /// step up to `t` has been observed): false skips it (state-triggered dosing). Infusion
    /// stops are not asked; the stop of a skipped start does nothing.
    fn admit(&mut self, _t: f64, _event: &crate::regimen::Event) -> bool {
        true
    }
}

/// Observes nothing (and so asks for no dense output).
pub struct NoObserver;

impl Observer for NoObserver {
    fn wants_dense(&self) -> bool {
        false
    }
}
