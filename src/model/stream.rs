//! Running a compiled model with its output columns handed on row by row as the integrator
//! reaches each output time, so that writing a long run needs no memory per row.

use super::{CompiledModel, NonFiniteOutput};
use crate::expr::Program;
use crate::regimen::Regimen;
use crate::solve::{NoObserver, OutputSink, Problem, RunSummary, SolveError, SolverOptions, Stop};

/// Why a streamed run stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError<E> {
    /// The solve failed (as [`CompiledModel::simulate`] would have).
    #[error(transparent)]
    Solve(SolveError),
    /// An output column is not a finite number at an output time.
    #[error(transparent)]
    NonFinite(NonFiniteOutput),
    /// The row consumer failed (e.g. writing the file).
    #[error("{0}")]
    Consumer(E),
}

/// Evaluates the wanted output columns at each recorded state and hands the row on.
struct Rows<'m, F, E> {
    model: &'m CompiledModel,
    program: Program,
    all: Vec<f64>,
    row: Vec<f64>,
    columns: &'m [usize],
    on_row: F,
    failure: Option<StreamError<E>>,
}

impl<F: FnMut(f64, &[f64]) -> Result<(), E>, E> OutputSink for Rows<'_, F, E> {
    fn record(&mut self, t: f64, y: &[f64]) -> Result<(), Stop> {
        self.program.eval(t, y, &mut self.all);
        self.row.clear();
        self.row.extend(self.columns.iter().map(|&c| self.all[c]));
        if let Some((&c, &value)) = self.columns.iter().zip(&self.row).find(|(_, v)| !v.is_finite()) {
            let model = self.model;
            self.failure = Some(StreamError::NonFinite(NonFiniteOutput {
                output: model.output_names[c].clone(),
                value,
                t,
                states: model.state_names.iter().cloned().zip(y.iter().copied()).collect(),
            }));
            return Err(Stop);
        }
        (self.on_row)(t, &self.row).map_err(|e| {
            self.failure = Some(StreamError::Consumer(e));
            Stop
        })
    }
}

impl CompiledModel {
    /// [`simulate`](Self::simulate) followed by [`output_rows`](Self::output_rows), without
    /// keeping either: solved with `options`, `on_row` gets each output time and its row of
    /// `columns` (indices into `output_names`) as soon as the integrator reaches it. Stops at
    /// the first failure: of the solve, an output value that is not finite (naming the output,
    /// the time and the states), or `on_row` itself.
    pub fn simulate_rows<E>(
        &self,
        regimen: &Regimen,
        (t_end, output_times): (f64, &[f64]),
        (options, columns): (&SolverOptions, &[usize]),
        on_row: impl FnMut(f64, &[f64]) -> Result<(), E>,
    ) -> Result<RunSummary, StreamError<E>> {
        let times = output_times.iter().copied();
        self.simulate_rows_over(regimen, (t_end, times), (options, columns), on_row)
    }

    /// [`simulate_rows`](Self::simulate_rows) with the output times produced by `output_times`
    /// (sorted, within [0, t_end]; walked twice, never stored), so that neither the rows nor
    /// the grid take memory per output.
    pub fn simulate_rows_over<E>(
        &self,
        regimen: &Regimen,
        (t_end, output_times): (f64, impl Iterator<Item = f64> + Clone),
        (options, columns): (&SolverOptions, &[usize]),
        on_row: impl FnMut(f64, &[f64]) -> Result<(), E>,
    ) -> Result<RunSummary, StreamError<E>> {
        // A regimen with parameter overrides runs its own compiled copy.
        let model = self.for_regimen(regimen);
        let events = regimen
            .schedule_until(t_end)
            .map_err(|e| StreamError::Solve(e.into()))?;
        let (initial_state, iterations) = model.start_state(regimen, options).map_err(StreamError::Solve)?;
        let problem = Problem {
            initial_state: &initial_state,
            events: &events,
            t_end,
            output_times: &[],
        };
        let program = model.outputs.clone();
        let mut rows = Rows {
            model,
            all: vec![0.0; program.result_count()],
            program,
            row: Vec::with_capacity(columns.len()),
            columns,
            on_row,
            failure: None,
        };
        let mut system = model.system();
        let solved = match regimen.adaptive {
            None => crate::solve::simulate_into_times(
                &mut system,
                (&problem, output_times),
                options,
                (&mut NoObserver, &mut rows),
            ),
            Some(_) => {
                let mut nothing = NoObserver;
                let n = model.state_names.len();
                let mut switching = super::switching::Switching::new(model, regimen, n, &mut nothing);
                crate::solve::simulate_into_times(
                    &mut system,
                    (&problem, output_times),
                    options,
                    (&mut switching, &mut rows),
                )
            }
        };
        match (solved, rows.failure) {
            (Ok(mut summary), _) => {
                summary.stats.steady_state_iterations = iterations;
                Ok(summary)
            }
            (Err(SolveError::Stopped { .. }), Some(failure)) => Err(failure),
            (Err(e), _) => Err(StreamError::Solve(e)),
        }
    }
}
