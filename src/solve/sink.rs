//! Where the integrator puts the states at the output times: collected into a [`Solution`]
//! (what [`simulate`](super::simulate) returns), or handed on one at a time as the run produces
//! them (to write them out without holding the trajectory in memory).

use super::{SolverStats, SolverWarning};

/// Receives the state at each output time, in time order, while the integrator runs.
pub trait OutputSink {
    /// Takes the state `y` at output time `t`. `Err(Stop)` ends the run at once with
    /// [`SolveError::Stopped`](super::SolveError::Stopped); the sink keeps its own reason.
    fn record(&mut self, t: f64, y: &[f64]) -> Result<(), Stop>;
}

/// A sink's request to end the run (its reason stays with the sink).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// What a run reports besides its outputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSummary {
    /// Work statistics.
    pub stats: SolverStats,
    /// Warnings (e.g. stiffness).
    pub warnings: Vec<SolverWarning>,
}

/// The sink that keeps every output: the times and the states, row after row.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collect {
    pub(crate) times: Vec<f64>,
    pub(crate) states: Vec<f64>,
}

impl Collect {
    /// Room for `rows` outputs of `n` states.
    pub(crate) fn with_capacity(rows: usize, n: usize) -> Self {
        Self {
            times: Vec::with_capacity(rows),
            states: Vec::with_capacity(rows.saturating_mul(n)),
        }
    }
}

impl OutputSink for Collect {
    fn record(&mut self, t: f64, y: &[f64]) -> Result<(), Stop> {
        self.times.push(t);
        self.states.extend_from_slice(y);
        Ok(())
    }
}
