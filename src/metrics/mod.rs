//! Relapse and exposure metrics of one regimen, computed from the located events, tracked
//! extrema and carried-along integrals of an integration (never from the output grid).
//!
//! Definitions (also in the README):
//! - nadir: minimum of the observable over [0, t_end] (interior minima are located as roots of
//!   its time derivative on the dense output; values at dose jumps and the ends are included);
//! - relapse time: the first upward crossing of the threshold after a downward crossing (or
//!   after t = 0 if the observable starts below); at exactly the threshold, the side is the one
//!   it moves to first;
//! - time below detection: total time spent below the detection limit, with the start of the
//!   first and the end of the last period below (t_end if still below);
//! - depth of response: nadir / value at t = 0 (before any dose);
//! - AUC: ∫ observable dt, integrated by the Runge–Kutta steps themselves;
//! - exposure: Cmax and its time, troughs (values just before each dose *start* after the first
//!   dose time: an infusion's stop is not a trough), AUC, and time above an optional target.

mod compute;
mod time_scale;

pub use compute::{RegimenRun, compute};

/// Where the watched functions and integrals of the observable sit.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservableWatch {
    /// Name for tables and axes.
    pub name: String,
    /// Unit for tables and axes.
    pub unit: Option<String>,
    /// Watched function: the observable.
    pub value: usize,
    /// Watched function: observable − threshold.
    pub above_threshold: usize,
    /// Watched function: d(observable)/dt (its roots are the interior extrema).
    pub slope: usize,
    /// Watched function: observable − detection limit, if a limit is set.
    pub above_detection: Option<usize>,
    /// Integral index of ∫ observable dt.
    pub integral: usize,
    /// Relapse threshold in use.
    pub threshold: f64,
    /// Detection limit, if any.
    pub detection_limit: Option<f64>,
    /// Observable at t = 0 before any dose.
    pub initial_value: f64,
}

/// Where the watched functions of one exposure output sit.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureWatch {
    /// Output name.
    pub name: String,
    /// Output unit.
    pub unit: Option<String>,
    /// Watched function: the output.
    pub value: usize,
    /// Watched function: its time derivative.
    pub slope: usize,
    /// Watched function: output − target, and the target.
    pub above_target: Option<(usize, f64)>,
    /// Integral index of ∫ output dt.
    pub integral: usize,
}

/// What to watch during a run so that the metrics can be computed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Watchlist {
    /// The `[relapse]` observable, if the model has one.
    pub observable: Option<ObservableWatch>,
    /// Outputs marked `exposure = true`.
    pub exposures: Vec<ExposureWatch>,
}

/// How a regimen ended relative to the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelapseStatus {
    /// Fell below the threshold and came back above it.
    Relapsed,
    /// Never fell below the threshold.
    NoResponse,
    /// Fell below and stayed below until t_end.
    NoneByTEnd,
}

impl RelapseStatus {
    /// The name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relapsed => "relapsed",
            Self::NoResponse => "no_response",
            Self::NoneByTEnd => "none_by_t_end",
        }
    }
}

/// A value and the time it occurs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedValue {
    /// The value.
    pub value: f64,
    /// When (time units).
    pub time: f64,
}

/// Time spent below the detection limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Total time below (time units).
    pub time_below: f64,
    /// Start of the first period below, if any.
    pub first_below: Option<f64>,
    /// End of the last period below (t_end if still below), if any.
    pub last_below: Option<f64>,
}

/// The observable's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservableMetrics {
    /// Minimum over [0, t_end].
    pub nadir: TimedValue,
    /// First upward threshold crossing after a response.
    pub relapse_time: Option<f64>,
    /// How the run ended relative to the threshold.
    pub relapse_status: RelapseStatus,
    /// Time below the detection limit, if a limit is set.
    pub detection: Option<Detection>,
    /// nadir / initial value.
    pub depth_of_response: f64,
    /// log10 of the depth.
    pub log10_depth: f64,
    /// Value at t_end.
    pub final_value: f64,
    /// ∫₀^t_end observable dt.
    pub auc: f64,
    /// The nadir within each protocol cycle (regimens with `cycle` doses; else empty).
    pub cycle_nadirs: Vec<CycleNadir>,
}

/// The observable's minimum within one cycle of a protocol, [start, end).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleNadir {
    /// Cycle number, from 1.
    pub cycle: u32,
    /// Start of the cycle (time units).
    pub start: f64,
    /// End of the cycle: the next cycle's start, or t_end for a cycle cut short.
    pub end: f64,
    /// The minimum and when it occurs.
    pub nadir: TimedValue,
}

/// One exposure output's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureMetrics {
    /// Output name.
    pub name: String,
    /// Maximum and its time.
    pub cmax: TimedValue,
    /// Smallest pre-dose value (after the first dose time), if any.
    pub trough_min: Option<f64>,
    /// Last pre-dose value, if any.
    pub trough_last: Option<f64>,
    /// ∫₀^t_end output dt.
    pub auc: f64,
    /// Time spent above the target, if a target is set.
    pub time_above_target: Option<f64>,
}

/// All metrics of one regimen.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenMetrics {
    /// Regimen name.
    pub regimen: String,
    /// Observable metrics, if the model has `[relapse]`.
    pub observable: Option<ObservableMetrics>,
    /// Relapse time minus the baseline regimen's, when both relapsed.
    pub delay_vs_baseline: Option<f64>,
    /// Exposure outputs' metrics.
    pub exposures: Vec<ExposureMetrics>,
    /// Doses given and skipped, and switch changes (adaptive regimens).
    pub dosing: crate::regimen::adaptive::DosingRecord,
}

/// Fills in `delay_vs_baseline` for every regimen against regimen `baseline`.
pub fn set_delays(all: &mut [RegimenMetrics], baseline: usize) {
    let reference = all[baseline].observable.as_ref().and_then(|o| o.relapse_time);
    for m in all.iter_mut() {
        let own = m.observable.as_ref().and_then(|o| o.relapse_time);
        m.delay_vs_baseline = match (own, reference) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        };
    }
}
