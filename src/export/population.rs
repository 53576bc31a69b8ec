//! The per-patient tables of a population run: `patients.csv` (one row per patient × regimen),
//! `trajectories.csv` (long format on the output grid) and `bands.csv` (percentiles of the relapse
//! observable per regimen and time). Rows are built one at a time so that the CLI can stream them.
//! Numbers are shortest round-trip decimals ([`super::format_float`]); a value that does not
//! apply (no relapse, no detection limit, a failed run) is an empty cell.

use super::csv::format_float;
use crate::metrics::{RegimenMetrics, Watchlist};
use crate::sim::{Outcome, RunStatus};

/// The columns of `patients.csv`:
/// `patient, regimen, <parameters>, relapse_time, relapse_status, nadir, t_nadir,
/// time_below_detection, final_value, auc`, then per exposure output `<name>_cmax`,
/// `<name>_tmax`, `<name>_trough_min`, `<name>_trough_last`, `<name>_auc` (and
/// `<name>_time_above_target` when it has a target), then `message` (why a run failed).
#[derive(Debug, Clone, Copy)]
pub struct PatientColumns<'a> {
    /// Names of the parameters reported per patient (sampled, or the `--parameters` columns).
    pub parameters: &'a [String],
    /// What was watched: the observable (required for the relapse columns) and the exposures.
    pub watchlist: &'a Watchlist,
}

/// One patient × regimen row of `patients.csv`.
#[derive(Debug, Clone, Copy)]
pub struct PatientRow<'a> {
    /// Patient id.
    pub patient: &'a str,
    /// Regimen name.
    pub regimen: &'a str,
    /// The reported parameters' values, if the patient could be sampled.
    pub parameters: Option<&'a [f64]>,
    /// The run's metrics, or why it failed.
    pub run: Result<&'a RegimenMetrics, &'a str>,
}

impl PatientColumns<'_> {
    /// The header row.
    pub fn header(&self) -> Vec<String> {
        let mut header: Vec<String> = vec!["patient".into(), "regimen".into()];
        header.extend(self.parameters.iter().cloned());
        header.extend(
            [
                "relapse_time",
                "relapse_status",
                "nadir",
                "t_nadir",
                "time_below_detection",
                "final_value",
                "auc",
            ]
            .map(String::from),
        );
        for e in &self.watchlist.exposures {
            for metric in ["cmax", "tmax", "trough_min", "trough_last", "auc"] {
                header.push(format!("{}_{metric}", e.name));
            }
            if e.above_target.is_some() {
                header.push(format!("{}_time_above_target", e.name));
            }
        }
        header.push("message".into());
        header
    }

    /// Index of the `relapse_time` column; `relapse_status` follows it.
    pub fn relapse_time_column(&self) -> usize {
        2 + self.parameters.len()
    }

    /// The cells of one row, in header order.
    pub fn row(&self, row: &PatientRow<'_>) -> Vec<String> {
        let mut cells = vec![row.patient.to_string(), row.regimen.to_string()];
        match row.parameters {
            Some(values) => cells.extend(values.iter().map(|&v| format_float(v))),
            None => cells.extend(std::iter::repeat_n(String::new(), self.parameters.len())),
        }
        let width = self.header_len();
        match row.run {
            Ok(metrics) => self.metric_cells(metrics, &mut cells),
            Err(message) => {
                cells.extend([String::new(), RunStatus::SolverFailure.as_str().to_string()]);
                cells.resize(width - 1, String::new());
                cells.push(message.to_string());
            }
        }
        debug_assert_eq!(cells.len(), width);
        cells
    }

    fn header_len(&self) -> usize {
        let exposure: usize = self
            .watchlist
            .exposures
            .iter()
            .map(|e| 5 + usize::from(e.above_target.is_some()))
            .sum();
        2 + self.parameters.len() + 7 + exposure + 1
    }

    fn metric_cells(&self, metrics: &RegimenMetrics, cells: &mut Vec<String>) {
        let opt = |x: Option<f64>| x.map_or_else(String::new, format_float);
        match &metrics.observable {
            Some(o) => cells.extend([
                opt(o.relapse_time),
                RunStatus::from(o.relapse_status).as_str().to_string(),
                format_float(o.nadir.value),
                format_float(o.nadir.time),
                opt(o.detection.map(|d| d.time_below)),
                format_float(o.final_value),
                format_float(o.auc),
            ]),
            None => cells.extend(std::iter::repeat_n(String::new(), 7)),
        }
        for (e, w) in metrics.exposures.iter().zip(&self.watchlist.exposures) {
            super::metrics::exposure_cells(e, w, (format_float, ""), cells);
        }
        cells.push(String::new());
    }
}

/// Reads the outcome back from a `patients.csv` row (for merging shards): the cells at
/// `relapse_time_column` and the next one. `None` if they do not hold a valid outcome.
pub fn outcome_from_cells(relapse_time: &str, status: &str) -> Option<Outcome> {
    let status = RunStatus::from_name(status)?;
    let relapse_time = match (status, relapse_time) {
        (RunStatus::Relapsed, t) => Some(t.parse::<f64>().ok().filter(|t| t.is_finite() && *t >= 0.0)?),
        (_, "") => None,
        _ => return None,
    };
    Some(Outcome { status, relapse_time })
}

/// The header of `trajectories.csv`: `patient, regimen, time, <outputs>`.
pub fn trajectory_header(outputs: &[String]) -> Vec<String> {
    let mut header: Vec<String> = ["patient", "regimen", "time"].map(String::from).to_vec();
    header.extend(outputs.iter().cloned());
    header
}

/// The `trajectories.csv` rows of one run: `grid_values` holds rows of `width` values whose
/// first `outputs` are the output columns (see [`crate::sim::RegimenRun::grid_values`]).
pub fn trajectory_rows<'a>(
    (patient, regimen): (&'a str, &'a str),
    times: &'a [f64],
    grid_values: &'a [f64],
    (outputs, width): (usize, usize),
) -> impl Iterator<Item = Vec<String>> + 'a {
    times
        .iter()
        .zip(grid_values.chunks_exact(width))
        .map(move |(&t, row)| {
            let mut cells = vec![patient.to_string(), regimen.to_string(), format_float(t)];
            cells.extend(row[..outputs].iter().map(|&v| format_float(v)));
            cells
        })
}

/// The header of `bands.csv`.
pub const BANDS_HEADER: [&str; 7] = ["regimen", "time", "p5", "p25", "p50", "p75", "p95"];

/// One `bands.csv` row; empty percentile cells when no patient has a finite value there.
pub fn band_row(regimen: &str, time: f64, percentiles: Option<[f64; 5]>) -> Vec<String> {
    let mut cells = vec![regimen.to_string(), format_float(time)];
    match percentiles {
        Some(p) => cells.extend(p.iter().map(|&v| format_float(v))),
        None => cells.extend(std::iter::repeat_n(String::new(), 5)),
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_back_from_cells() {
        let relapsed = outcome_from_cells("12.5", "relapsed").unwrap();
        assert_eq!(relapsed.relapse_time, Some(12.5));
        assert_eq!(
            outcome_from_cells("", "no_response").unwrap().status,
            RunStatus::NoResponse
        );
        assert_eq!(outcome_from_cells("", "solver_failure"), Some(Outcome::FAILED));
        for (t, s) in [
            ("", "relapsed"),
            ("x", "relapsed"),
            ("-1", "relapsed"),
            ("3", "none_by_t_end"),
        ] {
            assert_eq!(outcome_from_cells(t, s), None, "{t} {s}");
        }
        assert_eq!(outcome_from_cells("", "relapse"), None);
    }

    #[test]
    fn failed_rows_fill_every_column() {
        let watchlist = Watchlist::default();
        let parameters = ["CL".to_string()];
        let columns = PatientColumns {
            parameters: &parameters,
            watchlist: &watchlist,
        };
        let row = columns.row(&PatientRow {
            patient: "3",
            regimen: "daily",
            parameters: Some(&[2.5]),
            run: Err("step size fell"),
        });
        assert_eq!(row.len(), columns.header().len());
        assert_eq!(row[..5], ["3", "daily", "2.5", "", "solver_failure"]);
        assert_eq!(row.last().unwrap(), "step size fell");
    }
}
