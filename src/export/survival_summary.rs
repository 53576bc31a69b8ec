//! `summary.json` and `summary.csv` of a population run: relapse-free survival per regimen.
//!
//! JSON shape (keys in this order; members that are not reached or do not apply are `null`):
//! `{"model", "time_unit", "t_end", "patients", "seed", "baseline", "provenance", "regimens":
//! [{"name", "patients", "responders", "non_responders", "relapsed", "relapse_free_at_end",
//! "median_relapse_free_time": {"value", "lower", "upper"}, "landmarks": [{"time", "survival",
//! "lower", "upper"}], "rmst", "logrank_vs_baseline": {"chi2", "p_value"} | null,
//! "paired_delay": {"n", "median", "q1", "q3"} | null, "solver_failures"}]}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::csv::format_float;
use crate::sim::RegimenSummary;

/// Where the numbers came from: everything that determines them, and nothing that differs
/// between identical runs (no date, thread count, shard or command line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `relapse` version that computed the results.
    pub relapse_version: String,
    /// SHA-256 of the model file's bytes, lowercase hex.
    pub model_sha256: String,
    /// SHA-256 of the `--parameters` file, when patients were read from one.
    pub parameters_sha256: Option<String>,
    /// The sampling seed (`null` with a parameters file).
    pub seed: Option<u64>,
    /// `--set` values, by parameter name.
    pub overrides: BTreeMap<String, f64>,
    /// The integrator settings.
    pub solver: SolverProvenance,
    /// How relapse statuses become survival observations.
    pub event_definition: String,
}

/// Integrator settings in the provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolverProvenance {
    /// Method name (`dopri5`, `dop853`).
    pub method: String,
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance per state, by state name.
    pub atol: BTreeMap<String, f64>,
    /// Step budget per run.
    pub max_steps: u64,
}

/// The default event definition, as stated in the README and the provenance.
pub const EVENT_DEFINITION: &str = "relapsed: event at relapse_time; none_by_t_end: censored at t_end; \
     no_response: event at time 0 (primary resistance); solver_failure: excluded";

/// Everything the summary files report.
#[derive(Debug, Clone, Copy)]
pub struct SurvivalReport<'a> {
    /// Model name.
    pub model: &'a str,
    /// Model time unit, if declared.
    pub time_unit: Option<&'a str>,
    /// End of follow-up (time units).
    pub t_end: f64,
    /// Number of patients.
    pub patients: u64,
    /// The baseline regimen's name.
    pub baseline: &'a str,
    /// Provenance.
    pub provenance: &'a Provenance,
    /// Regimen names, in order.
    pub regimens: &'a [String],
    /// One summary per regimen, in the same order.
    pub summaries: &'a [RegimenSummary],
}

#[derive(Serialize)]
struct Document<'a> {
    model: &'a str,
    time_unit: Option<&'a str>,
    t_end: f64,
    patients: u64,
    seed: Option<u64>,
    baseline: &'a str,
    provenance: &'a Provenance,
    regimens: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    name: &'a str,
    patients: usize,
    responders: usize,
    non_responders: usize,
    relapsed: usize,
    relapse_free_at_end: usize,
    median_relapse_free_time: Interval,
    landmarks: Vec<Landmark>,
    rmst: Option<f64>,
    logrank_vs_baseline: Option<LogRank>,
    paired_delay: Option<Delay>,
    solver_failures: usize,
}

#[derive(Serialize)]
struct Interval {
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
}

#[derive(Serialize)]
struct Landmark {
    time: f64,
    survival: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
}

#[derive(Serialize)]
struct LogRank {
    chi2: Option<f64>,
    p_value: Option<f64>,
}

#[derive(Serialize)]
struct Delay {
    n: usize,
    median: Option<f64>,
    q1: Option<f64>,
    q3: Option<f64>,
}

/// `x` if it is a finite number (JSON has no NaN or infinity).
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn entry<'a>(name: &'a str, s: &RegimenSummary) -> Entry<'a> {
    Entry {
        name,
        patients: s.patients,
        responders: s.responders,
        non_responders: s.non_responders,
        relapsed: s.relapsed,
        relapse_free_at_end: s.relapse_free_at_end,
        median_relapse_free_time: Interval {
            value: s.median.value,
            lower: s.median.lower,
            upper: s.median.upper,
        },
        landmarks: s
            .landmarks
            .iter()
            .map(|l| Landmark {
                time: l.time,
                survival: finite(l.survival),
                lower: l.interval.map(|i| i.lower),
                upper: l.interval.map(|i| i.upper),
            })
            .collect(),
        rmst: finite(s.rmst),
        logrank_vs_baseline: s.logrank.map(|t| LogRank {
            chi2: finite(t.chi_square),
            p_value: finite(t.p_value),
        }),
        paired_delay: s.paired_delay.map(|d| Delay {
            n: d.n,
            median: d.quartiles.map(|q| q.median),
            q1: d.quartiles.map(|q| q.q1),
            q3: d.quartiles.map(|q| q.q3),
        }),
        solver_failures: s.solver_failures,
    }
}

/// `summary.json`, pretty-printed, ending in a newline.
pub fn summary_json(report: &SurvivalReport<'_>) -> String {
    let document = Document {
        model: report.model,
        time_unit: report.time_unit,
        t_end: report.t_end,
        patients: report.patients,
        seed: report.provenance.seed,
        baseline: report.baseline,
        provenance: report.provenance,
        regimens: report
            .regimens
            .iter()
            .zip(report.summaries)
            .map(|(name, s)| entry(name, s))
            .collect(),
    };
    serde_json::to_string_pretty(&document).expect("the document serialises") + "\n"
}

/// A landmark time as part of a snake_case column name: its shortest decimal with `p` for the
/// point and `m` for a minus (`91.25` → `91p25`, `1e-7` → `1em7`), so every header matches
/// `[a-z][a-z0-9_]*`.
fn landmark_name(t: f64) -> String {
    format_float(t)
        .chars()
        .filter_map(|c| match c {
            '.' => Some('p'),
            '-' => Some('m'),
            '+' => None,
            c => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

/// `summary.csv`: one row per regimen. Columns: `regimen, patients, responders, non_responders,
/// relapsed, relapse_free_at_end, solver_failures, median_relapse_free_time, median_lower,
/// median_upper`, per landmark T `survival_at_T, survival_at_T_lower, survival_at_T_upper` (T with
/// `p` for the decimal point and `m` for a minus: `survival_at_91p25`), then `rmst, logrank_chi2, logrank_p_value, paired_delay_n, paired_delay_median, paired_delay_q1,
/// paired_delay_q3`. Empty cells where the JSON has `null`.
pub fn summary_csv(report: &SurvivalReport<'_>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "regimen",
        "patients",
        "responders",
        "non_responders",
        "relapsed",
        "relapse_free_at_end",
        "solver_failures",
        "median_relapse_free_time",
        "median_lower",
        "median_upper",
    ]
    .map(String::from)
    .to_vec();
    if let Some(first) = report.summaries.first() {
        for l in &first.landmarks {
            let t = landmark_name(l.time);
            header.extend([
                format!("survival_at_{t}"),
                format!("survival_at_{t}_lower"),
                format!("survival_at_{t}_upper"),
            ]);
        }
    }
    header.extend(
        [
            "rmst",
            "logrank_chi2",
            "logrank_p_value",
            "paired_delay_n",
            "paired_delay_median",
            "paired_delay_q1",
            "paired_delay_q3",
        ]
        .map(String::from),
    );
    writer.write_record(&header)?;
    for (name, s) in report.regimens.iter().zip(report.summaries) {
        writer.write_record(summary_row(&entry(name, s)))?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

fn summary_row(e: &Entry<'_>) -> Vec<String> {
    let opt = |x: Option<f64>| x.map_or_else(String::new, format_float);
    let mut row = vec![e.name.to_string()];
    row.extend(
        [
            e.patients,
            e.responders,
            e.non_responders,
            e.relapsed,
            e.relapse_free_at_end,
            e.solver_failures,
        ]
        .map(|n| n.to_string()),
    );
    let m = &e.median_relapse_free_time;
    row.extend([opt(m.value), opt(m.lower), opt(m.upper)]);
    for l in &e.landmarks {
        row.extend([opt(l.survival), opt(l.lower), opt(l.upper)]);
    }
    row.push(opt(e.rmst));
    let logrank = e.logrank_vs_baseline.as_ref();
    row.extend([
        opt(logrank.and_then(|t| t.chi2)),
        opt(logrank.and_then(|t| t.p_value)),
    ]);
    let delay = e.paired_delay.as_ref();
    row.push(delay.map_or_else(String::new, |d| d.n.to_string()));
    row.extend([
        opt(delay.and_then(|d| d.median)),
        opt(delay.and_then(|d| d.q1)),
        opt(delay.and_then(|d| d.q3)),
    ]);
    row
}
