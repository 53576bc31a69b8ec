//! The Kaplan–Meier estimator (Kaplan & Meier 1958) with Greenwood's variance (1926):
//! S(t) = Π_{tᵢ ≤ t} (nᵢ − dᵢ)/nᵢ, Var S(t) = S(t)² Σ_{tᵢ ≤ t} dᵢ/(nᵢ(nᵢ − dᵢ)), over the
//! distinct event times tᵢ with nᵢ at risk (time ≥ tᵢ) and dᵢ events; plus what is read off the
//! curve: survival at a landmark, the number at risk, and the restricted mean.

use super::interval::{self, ConfidenceInterval, IntervalKind};
use super::{SurvivalError, SurvivalSample};

/// One row of the Kaplan–Meier table: a distinct observed time (event or censoring), as in
/// R's `summary(fit, censored = TRUE)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The time (time units).
    pub time: f64,
    /// Subjects at risk just before `time`: those whose time is ≥ `time`.
    pub at_risk: usize,
    /// Events at `time`.
    pub events: usize,
    /// Subjects censored at `time` (counted at risk at `time`: events come first).
    pub censored: usize,
    /// S(time), after the events at `time`; in [0, 1].
    pub survival: f64,
    /// Greenwood standard error of log S(time): sqrt(Σ d/(n(n − d))) over event times ≤ `time`
    /// (R's `std.err` of a `survfit`); +∞ once every subject at risk had the event (S = 0).
    pub log_std_err: f64,
}

impl Step {
    /// Whether an event happened at this time (the curve drops here).
    pub fn has_events(&self) -> bool {
        self.events > 0
    }

    /// Greenwood variance of S: S²·σ²; `None` where it is undefined (S = 0).
    pub fn greenwood_variance(&self) -> Option<f64> {
        greenwood_variance(self.survival, self.log_std_err)
    }

    /// Pointwise 95 % interval for S at this time; `None` where S = 0 (see
    /// [`IntervalKind`]).
    pub fn interval(&self, kind: IntervalKind) -> Option<ConfidenceInterval> {
        interval::pointwise(self.survival, self.log_std_err, kind)
    }
}

/// The survival estimate at one time, read off the step function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurvivalEstimate {
    /// The time asked for (time units).
    pub time: f64,
    /// S at the last event time ≤ `time` (1 before the first event).
    pub survival: f64,
    /// Greenwood variance of S; `None` where S = 0.
    pub greenwood_variance: Option<f64>,
    /// Pointwise 95 % interval; `None` where S = 0.
    pub interval: Option<ConfidenceInterval>,
}

/// A Kaplan–Meier survival curve of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    subjects: usize,
    steps: Vec<Step>,
}

impl KaplanMeier {
    /// Estimates the curve of `sample`. An empty sample gives a curve with no steps (S = 1
    /// everywhere, no one at risk).
    pub fn estimate(sample: &SurvivalSample) -> Self {
        let observations = sample.observations();
        let mut steps: Vec<Step> = Vec::new();
        let mut at_risk = observations.len();
        let (mut survival, mut greenwood_sum) = (1.0_f64, 0.0_f64);
        let mut start = 0;
        while start < observations.len() {
            let time = observations[start].time;
            let end = start
                + observations[start..]
                    .iter()
                    .take_while(|o| o.time == time)
                    .count();
            let events = observations[start..end].iter().filter(|o| o.is_event()).count();
            if events > 0 {
                survival *= (at_risk - events) as f64 / at_risk as f64;
                // d/(n(n − d)) is +∞ when all at risk fail, which makes S = 0 at the same time.
                greenwood_sum += events as f64 / (at_risk as f64 * (at_risk - events) as f64);
            }
            steps.push(Step {
                time,
                at_risk,
                events,
                censored: end - start - events,
                survival,
                log_std_err: greenwood_sum.sqrt(),
            });
            at_risk -= end - start;
            start = end;
        }
        Self {
            subjects: observations.len(),
            steps,
        }
    }

    /// Number of subjects.
    pub fn subjects(&self) -> usize {
        self.subjects
    }

    /// Total number of events.
    pub fn events(&self) -> usize {
        self.steps.iter().map(|s| s.events).sum()
    }

    /// One row per distinct observed time (events or censorings), in increasing time; rows with
    /// only censorings mark the censoring ticks of a plot and leave S unchanged.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The rows with at least one event: the classic Kaplan–Meier table, where the curve drops.
    pub fn event_steps(&self) -> impl Iterator<Item = &Step> + '_ {
        self.steps.iter().filter(|s| s.has_events())
    }

    /// Survival at `time` with its pointwise interval of `kind`: the right-continuous step, so
    /// the value after the events at the last event time ≤ `time` (1 before the first event,
    /// carried forward past the last observation).
    ///
    /// Errors if `time` is NaN.
    pub fn survival_at(&self, time: f64, kind: IntervalKind) -> Result<SurvivalEstimate, SurvivalError> {
        if time.is_nan() {
            return Err(SurvivalError::InvalidQueryTime { time });
        }
        let (survival, log_std_err) = self
            .last_step_at_or_before(time)
            .map_or((1.0, 0.0), |s| (s.survival, s.log_std_err));
        Ok(SurvivalEstimate {
            time,
            survival,
            greenwood_variance: greenwood_variance(survival, log_std_err),
            interval: interval::pointwise(survival, log_std_err, kind),
        })
    }

    /// Number of subjects at risk at `time` (whose time is ≥ `time`), for an at-risk table.
    ///
    /// Errors if `time` is NaN.
    pub fn number_at_risk(&self, time: f64) -> Result<usize, SurvivalError> {
        if time.is_nan() {
            return Err(SurvivalError::InvalidQueryTime { time });
        }
        let next = self.steps.partition_point(|s| s.time < time);
        Ok(self.steps.get(next).map_or(0, |s| s.at_risk))
    }

    /// Restricted mean survival time: ∫₀^t_end S(u) du under the step curve (time units), with S
    /// carried forward past the last observation (R's `print(fit, rmean = t_end)`).
    ///
    /// Errors if `t_end` is NaN, infinite or negative.
    pub fn restricted_mean(&self, t_end: f64) -> Result<f64, SurvivalError> {
        if !t_end.is_finite() || t_end < 0.0 {
            return Err(SurvivalError::InvalidRestrictionTime { t_end });
        }
        let (mut area, mut from, mut level) = (0.0, 0.0, 1.0);
        for step in self.event_steps().take_while(|s| s.time < t_end) {
            area += level * (step.time - from);
            (from, level) = (step.time, step.survival);
        }
        Ok(area + level * (t_end - from))
    }

    /// The last row whose time is ≤ `time` (censoring-only rows carry S unchanged).
    fn last_step_at_or_before(&self, time: f64) -> Option<&Step> {
        let after = self.steps.partition_point(|s| s.time <= time);
        after.checked_sub(1).map(|i| &self.steps[i])
    }
}

fn greenwood_variance(survival: f64, log_std_err: f64) -> Option<f64> {
    (survival > 0.0 && log_std_err.is_finite()).then(|| (survival * log_std_err).powi(2))
}

#[cfg(test)]
mod tests {
    use super::super::Observation;
    use super::*;

    fn curve(observations: &[Observation]) -> KaplanMeier {
        KaplanMeier::estimate(&SurvivalSample::new(observations.iter().copied()).unwrap())
    }

    #[test]
    fn without_censoring_survival_is_the_empirical_fraction_left() {
        // Closed form: S(t) = #{time > t}/n; Greenwood reduces to S(1 − S)/n.
        let km = curve(&[1.0, 2.0, 2.0, 4.0].map(Observation::event));
        let rows: Vec<(f64, usize, usize, f64)> = km
            .steps()
            .iter()
            .map(|s| (s.time, s.at_risk, s.events, s.survival))
            .collect();
        assert_eq!(rows, [(1.0, 4, 1, 0.75), (2.0, 3, 2, 0.25), (4.0, 1, 1, 0.0)]);
        let var = km.steps()[1].greenwood_variance().unwrap();
        assert!((var - 0.25 * 0.75 / 4.0).abs() < 1e-15);
        assert_eq!(km.steps()[2].greenwood_variance(), None);
        assert_eq!(km.steps()[2].interval(IntervalKind::LogLog), None);
    }

    #[test]
    fn events_come_before_censorings_at_a_shared_time() {
        // At t = 2: 3 at risk (the censored one included), 1 event → S = 2/3 · 1 · … .
        let km = curve(&[
            Observation::censored(2.0),
            Observation::event(2.0),
            Observation::event(3.0),
        ]);
        let first = km.steps()[0];
        assert_eq!((first.at_risk, first.events, first.censored), (3, 1, 1));
        assert!((first.survival - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(km.steps()[1].at_risk, 1);
        assert_eq!(km.steps()[1].survival, 0.0);
    }

    #[test]
    fn landmarks_are_right_continuous_and_carried_forward() {
        let km = curve(&[
            Observation::event(1.0),
            Observation::event(2.0),
            Observation::censored(3.0),
        ]);
        let at = |t: f64| km.survival_at(t, IntervalKind::LogLog).unwrap().survival;
        assert_eq!(at(-1.0), 1.0);
        assert_eq!(at(0.999), 1.0);
        assert!((at(1.0) - 2.0 / 3.0).abs() < 1e-15);
        assert!((at(2.5) - 1.0 / 3.0).abs() < 1e-15);
        assert!((at(1e9) - 1.0 / 3.0).abs() < 1e-15);
        assert!((at(f64::INFINITY) - 1.0 / 3.0).abs() < 1e-15);
        assert!(km.survival_at(f64::NAN, IntervalKind::LogLog).is_err());
        let before = km.survival_at(0.5, IntervalKind::LogLog).unwrap();
        assert_eq!(
            before.interval,
            Some(ConfidenceInterval {
                lower: 1.0,
                upper: 1.0
            })
        );
        assert_eq!(before.greenwood_variance, Some(0.0));
    }

    #[test]
    fn number_at_risk_counts_times_at_or_after() {
        let km = curve(&[
            Observation::event(1.0),
            Observation::censored(2.0),
            Observation::event(2.0),
        ]);
        let n = |t: f64| km.number_at_risk(t).unwrap();
        assert_eq!(
            [n(-5.0), n(0.0), n(1.0), n(1.5), n(2.0), n(2.1)],
            [3, 3, 3, 2, 2, 0]
        );
        assert!(km.number_at_risk(f64::NAN).is_err());
    }

    #[test]
    fn restricted_mean_is_the_area_under_the_steps() {
        // S = 1 on [0, 1), 2/3 on [1, 2), 1/3 after: area to 4 = 1 + 2/3 + 2·1/3.
        let km = curve(&[
            Observation::event(1.0),
            Observation::event(2.0),
            Observation::censored(3.0),
        ]);
        assert!((km.restricted_mean(4.0).unwrap() - (1.0 + 2.0 / 3.0 + 2.0 / 3.0)).abs() < 1e-15);
        assert!((km.restricted_mean(1.5).unwrap() - (1.0 + 0.5 * 2.0 / 3.0)).abs() < 1e-15);
        assert_eq!(km.restricted_mean(0.0).unwrap(), 0.0);
        for bad in [f64::NAN, f64::INFINITY, -1.0] {
            assert!(km.restricted_mean(bad).is_err());
        }
    }

    #[test]
    fn empty_sample_gives_a_flat_curve() {
        let km = curve(&[]);
        assert_eq!((km.subjects(), km.events(), km.steps().len()), (0, 0, 0));
        assert_eq!(km.survival_at(3.0, IntervalKind::Plain).unwrap().survival, 1.0);
        assert_eq!(km.number_at_risk(0.0).unwrap(), 0);
        assert_eq!(km.restricted_mean(2.5).unwrap(), 2.5);
    }
}
