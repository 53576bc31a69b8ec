//! Exporters: pure functions from results to bytes (or text). The CLI decides where they go.

mod csv;
mod cycle_nadirs;
mod metrics;
mod population;
mod provenance;
mod survival_summary;
mod tidy;

pub use csv::{OutputTable, TrajectoryWriter, trajectory_csv};
pub use cycle_nadirs::{CYCLE_NADIR_COLUMNS, cycle_nadirs_csv};
pub use metrics::{MetricsFormat, MetricsReport, metrics_table, render_metrics, render_metrics_with};
pub use population::{
    BANDS_HEADER, PatientColumns, PatientRow, band_row, outcome_from_cells, trajectory_header,
    trajectory_rows,
};
pub use provenance::{PROVENANCE_KEYWORD, RunProvenance};
pub use survival_summary::{
    EVENT_DEFINITION, Provenance, SolverProvenance, SurvivalReport, summary_csv, summary_json,
};

/// Shortest round-trip decimal form of `x` (`1e-7`, not `0.0000001`); `NaN`, `inf`, `-inf`.
pub fn format_float(x: f64) -> String {
    csv::format_float(x)
}
