//! The Kaplan–Meier median and its Brookmeyer–Crowley (1982) 95 % confidence interval.
//!
//! The median is the smallest time at which S(t) ≤ 0.5 (not reached if S stays above 0.5).
//! The interval is the set of times t whose hypothesis "median = t" is not rejected,
//! |g(S(t)) − g(0.5)| / se(g(S(t))) ≤ z, with g the transform of the pointwise interval
//! (g(s) = log(−log s) for [`IntervalKind::LogLog`], the identity for [`IntervalKind::Plain`]).
//! Since g is monotone, t is in the set exactly when 0.5 lies inside the pointwise interval at
//! t, so, as in R's `quantile.survfit` (survival 3.x, `R/quantile.survfit.R`): the lower limit
//! is the first time at which the interval's lower band is ≤ 0.5 and the upper limit is the
//! first time at which its upper band is ≤ 0.5 (the first time the set ends); either is not
//! reached if its band stays above 0.5. Times with S = 0 have no interval and are skipped, as
//! R's NA bands are.
//!
//! One documented difference from R: where S (or a band) equals 0.5 exactly over a horizontal
//! segment, R returns the segment's midpoint; here the start of the segment is returned, the
//! smallest time at which the value is ≤ 0.5, as the population summary defines the median.

use super::interval::IntervalKind;
use super::kaplan_meier::{KaplanMeier, Step};

/// Tolerance for "S(t) ≤ 0.5": a product such as (19/20)(18/19)…(10/11) is 0.5 only up to
/// rounding, so values within this of 0.5 count as reaching it (R's `quantile.survfit` default,
/// `sqrt(.Machine$double.eps)`).
pub const QUANTILE_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// Median relapse-free time with its 95 % interval; `None` members are "not reached".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MedianEstimate {
    /// Smallest time with S ≤ 0.5 (time units).
    pub value: Option<f64>,
    /// Brookmeyer–Crowley lower limit (time units).
    pub lower: Option<f64>,
    /// Brookmeyer–Crowley upper limit (time units).
    pub upper: Option<f64>,
}

impl KaplanMeier {
    /// The median and its Brookmeyer–Crowley interval built on pointwise intervals of `kind`
    /// (use [`IntervalKind::LogLog`], the default, for the summary).
    pub fn median(&self, kind: IntervalKind) -> MedianEstimate {
        let level = 0.5 + QUANTILE_TOLERANCE;
        MedianEstimate {
            value: self.first_event_time(|s| s.survival <= level),
            lower: self.first_event_time(|s| s.interval(kind).is_some_and(|ci| ci.lower <= level)),
            upper: self.first_event_time(|s| s.interval(kind).is_some_and(|ci| ci.upper <= level)),
        }
    }

    fn first_event_time(&self, reached: impl Fn(&Step) -> bool) -> Option<f64> {
        self.event_steps().find(|s| reached(s)).map(|s| s.time)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Observation, SurvivalSample};
    use super::*;

    fn curve(observations: &[Observation]) -> KaplanMeier {
        KaplanMeier::estimate(&SurvivalSample::new(observations.iter().copied()).unwrap())
    }

    #[test]
    fn exact_half_counts_as_reached_despite_rounding() {
        // Twenty distinct event times: S after the 10th is 10/20 up to rounding.
        let times: Vec<Observation> = (1..=20).map(|t| Observation::event(f64::from(t))).collect();
        assert_eq!(curve(&times).median(IntervalKind::LogLog).value, Some(10.0));
    }

    #[test]
    fn tolerance_is_r_default() {
        assert_eq!(QUANTILE_TOLERANCE, f64::EPSILON.sqrt());
    }

    #[test]
    fn all_censored_has_no_median() {
        let km = curve(&[Observation::censored(1.0), Observation::censored(2.0)]);
        assert_eq!(km.median(IntervalKind::LogLog), MedianEstimate::default());
    }

    #[test]
    fn all_events_at_zero() {
        // S drops to 0 at t = 0: the median is 0 and, S = 0 having no interval, so are the limits
        // (R gives NA for both).
        let km = curve(&[Observation::event(0.0); 3]);
        let m = km.median(IntervalKind::LogLog);
        assert_eq!((m.value, m.lower, m.upper), (Some(0.0), None, None));
    }

    #[test]
    fn limits_bracket_the_median() {
        let times: Vec<Observation> = (1..=40).map(|t| Observation::event(f64::from(t))).collect();
        for kind in [IntervalKind::LogLog, IntervalKind::Plain] {
            let m = curve(&times).median(kind);
            let (lower, value, upper) = (m.lower.unwrap(), m.value.unwrap(), m.upper.unwrap());
            assert!(
                lower < value && value < upper,
                "{kind:?}: {lower} {value} {upper}"
            );
        }
    }
}
