//! Runs: one patient × one regimen, and a cohort of patients on top of it.
//!
//! This layer sits above `model` (the file, its validation and compilation) and `solve` (the
//! integrator). A patient's run compiles the model with the patient's parameter values, measures
//! each regimen with the metrics of `compare` (located relapse times, integrals carried by the
//! steps, never a grid scan) and, when asked, records the outputs and the relapse observable on an
//! output grid in the same integration. [`Cohort`] runs many patients in parallel and returns them
//! in patient order; [`summarize`] turns their outcomes into relapse-free survival statistics.
//!
//! ```text
//! Patients ─values(i)─▶ Model::compile_values ─▶ CompiledModel::measure_recording (per regimen)
//!                                                   ▼
//!                              RegimenRun { metrics, grid rows } ─▶ Outcome ─▶ summarize
//! ```

mod bands;
mod cohort;
mod outcome;
mod summary;

pub use bands::{BAND_PROBABILITIES, percentiles};
pub use cohort::{Cohort, PatientResult};
pub use outcome::{Outcome, RunStatus};
pub use summary::{PairedDelay, RegimenSummary, SummaryPlan, summarize};

use crate::diagnostic::Severity;
use crate::metrics::RegimenMetrics;
use crate::model::{CompiledModel, Engine, Model};
use crate::solve::{SolveError, SolverOptions, SolverWarning};

/// How every run of a cohort is made.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// End of the simulated interval (model time units).
    pub t_end: f64,
    /// Integrator settings.
    pub options: SolverOptions,
    /// Output times (sorted, within [0, t_end]) at which the outputs and the relapse observable
    /// are recorded; `None` records nothing but the metrics.
    pub grid: Option<Vec<f64>>,
    /// How each patient's compiled programs are evaluated.
    pub engine: Engine,
}

/// One regimen run of one patient.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenRun {
    /// The regimen's metrics, as `compare` computes them.
    pub metrics: RegimenMetrics,
    /// Solver warnings (e.g. stiffness).
    pub warnings: Vec<SolverWarning>,
    /// Values on the plan's grid, row-major: one row per output time holding every output
    /// column followed by the relapse observable (if the model has one). Empty without a grid.
    pub grid_values: Vec<f64>,
}

/// Why one patient's run of a regimen produced no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunFailure {
    /// The patient's parameter values make the model invalid (e.g. a negative dose amount).
    #[error("the patient's parameter values make the model invalid: {0}")]
    InvalidParameters(String),
    /// The integration failed.
    #[error(transparent)]
    Solver(#[from] SolveError),
}

/// The width of a grid row of `compiled`: its outputs, then the observable if it has one.
pub fn grid_width(compiled: &CompiledModel) -> usize {
    compiled.outputs.result_count()
}

/// Runs the regimens `regimens` (indices into the compiled model's regimens, which are the
/// file's, or the one `untreated` regimen of a model without any) for one patient with parameter
/// vector `values` (one per model parameter, in model order).
pub fn run_patient(
    model: &Model,
    values: &[f64],
    regimens: &[usize],
    plan: &RunPlan,
) -> Vec<Result<RegimenRun, RunFailure>> {
    let compiled = match model.compile_values(values) {
        Ok(compiled) => compiled,
        Err(diagnostics) => {
            let reasons: Vec<&str> = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.message.as_str())
                .collect();
            let failure = RunFailure::InvalidParameters(reasons.join("; "));
            return vec![Err(failure); regimens.len()];
        }
    };
    // A failure leaves the bytecode in use, with identical results: nothing to report per patient.
    let _native = compiled.use_engine(plan.engine);
    regimens
        .iter()
        .map(|&r| run_regimen(&compiled, r, plan))
        .collect()
}

/// Runs regimen `regimen` of `compiled` (one patient × one regimen).
pub fn run_regimen(
    compiled: &CompiledModel,
    regimen: usize,
    plan: &RunPlan,
) -> Result<RegimenRun, RunFailure> {
    let grid = plan.grid.as_deref().unwrap_or(&[]);
    let (measurement, solution) =
        compiled.measure_recording(&compiled.regimens[regimen], plan.t_end, grid, &plan.options)?;
    let grid_values = if plan.grid.is_some() {
        grid_values(compiled, &solution)
    } else {
        Vec::new()
    };
    Ok(RegimenRun {
        metrics: measurement.metrics,
        warnings: measurement.warnings,
        grid_values,
    })
}

/// Every output and the observable at every recorded time, row-major. Values are kept as they
/// are (a NaN output is written as NaN; the bands skip values that are not finite).
fn grid_values(compiled: &CompiledModel, solution: &crate::solve::Solution) -> Vec<f64> {
    let n = compiled.state_names.len();
    let mut program = compiled.outputs.clone();
    let width = program.result_count();
    let mut values = vec![0.0; solution.times.len() * width];
    for (i, (&t, row)) in solution
        .times
        .iter()
        .zip(values.chunks_exact_mut(width))
        .enumerate()
    {
        let y = &solution.states[i * solution.state_count..i * solution.state_count + n];
        program.eval(t, y, row);
    }
    values
}
