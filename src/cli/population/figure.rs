//! `--plot` of `population` and `merge`: the survival curves and population relapse curves as a
//! [`PopulationFigure`], drawn by the plot module's `render_population`.
//!
//! NOT YET IN THE MODULE TREE: it is written against `relapse::plot::{PopulationFigure,
//! SurvivalArm, render_population}` (the interface of the population figure), which lands with the
//! plot helper's branch. At that merge: add `mod figure;` to `population/mod.rs`, replace the two
//! "`--plot` is not built yet" errors (population/mod.rs, merge.rs) with [`check`] before the
//! work and [`write`] after the files are committed, and drop `#[allow(dead_code)]` on
//! `finish::Finished`.

use std::path::Path;

use relapse::plot::{PlotError, PopulationFigure, SurvivalArm, check_canvas, render_population};
use relapse::survival::IntervalKind;

use super::finish::{Bands, Finished};
use super::manifest::RunDescription;
use crate::cli::CliError;

/// Canvas of the population figure (two panels and the number-at-risk table).
const SIZE: (u32, u32) = (1200, 1000);
/// About this many intervals between the number-at-risk times.
const AT_RISK_INTERVALS: f64 = 6.0;

/// Refuses, before any work, a figure that cannot be drawn: the canvas, and a run that records
/// no grid (a merge of shards run without --trajectories).
pub(crate) fn check(run: &RunDescription) -> Result<(), CliError> {
    check_canvas(SIZE.0, SIZE.1).map_err(|e| CliError::Usage(e.to_string()))?;
    if run.grid.is_none() {
        return Err(CliError::Usage(
            "`--plot` needs the observable on the output grid: run the shards with --trajectories"
                .to_string(),
        ));
    }
    Ok(())
}

/// Draws the figure of a finished run into `path` (atomically, PNG or SVG by extension).
pub(crate) fn write(run: &RunDescription, finished: &Finished, path: &Path) -> Result<(), CliError> {
    let (Some(bands), Some(times)) = (&finished.bands, &run.grid) else {
        return Err(CliError::Usage(
            "`--plot` needs the observable on the output grid".to_string(),
        ));
    };
    let figure = figure(run, finished, bands, times);
    render_population(&figure, path).map_err(|e| match e {
        PlotError::UnknownFormat(_) | PlotError::Size(_) => CliError::Usage(e.to_string()),
        other => CliError::Io(other.to_string()),
    })
}

fn with_unit(name: &str, unit: Option<&str>) -> String {
    unit.map_or_else(|| name.to_string(), |u| format!("{name} [{u}]"))
}

fn figure(run: &RunDescription, finished: &Finished, bands: &Bands, times: &[f64]) -> PopulationFigure {
    let at_risk_times = at_risk_times(run.t_end);
    let arms = run
        .regimens
        .iter()
        .zip(&finished.summaries)
        .zip(bands)
        .enumerate()
        .map(|(colour, ((label, summary), band))| {
            let curve = &summary.curve;
            // Right-continuous steps from S(0⁻) = 1; a drop at 0 is the non-responders.
            let mut steps = vec![(0.0, 1.0, 1.0, 1.0)];
            steps.extend(curve.event_steps().map(|s| {
                let ci = s.interval(IntervalKind::LogLog);
                (
                    s.time,
                    s.survival,
                    ci.map_or(f64::NAN, |c| c.lower),
                    ci.map_or(f64::NAN, |c| c.upper),
                )
            }));
            let percentile = |k: usize| band.iter().map(|p| p.map_or(f64::NAN, |p| p[k])).collect();
            SurvivalArm {
                label: label.title.clone().unwrap_or_else(|| label.name.clone()),
                colour,
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
                percentiles: [
                    percentile(0),
                    percentile(1),
                    percentile(2),
                    percentile(3),
                    percentile(4),
                ],
            }
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
        threshold: Some(("relapse threshold".to_string(), observable.threshold)),
        detection_limit: observable
            .detection_limit
            .map(|limit| ("detection limit".to_string(), limit)),
        size: SIZE,
    }
}

/// 0 and multiples of a round step (1, 2, 2.5 or 5 × 10^k) up to t_end, about
/// [`AT_RISK_INTERVALS`] of them: the columns of the number-at-risk table.
fn at_risk_times(t_end: f64) -> Vec<f64> {
    let raw = t_end / AT_RISK_INTERVALS;
    let decade = 10f64.powf(raw.log10().floor());
    let intervals = |step: f64| t_end / step;
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .map(|m| m * decade)
        .into_iter()
        .min_by(|a, b| {
            let off = |s: f64| (intervals(s) - AT_RISK_INTERVALS).abs();
            off(*a).total_cmp(&off(*b))
        })
        .unwrap_or(raw);
    let count = intervals(step).floor() as usize;
    (0..=count).map(|k| k as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::at_risk_times;

    #[test]
    fn at_risk_times_are_round() {
        assert_eq!(
            at_risk_times(365.0),
            [0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0, 350.0]
        );
        assert_eq!(at_risk_times(100.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(at_risk_times(28.0), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
    }
}
