//! Exporters: pure functions from results to bytes (or text). The CLI decides where they go.

mod csv;
mod metrics;

pub use csv::{OutputTable, trajectory_csv};
pub use metrics::{MetricsFormat, MetricsReport, render_metrics};

/// Shortest round-trip decimal form of `x` (`1e-7`, not `0.0000001`); `NaN`, `inf`, `-inf`.
pub fn format_float(x: f64) -> String {
    csv::format_float(x)
}
