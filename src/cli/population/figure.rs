//! `--plot` of `population` and `merge`: the survival curves and population relapse curves as a
//! [`PopulationFigure`], drawn by the plot module's `render_population_with_metadata` (with the run's provenance).

use std::path::Path;

use relapse::model::RelapseSpec;
use relapse::plot::{
    PlotError, PopulationFigure, PopulationLayout, SurvivalArm, nice_times, render_population_with_metadata,
};
use relapse::sim::RegimenSummary;
use relapse::survival::IntervalKind;

use super::finish::{Bands, Finished};
use super::manifest::RunDescription;
use crate::cli::CliError;

/// Canvas of the population figure (two panels and the number-at-risk table).
const SIZE: (u32, u32) = PopulationFigure::DEFAULT_SIZE;
/// At most this many intervals between the number-at-risk times (which are the time ticks).
const AT_RISK_INTERVALS: usize = 6;

/// Refuses, before any work, a figure that cannot be drawn: the canvas, and a run that records
/// no grid (a merge of shards run without --trajectories).
pub(crate) fn check(run: &RunDescription) -> Result<(), CliError> {
    let layout = PopulationLayout {
        arms: run.regimens.len(),
    };
    layout.check(SIZE).map_err(|e| CliError::Usage(e.to_string()))?;
    if run.grid.is_none() {
        return Err(CliError::Usage(
            "`--plot` needs the observable on the output grid: run the shards with --trajectories"
                .to_string(),
        ));
    }
    Ok(())
}

/// The figure of a finished run.
pub(crate) fn build(run: &RunDescription, finished: &Finished) -> Result<PopulationFigure, CliError> {
    let (Some(bands), Some(times)) = (&finished.bands, &run.grid) else {
        return Err(CliError::Usage(
            "`--plot` needs the observable on the output grid".to_string(),
        ));
    };
    Ok(figure(run, finished, bands, times))
}

/// Draws the figure of a finished run into `path` (atomically, PNG or SVG by extension).
pub(crate) fn write(run: &RunDescription, finished: &Finished, path: &Path) -> Result<(), CliError> {
    let figure = build(run, finished)?;
    let provenance = serde_json::to_string(&run.provenance).expect("provenance serialises");
    let metadata = crate::cli::provenance::image_metadata(provenance);
    render_population_with_metadata(&figure, path, &metadata).map_err(|e| match e {
        PlotError::UnknownFormat(_) | PlotError::Size(_) => CliError::Usage(e.to_string()),
        other => CliError::Io(other.to_string()),
    })
}

fn with_unit(name: &str, unit: Option<&str>) -> String {
    unit.map_or_else(|| name.to_string(), |u| format!("{name} [{u}]"))
}

fn figure(run: &RunDescription, finished: &Finished, bands: &Bands, times: &[f64]) -> PopulationFigure {
    let at_risk_times = nice_times(run.t_end, AT_RISK_INTERVALS);
    let arms = run
        .regimens
        .iter()
        .zip(&finished.summaries)
        .zip(bands)
        .enumerate()
        .map(|(colour, ((label, summary), band))| SurvivalArm {
            label: label.title.clone().unwrap_or_else(|| label.name.clone()),
            colour,
            ..arm(summary, &at_risk_times, (times, band))
        })
        .collect();
    let observable = &run.observable;
    PopulationFigure {
        title: format!(
            "{}: {} virtual patients",
            run.title.as_deref().unwrap_or(&run.model),
            run.patients
        ),
        x_label: with_unit("time", run.time_unit.as_deref()),
        t_end: run.t_end,
        arms,
        at_risk_times,
        y_label: with_unit(&observable.name, observable.unit.as_deref()),
        log_y: true,
        threshold: Some((
            observable
                .threshold_label
                .clone()
                .unwrap_or_else(|| RelapseSpec::DEFAULT_THRESHOLD_LABEL.to_string()),
            observable.threshold,
        )),
        detection_limit: observable.detection_limit.map(|limit| {
            let label = observable.detection_label.clone();
            (
                label.unwrap_or_else(|| RelapseSpec::DEFAULT_DETECTION_LABEL.to_string()),
                limit,
            )
        }),
        size: SIZE,
    }
}

/// One regimen's curves (label and colour left to the caller).
fn arm(
    summary: &RegimenSummary,
    at_risk_times: &[f64],
    (times, band): (&[f64], &[Option<[f64; 5]>]),
) -> SurvivalArm {
    let curve = &summary.curve;
    // Right-continuous steps from S(0⁻) = 1; a drop at 0 is the non-responders.
    let mut steps = vec![(0.0, 1.0, 1.0, 1.0)];
    steps.extend(curve.event_steps().map(|s| {
        let ci = s.interval(IntervalKind::LogLog);
        let (lower, upper) = ci.map_or((f64::NAN, f64::NAN), |c| (c.lower, c.upper));
        (s.time, s.survival, lower, upper)
    }));
    let percentile = |k: usize| band.iter().map(|p| p.map_or(f64::NAN, |p| p[k])).collect();
    SurvivalArm {
        steps,
        censored: curve
            .steps()
            .iter()
            .filter(|s| s.censored > 0)
            .map(|s| s.time)
            .collect(),
        median: summary.median.value,
        at_risk: at_risk_times
            .iter()
            .map(|&t| curve.number_at_risk(t).unwrap_or(0))
            .collect(),
        band_times: times.to_vec(),
        percentiles: [0, 1, 2, 3, 4].map(percentile),
        ..SurvivalArm::default()
    }
}

#[cfg(test)]
#[path = "figure_tests.rs"]
mod tests;
