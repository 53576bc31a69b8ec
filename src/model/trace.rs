//! A dense trace of a run for plotting: the outputs (and the relapse observable) at every step
//! end, on a fine uniform grid interpolated from the dense output, and on both sides of every
//! dose jump, so that jumps and peaks between output times are drawn as they are.

use super::CompiledModel;
use crate::expr::Program;
use crate::regimen::Regimen;
use crate::solve::{
    DenseStep, Observer, Problem, SolveError, SolverOptions, SolverWarning, simulate_observed,
};

/// Output values along a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trace {
    /// Times, non-decreasing (a jump appears as two points at one time).
    pub times: Vec<f64>,
    /// One row per time: the outputs, then the relapse observable if the model has one.
    pub rows: Vec<Vec<f64>>,
    /// The solver's warnings for the run (e.g. stiffness).
    pub warnings: Vec<SolverWarning>,
}

struct TraceRecorder {
    outputs: Program,
    grid_step: f64,
    next_grid: f64,
    y: Vec<f64>,
    trace: Trace,
}

impl TraceRecorder {
    fn record(&mut self, t: f64, y: &[f64]) {
        let mut row = vec![0.0; self.outputs.result_count()];
        self.outputs.eval(t, y, &mut row);
        self.trace.times.push(t);
        self.trace.rows.push(row);
    }
}

impl Observer for TraceRecorder {
    fn initial(&mut self, t: f64, y: &[f64]) {
        self.record(t, y);
        self.next_grid = if self.grid_step > 0.0 {
            t + self.grid_step
        } else {
            f64::INFINITY
        };
    }

    fn jump(&mut self, t: f64, _before: &[f64], after: &[f64]) {
        self.record(t, after);
    }

    fn step(&mut self, step: &DenseStep<'_>) {
        while self.next_grid < step.t1 {
            step.state_at(self.next_grid, &mut self.y);
            let (t, y) = (self.next_grid, std::mem::take(&mut self.y));
            self.record(t, &y);
            self.y = y;
            self.next_grid += self.grid_step;
        }
        self.record(step.t1, step.y1);
    }
}

impl CompiledModel {
    /// Runs `regimen` to `t_end` and records a trace with at least `grid_points` uniformly
    /// spaced points plus every step end and both sides of every dose (no uniform points if
    /// `t_end / grid_points` underflows to 0).
    pub fn trace(
        &self,
        regimen: &Regimen,
        t_end: f64,
        options: &SolverOptions,
        grid_points: usize,
    ) -> Result<Trace, SolveError> {
        let own = self.for_regimen(regimen);
        if !std::ptr::eq(own, self) {
            return own.trace(regimen, t_end, options, grid_points);
        }
        let events = regimen.schedule_until(t_end)?;
        let (initial_state, _) = self.start_state(regimen, options)?;
        let problem = Problem {
            initial_state: &initial_state,
            events: &events,
            t_end,
            output_times: &[],
        };
        let mut recorder = TraceRecorder {
            outputs: self.outputs.clone(),
            // A grid step that underflows to 0 (t_end near the smallest double) adds no points.
            grid_step: t_end / grid_points.max(1) as f64,
            next_grid: 0.0,
            y: vec![0.0; self.state_names.len()],
            trace: Trace::default(),
        };
        let n = self.state_names.len();
        let mut switching = super::switching::Switching::new(self, regimen, n, &mut recorder);
        let solution = simulate_observed(&mut self.system(), &problem, options, &mut switching)?;
        recorder.trace.warnings = solution.warnings;
        Ok(recorder.trace)
    }
}
