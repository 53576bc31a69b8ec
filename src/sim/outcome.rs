//! What the survival analysis takes from one patient × regimen run.
//!
//! Event definition (the default, stated in the README): a relapse at `relapse_time` is an
//! event at that time; `none_by_t_end` (fell below the threshold and stayed below) is censored
//! at t_end; `no_response` (never fell below the threshold: primary resistance) is an event at
//! time 0, and is also counted separately. A failed run is no observation at all: it is left out
//! of the Kaplan–Meier estimate and counted as a solver failure.

use crate::metrics::{RegimenMetrics, RelapseStatus};
use crate::survival::Observation;

/// How a run ended: a [`RelapseStatus`], or a failure (the `relapse_status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Fell below the threshold and came back above it.
    Relapsed,
    /// Never fell below the threshold.
    NoResponse,
    /// Fell below and stayed below until t_end.
    NoneByTEnd,
    /// The run produced no result (solver error, or parameter values that make the model invalid).
    SolverFailure,
}

impl RunStatus {
    /// Every status, in the order of the variants.
    pub const ALL: [Self; 4] = [
        Self::Relapsed,
        Self::NoResponse,
        Self::NoneByTEnd,
        Self::SolverFailure,
    ];

    /// The name in `patients.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relapsed => RelapseStatus::Relapsed.as_str(),
            Self::NoResponse => RelapseStatus::NoResponse.as_str(),
            Self::NoneByTEnd => RelapseStatus::NoneByTEnd.as_str(),
            Self::SolverFailure => "solver_failure",
        }
    }

    /// The status called `name` in `patients.csv`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl From<RelapseStatus> for RunStatus {
    fn from(status: RelapseStatus) -> Self {
        match status {
            RelapseStatus::Relapsed => Self::Relapsed,
            RelapseStatus::NoResponse => Self::NoResponse,
            RelapseStatus::NoneByTEnd => Self::NoneByTEnd,
        }
    }
}

/// One patient × regimen as the survival analysis sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// How the run ended.
    pub status: RunStatus,
    /// The relapse time (time units) when `status` is `Relapsed`.
    pub relapse_time: Option<f64>,
}

impl Outcome {
    /// A failed run.
    pub const FAILED: Self = Self {
        status: RunStatus::SolverFailure,
        relapse_time: None,
    };

    /// The outcome of a measured run; a model without a relapse observable counts as failed
    /// (the CLI refuses such models before running).
    pub fn of(metrics: &RegimenMetrics) -> Self {
        match &metrics.observable {
            Some(o) => Self {
                status: o.relapse_status.into(),
                relapse_time: o.relapse_time,
            },
            None => Self::FAILED,
        }
    }

    /// The survival observation under the default event definition (module documentation);
    /// `None` for a failed run.
    pub fn observation(&self, t_end: f64) -> Option<Observation> {
        match (self.status, self.relapse_time) {
            (RunStatus::Relapsed, Some(t)) => Some(Observation::event(t)),
            (RunStatus::NoResponse, _) => Some(Observation::event(0.0)),
            (RunStatus::NoneByTEnd, _) => Some(Observation::censored(t_end)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::from_name(s.as_str()), Some(s));
        }
        assert_eq!(RunStatus::from_name("relapse"), None);
    }

    #[test]
    fn default_event_definition() {
        let at = |status, relapse_time| Outcome { status, relapse_time }.observation(365.0);
        assert_eq!(
            at(RunStatus::Relapsed, Some(90.0)),
            Some(Observation::event(90.0))
        );
        assert_eq!(at(RunStatus::NoResponse, None), Some(Observation::event(0.0)));
        assert_eq!(
            at(RunStatus::NoneByTEnd, None),
            Some(Observation::censored(365.0))
        );
        assert_eq!(Outcome::FAILED.observation(365.0), None);
    }
}
