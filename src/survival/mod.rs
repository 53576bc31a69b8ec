//! Survival statistics for relapse-free time: the Kaplan–Meier estimator with Greenwood
//! variance and pointwise 95 % confidence intervals, landmark survival, the median with its
//! Brookmeyer–Crowley interval, the restricted mean, the log-rank test of two groups, and
//! type-7 sample quantiles. Pure functions of the data: no I/O, no printing, no panics.
//!
//! Conventions (R's `survival` package, Therneau, version 3.x, is the reference throughout):
//! - an observation is a time ≥ 0 and an [`Outcome`]: the event (relapse) was seen at that
//!   time, or the subject was censored there; times are grouped by exact equality;
//! - at a time with both events and censorings, the events come first: censored subjects are
//!   still at risk at their censoring time (Kaplan & Meier 1958);
//! - the number at risk at t counts the subjects whose time is ≥ t (R's `n.risk`);
//! - survival is a right-continuous step function: S(t) is the estimate after the events at
//!   the last event time ≤ t; past the last observation it is carried forward (R's
//!   `summary(fit, times, extend = TRUE)`).
//!
//! References:
//! - Kaplan E. L., Meier P. (1958), J. Am. Stat. Assoc. 53:457–481 (the estimator);
//! - Greenwood M. (1926), Rep. Public Health Med. Subj. 33 (the variance);
//! - Kalbfleisch J. D., Prentice R. L. (1980), The Statistical Analysis of Failure Time Data,
//!   Wiley, and Klein J. P., Moeschberger M. L. (2003), Survival Analysis, 2nd ed., §4.3
//!   (the log–log transformed interval);
//! - Brookmeyer R., Crowley J. (1982), Biometrics 38:29–41 (the median's interval);
//! - Mantel N. (1966), Cancer Chemother. Rep. 50:163–170, and Peto R., Peto J. (1972),
//!   J. R. Stat. Soc. A 135:185–207 (the log-rank test);
//! - Hyndman R. J., Fan Y. (1996), Am. Stat. 50:361–365 (sample quantile definitions).
//!
//! Mapping the relapse statuses of [`crate::metrics::RelapseStatus`] onto observations (the
//! default event definition of a population run): `relapsed` → event at the relapse time;
//! `none_by_t_end` → censored at t_end; `no_response` → event at time 0 (primary resistance).

mod interval;
mod kaplan_meier;
mod logrank;
mod median;
mod quantiles;

pub use interval::{ConfidenceInterval, IntervalKind, Z_95};
pub use kaplan_meier::{KaplanMeier, Step, SurvivalEstimate};
pub use logrank::{GroupEvents, LogRankTest, chi_square_1df_p_value, log_rank};
pub use median::{MedianEstimate, QUANTILE_TOLERANCE};
pub use quantiles::{Quartiles, SortedSample};

/// What was seen at an observation's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The event (relapse) happened at this time.
    Event,
    /// Follow-up ended at this time without the event (right censoring).
    Censored,
}

/// One subject's follow-up: a time (time units of the model, ≥ 0) and what was seen then.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// Event or censoring time (time units), finite and ≥ 0 once inside a [`SurvivalSample`].
    pub time: f64,
    /// Whether the event was seen at `time`.
    pub outcome: Outcome,
}

impl Observation {
    /// An event (relapse) seen at `time`.
    pub fn event(time: f64) -> Self {
        Self {
            time,
            outcome: Outcome::Event,
        }
    }

    /// Follow-up censored at `time`.
    pub fn censored(time: f64) -> Self {
        Self {
            time,
            outcome: Outcome::Censored,
        }
    }

    /// Whether this observation is an event.
    pub fn is_event(&self) -> bool {
        self.outcome == Outcome::Event
    }
}

/// A validated group of observations, sorted by time: every time is finite and ≥ 0.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SurvivalSample {
    observations: Vec<Observation>,
}

impl SurvivalSample {
    /// Checks and sorts `observations`; an empty group is valid.
    ///
    /// Errors with [`SurvivalError::InvalidTime`] naming the first observation (in input order)
    /// whose time is NaN, infinite or negative. A time of −0.0 is stored as 0.0.
    pub fn new(observations: impl IntoIterator<Item = Observation>) -> Result<Self, SurvivalError> {
        let mut checked = Vec::new();
        for (index, observation) in observations.into_iter().enumerate() {
            let time = observation.time;
            if !time.is_finite() || time < 0.0 {
                return Err(SurvivalError::InvalidTime { index, time });
            }
            // + 0.0 turns −0.0 into 0.0, so sorting by total order keeps all zeros together.
            checked.push(Observation {
                time: time + 0.0,
                ..observation
            });
        }
        checked.sort_by(|a, b| a.time.total_cmp(&b.time));
        Ok(Self {
            observations: checked,
        })
    }

    /// The observations, sorted by time (ties keep their input order).
    pub fn observations(&self) -> &[Observation] {
        &self.observations
    }

    /// Number of subjects.
    pub fn len(&self) -> usize {
        self.observations.len()
    }

    /// Whether the group has no subjects.
    pub fn is_empty(&self) -> bool {
        self.observations.is_empty()
    }

    /// Number of events.
    pub fn events(&self) -> usize {
        self.observations.iter().filter(|o| o.is_event()).count()
    }
}

/// Invalid input to the survival statistics; each variant names the offending value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurvivalError {
    /// An observation's time is NaN, infinite or negative.
    #[error("observation {index} has time {time}; survival times must be finite and ≥ 0")]
    InvalidTime {
        /// Position of the observation in the input (0-based).
        index: usize,
        /// The time found.
        time: f64,
    },
    /// A time at which the curve was queried is NaN.
    #[error("query time is {time}; ask for a number (±∞ is allowed)")]
    InvalidQueryTime {
        /// The time found.
        time: f64,
    },
    /// The end of a restricted mean is NaN, infinite or negative.
    #[error("restriction time {t_end} must be finite and ≥ 0")]
    InvalidRestrictionTime {
        /// The end time found.
        t_end: f64,
    },
    /// A value of a quantile sample is NaN or infinite.
    #[error("sample value {index} is {value}; quantiles need finite values")]
    NonFiniteValue {
        /// Position of the value in the input (0-based).
        index: usize,
        /// The value found.
        value: f64,
    },
    /// A quantile probability is outside [0, 1] or NaN.
    #[error("probability {probability} is outside [0, 1]")]
    InvalidProbability {
        /// The probability found.
        probability: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rejects_nan_infinite_and_negative_times_with_their_index() {
        let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1e-300];
        for time in bad {
            let err =
                SurvivalSample::new([Observation::event(1.0), Observation::censored(time)]).unwrap_err();
            match err {
                SurvivalError::InvalidTime { index, time: found } => {
                    assert_eq!(index, 1);
                    assert!(found.total_cmp(&time).is_eq());
                }
                other => panic!("unexpected error {other:?}"),
            }
        }
    }

    #[test]
    fn sample_sorts_and_normalises_negative_zero() {
        let sample = SurvivalSample::new([
            Observation::event(3.0),
            Observation::censored(-0.0),
            Observation::event(0.0),
        ])
        .unwrap();
        let times: Vec<f64> = sample.observations().iter().map(|o| o.time).collect();
        assert_eq!(times, [0.0, 0.0, 3.0]);
        assert!(times[0].is_sign_positive());
        assert_eq!(sample.len(), 3);
        assert_eq!(sample.events(), 2);
        assert!(SurvivalSample::new([]).unwrap().is_empty());
    }

    #[test]
    fn error_messages_name_the_value() {
        let err = SurvivalSample::new([Observation::event(f64::NAN)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "observation 0 has time NaN; survival times must be finite and ≥ 0"
        );
    }
}
