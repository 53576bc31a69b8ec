//! From an observed run to [`RegimenMetrics`].

use super::{
    CycleNadir, Detection, ExposureMetrics, ExposureWatch, ObservableMetrics, ObservableWatch,
    RegimenMetrics, RelapseStatus, TimedValue, Watchlist,
};
use crate::solve::{Crossing, Extremum, Jump};

/// What an observed run produced.
pub struct RegimenRun<'a> {
    /// Regimen name.
    pub regimen: &'a str,
    /// End time.
    pub t_end: f64,
    /// Located crossings, in time order.
    pub crossings: &'a [Crossing],
    /// Side each watched function starts on (see `EventLocator::initial_sides`).
    pub initial_sides: &'a [i8],
    /// Minimum seen of each watched function.
    pub minima: &'a [Extremum],
    /// Maximum seen of each watched function.
    pub maxima: &'a [Extremum],
    /// Values around each event time.
    pub jumps: &'a [Jump],
    /// Times at which a dose starts (a bolus or an infusion start), sorted: the jumps at these
    /// times give the troughs (an infusion's stop is not a trough time).
    pub dose_starts: &'a [f64],
    /// Watched functions at t_end.
    pub final_values: &'a [f64],
    /// Integrals at t_end.
    pub integrals: &'a [f64],
    /// Cycle bounds and the observable's minimum between each pair of them, if the regimen has
    /// cycles.
    pub cycles: Option<(&'a [f64], &'a [Extremum])>,
}

/// Computes the metrics of one run.
pub fn compute(watch: &Watchlist, run: &RegimenRun<'_>) -> RegimenMetrics {
    RegimenMetrics {
        regimen: run.regimen.to_string(),
        observable: watch.observable.as_ref().map(|o| observable(o, run)),
        delay_vs_baseline: None,
        exposures: watch.exposures.iter().map(|e| exposure(e, run)).collect(),
        dosing: Default::default(),
    }
}

fn observable(w: &ObservableWatch, run: &RegimenRun<'_>) -> ObservableMetrics {
    let nadir = run.minima[w.value];
    let (relapse_time, relapse_status) = relapse(run, w);
    let depth = nadir.value / w.initial_value;
    ObservableMetrics {
        nadir: TimedValue {
            value: nadir.value,
            time: nadir.time,
        },
        relapse_time,
        relapse_status,
        detection: w.above_detection.map(|f| detection(run, f)),
        depth_of_response: depth,
        log10_depth: depth.log10(),
        final_value: run.final_values[w.value],
        auc: run.integrals[w.integral],
        cycle_nadirs: cycle_nadirs(run),
    }
}

fn cycle_nadirs(run: &RegimenRun<'_>) -> Vec<CycleNadir> {
    let Some((bounds, minima)) = run.cycles else {
        return Vec::new();
    };
    bounds
        .windows(2)
        .zip(minima)
        .zip(1..)
        .map(|((span, low), cycle)| CycleNadir {
            cycle,
            start: span[0],
            end: span[1],
            nadir: TimedValue {
                value: low.value,
                time: low.time,
            },
        })
        .collect()
}

/// The first upward crossing after a downward one (starting below counts as a response).
fn relapse(run: &RegimenRun<'_>, w: &ObservableWatch) -> (Option<f64>, RelapseStatus) {
    let mut responded = run.initial_sides[w.above_threshold] < 0;
    for c in run.crossings.iter().filter(|c| c.function == w.above_threshold) {
        if !c.rising {
            responded = true;
        } else if responded {
            return (Some(c.t), RelapseStatus::Relapsed);
        }
    }
    let status = if responded {
        RelapseStatus::NoneByTEnd
    } else {
        RelapseStatus::NoResponse
    };
    (None, status)
}

/// Periods where watched function `f` (value − limit) is negative.
fn below_periods(run: &RegimenRun<'_>, f: usize) -> Vec<(f64, f64)> {
    let mut periods = Vec::new();
    let mut start = (run.initial_sides[f] < 0).then_some(0.0);
    for c in run.crossings.iter().filter(|c| c.function == f) {
        match (c.rising, start) {
            (false, None) => start = Some(c.t),
            (true, Some(s)) => {
                periods.push((s, c.t));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        periods.push((s, run.t_end));
    }
    periods
}

fn detection(run: &RegimenRun<'_>, f: usize) -> Detection {
    let periods = below_periods(run, f);
    Detection {
        // fold from +0: an empty f64 sum is −0, which prints as "-0".
        time_below: periods.iter().fold(0.0, |acc, (a, b)| acc + (b - a)),
        first_below: periods.first().map(|p| p.0),
        last_below: periods.last().map(|p| p.1),
    }
}

/// The watched function `f` just before each dose start after the first (a trough is the value
/// just before the next dose *starts*: never the end-of-infusion value at an infusion's stop).
fn troughs(run: &RegimenRun<'_>, f: usize) -> Vec<f64> {
    let first_dose = run.dose_starts.first().copied();
    run.jumps
        .iter()
        .filter(|j| {
            Some(j.t) != first_dose && run.dose_starts.binary_search_by(|s| s.total_cmp(&j.t)).is_ok()
        })
        .map(|j| j.before[f])
        .collect()
}

fn exposure(w: &ExposureWatch, run: &RegimenRun<'_>) -> ExposureMetrics {
    let troughs = troughs(run, w.value);
    let cmax = run.maxima[w.value];
    ExposureMetrics {
        name: w.name.clone(),
        cmax: TimedValue {
            value: cmax.value,
            time: cmax.time,
        },
        trough_min: troughs.iter().copied().reduce(f64::min),
        trough_last: troughs.last().copied(),
        auc: run.integrals[w.integral],
        time_above_target: w.above_target.map(|(f, _)| {
            let below = below_periods(run, f)
                .iter()
                .fold(0.0, |acc, (a, b)| acc + (b - a));
            // Never having left the target exactly counts as not above it.
            if run.initial_sides[f] == 0 {
                0.0
            } else {
                run.t_end - below
            }
        }),
    }
}
