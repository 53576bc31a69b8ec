//! Survival statistics against the classic 6-MP leukaemia remission data and closed forms.
//!
//! Data: Freireich et al., Blood 21:699–716 (1963), as listed by Gehan, Biometrika 52:203–223
//! (1965), Kleinbaum & Klein, Survival Analysis (3rd ed., ch. 2), Collett, and R's `MASS::gehan`:
//! remission times in weeks, * = censored.
//! - 6-MP:    6,6,6,6*,7,9*,10,10*,11*,13,16,17*,19*,20*,22,23,25*,32*,32*,34*,35*
//! - placebo: 1,1,2,2,3,4,4,5,5,8,8,8,8,11,11,12,12,15,17,22,23 (all relapses)
//!
//! Published values, as quoted in the issue from those textbooks (checked to half a unit of
//! their last digit): 6-MP S(t) = 0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448 at
//! t = 6, 7, 10, 13, 16, 22, 23; medians 23 (6-MP) and 8 (placebo); log-rank χ² = 16.79,
//! p ≈ 4.2e-5.
//!
//! Full-precision references (checked to 1e-9, relative above 1; the printed interval limits to
//! 1e-11) come from this independent Python 3 script, run for this test: exact fractions for S,
//! the Greenwood sums, the restricted means and the log-rank sums; floats only for logs, square
//! roots and `math.erfc`.
//! ```text
//! from fractions import Fraction as F
//! import math
//! Z = 1.959963984540054
//! mp = [(6,1),(6,1),(6,1),(6,0),(7,1),(9,0),(10,1),(10,0),(11,0),(13,1),(16,1),(17,0),(19,0),(20,0),
//!       (22,1),(23,1),(25,0),(32,0),(32,0),(34,0),(35,0)]
//! pl = [(t,1) for t in [1,1,2,2,3,4,4,5,5,8,8,8,8,11,11,12,12,15,17,22,23]]
//! def km(data):  # event rows (t, n, d, c, S, Greenwood sum); S = 0 only at the last placebo row
//!     rows, s, g = [], F(1), F(0)
//!     for t in sorted({t for t, _ in data}):
//!         n = sum(u >= t for u, _ in data); d = sum(u == t and e for u, e in data)
//!         if d:
//!             s *= F(n - d, n); g += F(d, n * (n - d)) if n > d else 0
//!             rows.append((t, n, d, sum(u == t and not e for u, e in data), s, g))
//!     return rows
//! def loglog(s, g):
//!     s = float(s); se = math.sqrt(float(g)) / abs(math.log(s)); return s**math.exp(Z*se), s**math.exp(-Z*se)
//! def plain(s, g):
//!     h = Z * float(s) * math.sqrt(float(g)); return max(0, float(s) - h), min(1, float(s) + h)
//! def first(rows, ok): return next((t for t, n, d, c, s, g in rows if 0 < s and ok(s, g)), None)
//! def rmst(rows, end):
//!     area, prev, cur = F(0), 0, F(1)
//!     for t, n, d, c, s, g in (r for r in rows if r[0] < end): area += cur * (t - prev); prev, cur = t, s
//!     return area + cur * (end - prev)
//! for name, data in (("6-MP", mp), ("placebo", pl)):
//!     rows = km(data)
//!     for t, n, d, c, s, g in rows:
//!         if s: print(name, t, n, d, c, s, f"{float(s*s*g):.15e}", loglog(s, g), plain(s, g))
//!     print(name, "median", next(t for t, n, d, c, s, g in rows if s <= F(1, 2)),
//!           "loglog", first(rows, lambda s, g: loglog(s, g)[0] <= .5), first(rows, lambda s, g: loglog(s, g)[1] <= .5),
//!           "plain", first(rows, lambda s, g: plain(s, g)[0] <= .5), first(rows, lambda s, g: plain(s, g)[1] <= .5),
//!           "rmst", [rmst(rows, e) for e in (10, 23, 35)],
//!           "at risk", [sum(u >= t for u, _ in data) for t in range(0, 45, 5)])
//! O, E, V = 0, F(0), F(0)
//! for t in sorted({t for t, e in mp + pl if e}):
//!     n1 = sum(u >= t for u, _ in mp); n2 = sum(u >= t for u, _ in pl); n = n1 + n2
//!     d1 = sum(u == t and e for u, e in mp); d = d1 + sum(u == t and e for u, e in pl)
//!     O += d1; E += F(d * n1, n); V += F(n1 * n2 * d * (n - d), n * n * (n - 1)) if n > 1 else 0
//! chi2 = float((O - E)**2 / V)
//! print("log-rank O", O, "E", E, float(E), float(30 - E), "V", float(V), "chi2", chi2, "p", math.erfc(math.sqrt(chi2 / 2)))
//! ```

mod common;

use common::assert_close;
use relapse::survival::{
    IntervalKind, KaplanMeier, MedianEstimate, Observation, Quartiles, SortedSample, SurvivalError,
    SurvivalSample, log_rank,
};

/// Tolerance for the full-precision references: 1e-9, relative above 1 (within the 1e-6 the
/// issue asks for).
const TIGHT: f64 = 1e-9;

fn six_mp() -> SurvivalSample {
    let relapses = [6.0, 6.0, 6.0, 7.0, 10.0, 13.0, 16.0, 22.0, 23.0];
    let censored = [
        6.0, 9.0, 10.0, 11.0, 17.0, 19.0, 20.0, 25.0, 32.0, 32.0, 34.0, 35.0,
    ];
    let observations = relapses
        .map(Observation::event)
        .into_iter()
        .chain(censored.map(Observation::censored));
    SurvivalSample::new(observations).unwrap()
}

fn placebo() -> SurvivalSample {
    let relapses = [
        1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
    ];
    SurvivalSample::new(relapses.map(|t| Observation::event(f64::from(t)))).unwrap()
}

#[test]
fn six_mp_kaplan_meier_table() {
    let km = KaplanMeier::estimate(&six_mp());
    // (time, at risk, events, censored at that time, S as the exact fraction, Greenwood Var S),
    // from the script above.
    let expected = [
        (6.0, 21, 3, 1, 6.0 / 7.0, 5.830903790087463e-03),
        (7.0, 17, 1, 0, 96.0 / 119.0, 7.557743809337872e-03),
        (10.0, 15, 1, 1, 64.0 / 85.0, 9.283255632125976e-03),
        (13.0, 12, 1, 0, 176.0 / 255.0, 1.140938179706074e-02),
        (16.0, 11, 1, 0, 32.0 / 51.0, 1.300828418000546e-02),
        (22.0, 7, 1, 0, 64.0 / 119.0, 1.64438950732707e-02),
        (23.0, 6, 1, 0, 160.0 / 357.0, 1.811486023163774e-02),
    ];
    let rows: Vec<_> = km.event_steps().collect();
    assert_eq!(rows.len(), expected.len());
    for (row, (time, at_risk, events, censored, survival, variance)) in rows.iter().zip(expected) {
        assert_eq!(
            (row.time, row.at_risk, row.events, row.censored),
            (time, at_risk, events, censored)
        );
        assert_close(row.survival, survival, TIGHT, 1.0, &format!("S({time})"));
        assert_close(
            row.greenwood_variance().unwrap(),
            variance,
            TIGHT,
            1.0,
            &format!("Var S({time})"),
        );
    }
    // Published, 3 decimals.
    let published = [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448];
    for (row, s) in rows.iter().zip(published) {
        assert!(
            (row.survival - s).abs() <= 5e-4,
            "S({}) = {} vs published {s}",
            row.time,
            row.survival
        );
    }
    // Every distinct time has a row (16 of them), censoring-only rows keep S.
    assert_eq!(km.steps().len(), 16);
    assert_eq!((km.subjects(), km.events()), (21, 9));
    let last = km.steps().last().unwrap();
    assert_eq!(
        (last.time, last.at_risk, last.events, last.censored),
        (35.0, 1, 0, 1)
    );
    assert_close(last.survival, 160.0 / 357.0, TIGHT, 1.0, "S(35)");
}

#[test]
fn six_mp_pointwise_intervals_log_log_and_plain() {
    let km = KaplanMeier::estimate(&six_mp());
    // (time, log–log lower, upper, plain lower, upper), from the script above.
    let expected = [
        (6.0, 0.619717955266, 0.951551747647, 0.707479311825, 1.0),
        (
            7.0,
            0.563146564622,
            0.922809019203,
            0.636332661137,
            0.977112717014,
        ),
        (
            10.0,
            0.503199510800,
            0.889361835169,
            0.564099326679,
            0.941783026262,
        ),
        (
            13.0,
            0.431610222486,
            0.849065963349,
            0.480843098173,
            0.899549058690,
        ),
        (
            16.0,
            0.367510855988,
            0.804912189472,
            0.403909512191,
            0.850992448593,
        ),
        (
            22.0,
            0.267778936767,
            0.746790717635,
            0.286481591130,
            0.789148660971,
        ),
        (
            23.0,
            0.188052005959,
            0.680142628495,
            0.184384863841,
            0.711973679577,
        ),
    ];
    for (row, (time, ll_lower, ll_upper, plain_lower, plain_upper)) in km.event_steps().zip(expected) {
        let log_log = row.interval(IntervalKind::LogLog).unwrap();
        let plain = row.interval(IntervalKind::Plain).unwrap();
        // the script prints 16 digits; compare to 1e-11.
        assert_close(
            log_log.lower,
            ll_lower,
            1e-11,
            1.0,
            &format!("log-log lower at {time}"),
        );
        assert_close(
            log_log.upper,
            ll_upper,
            1e-11,
            1.0,
            &format!("log-log upper at {time}"),
        );
        assert_close(
            plain.lower,
            plain_lower,
            1e-11,
            1.0,
            &format!("plain lower at {time}"),
        );
        assert_close(
            plain.upper,
            plain_upper,
            1e-11,
            1.0,
            &format!("plain upper at {time}"),
        );
    }
    assert_eq!(IntervalKind::default(), IntervalKind::LogLog);
}

#[test]
fn six_mp_landmarks() {
    let km = KaplanMeier::estimate(&six_mp());
    let at = |t: f64| km.survival_at(t, IntervalKind::LogLog).unwrap();
    assert_eq!(at(5.999).survival, 1.0);
    // Right-continuous: S(10) includes the relapse at 10, S(12) is still S(10).
    for t in [10.0, 12.0] {
        let estimate = at(t);
        assert_close(estimate.survival, 64.0 / 85.0, TIGHT, 1.0, "S(10)");
        let ci = estimate.interval.unwrap();
        assert_close(ci.lower, 0.503199510800, 1e-11, 1.0, "lower at 10");
        assert_close(ci.upper, 0.889361835169, 1e-11, 1.0, "upper at 10");
    }
    // Past the last observation (35) the estimate is carried forward.
    assert_close(at(52.0).survival, 160.0 / 357.0, TIGHT, 1.0, "S(52)");
}

#[test]
fn medians_with_brookmeyer_crowley_intervals() {
    let (treated, control) = (
        KaplanMeier::estimate(&six_mp()),
        KaplanMeier::estimate(&placebo()),
    );
    // Log–log (default): 6-MP 23 [13, not reached], placebo 8 [4, 11] (the script above).
    assert_eq!(
        treated.median(IntervalKind::LogLog),
        MedianEstimate {
            value: Some(23.0),
            lower: Some(13.0),
            upper: None
        }
    );
    assert_eq!(
        control.median(IntervalKind::LogLog),
        MedianEstimate {
            value: Some(8.0),
            lower: Some(4.0),
            upper: Some(11.0)
        }
    );
    // Plain Greenwood bands give the same limits on these data (the script above).
    assert_eq!(treated.median(IntervalKind::Plain).lower, Some(13.0));
    assert_eq!(control.median(IntervalKind::Plain).upper, Some(11.0));
}

#[test]
fn restricted_means() {
    let (treated, control) = (
        KaplanMeier::estimate(&six_mp()),
        KaplanMeier::estimate(&placebo()),
    );
    // Exact fractions from the script above.
    assert_close(
        treated.restricted_mean(35.0).unwrap(),
        13856.0 / 595.0,
        TIGHT,
        1.0,
        "RMST 6-MP 35",
    );
    assert_close(
        treated.restricted_mean(23.0).unwrap(),
        10656.0 / 595.0,
        TIGHT,
        1.0,
        "RMST 6-MP 23",
    );
    assert_close(
        treated.restricted_mean(10.0).unwrap(),
        1104.0 / 119.0,
        TIGHT,
        1.0,
        "RMST 6-MP 10",
    );
    // Closed form: without censoring and with t_end ≥ the last time, the area under the curve is
    // the sample mean, 182/21 weeks.
    assert_close(
        control.restricted_mean(23.0).unwrap(),
        182.0 / 21.0,
        TIGHT,
        1.0,
        "RMST placebo",
    );
    assert_close(
        control.restricted_mean(35.0).unwrap(),
        182.0 / 21.0,
        TIGHT,
        1.0,
        "RMST placebo",
    );
    assert_close(
        control.restricted_mean(10.0).unwrap(),
        139.0 / 21.0,
        TIGHT,
        1.0,
        "RMST placebo 10",
    );
}

#[test]
fn log_rank_six_mp_against_placebo() {
    let test = log_rank(&six_mp(), &placebo());
    // the script above: O = 9 and 21, E₁ = 406602257588/21121645545, V = 6.2569605736755,
    // χ² = 16.792940989216532, p = 4.16880910933455e-05.
    assert_eq!((test.regimen.observed, test.baseline.observed), (9, 21));
    assert_close(
        test.regimen.expected,
        406_602_257_588.0 / 21_121_645_545.0,
        TIGHT,
        1.0,
        "E 6-MP",
    );
    assert_close(test.baseline.expected, 10.74949905196887, TIGHT, 1.0, "E placebo");
    assert_close(test.variance, 6.2569605736755, TIGHT, 1.0, "V");
    assert_close(test.chi_square, 16.792940989216532, TIGHT, 1.0, "chi-square");
    assert_close(test.p_value, 4.16880910933455e-05, 1e-9, 0.0, "p (relative)");
    // Published: 16.79, p ≈ 4.2e-5.
    assert!((test.chi_square - 16.79).abs() <= 0.005);
    assert!((test.p_value - 4.2e-5).abs() <= 0.05e-5);
    // Swapping the groups swaps the labels, not the statistic.
    let swapped = log_rank(&placebo(), &six_mp());
    assert_close(swapped.chi_square, test.chi_square, 1e-12, 1.0, "symmetric");
}

#[test]
fn number_at_risk_table() {
    let times = [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0];
    let count = |sample: SurvivalSample| {
        let km = KaplanMeier::estimate(&sample);
        times.map(|t| km.number_at_risk(t).unwrap())
    };
    // Counts of times ≥ t in the lists above (the script above).
    assert_eq!(count(six_mp()), [21, 21, 15, 11, 8, 5, 4, 1, 0]);
    assert_eq!(count(placebo()), [21, 14, 8, 4, 2, 0, 0, 0, 0]);
}

#[test]
fn no_censoring_is_the_empirical_survival() {
    // Closed form: S(t) = #{time > t}/n and Var S = S(1 − S)/n (binomial).
    let times = [0.5, 1.0, 1.0, 2.0, 3.5, 4.0, 4.0, 4.0, 7.0, 9.0];
    let sample = SurvivalSample::new(times.map(Observation::event)).unwrap();
    let km = KaplanMeier::estimate(&sample);
    let n = times.len() as f64;
    for t in [0.0, 0.5, 0.7, 1.0, 3.9, 4.0, 8.0, 9.0, 10.0] {
        let empirical = times.iter().filter(|&&u| u > t).count() as f64 / n;
        let estimate = km.survival_at(t, IntervalKind::Plain).unwrap();
        assert_close(estimate.survival, empirical, 1e-14, 1.0, &format!("S({t})"));
        if empirical > 0.0 {
            let binomial = empirical * (1.0 - empirical) / n;
            assert_close(
                estimate.greenwood_variance.unwrap(),
                binomial,
                1e-12,
                1.0,
                &format!("Var({t})"),
            );
        }
    }
    // Closed form median: the smallest time with S ≤ 1/2 is 3.5 (S = 5/10).
    assert_eq!(km.median(IntervalKind::LogLog).value, Some(3.5));
    // RMST with t_end past the last time: the sample mean.
    let mean = times.iter().sum::<f64>() / n;
    assert_close(km.restricted_mean(12.0).unwrap(), mean, 1e-14, 1.0, "mean");
}

#[test]
fn all_censored_stays_at_one() {
    let sample = SurvivalSample::new([3.0, 5.0, 5.0, 8.0].map(Observation::censored)).unwrap();
    let km = KaplanMeier::estimate(&sample);
    assert!(km.steps().iter().all(|s| s.survival == 1.0));
    assert_eq!(km.event_steps().count(), 0);
    assert_eq!(
        km.median(IntervalKind::LogLog),
        MedianEstimate {
            value: None,
            lower: None,
            upper: None
        }
    );
    let landmark = km.survival_at(6.0, IntervalKind::LogLog).unwrap();
    assert_eq!(landmark.survival, 1.0);
    assert_eq!(landmark.interval.map(|ci| (ci.lower, ci.upper)), Some((1.0, 1.0)));
    assert_eq!(km.restricted_mean(10.0).unwrap(), 10.0);
    let test = log_rank(&sample, &sample);
    assert_eq!((test.chi_square, test.p_value), (0.0, 1.0));
}

#[test]
fn empty_group() {
    let empty = SurvivalSample::new([]).unwrap();
    let km = KaplanMeier::estimate(&empty);
    assert_eq!((km.subjects(), km.steps().len()), (0, 0));
    assert_eq!(km.median(IntervalKind::LogLog), MedianEstimate::default());
    assert_eq!(km.survival_at(1.0, IntervalKind::LogLog).unwrap().survival, 1.0);
    assert_eq!(km.number_at_risk(0.0).unwrap(), 0);
    assert_eq!(km.restricted_mean(4.0).unwrap(), 4.0);
    let test = log_rank(&empty, &six_mp());
    assert_eq!((test.chi_square, test.p_value), (0.0, 1.0));
    assert_eq!(test.baseline.observed, 9);
    assert_eq!(Quartiles::of(&SortedSample::new([]).unwrap()), None);
}

#[test]
fn all_events_at_time_zero() {
    // Non-responders only (event at 0): S(0) = 0, median 0, RMST 0; with S = 0 there is no
    // Greenwood variance, so no interval and no median limits (R reports NA).
    let sample = SurvivalSample::new([Observation::event(0.0); 4]).unwrap();
    let km = KaplanMeier::estimate(&sample);
    let landmark = km.survival_at(0.0, IntervalKind::LogLog).unwrap();
    assert_eq!(
        (landmark.survival, landmark.interval, landmark.greenwood_variance),
        (0.0, None, None)
    );
    assert_eq!(
        km.median(IntervalKind::LogLog),
        MedianEstimate {
            value: Some(0.0),
            lower: None,
            upper: None
        }
    );
    assert_eq!(km.restricted_mean(10.0).unwrap(), 0.0);
    assert_eq!(km.number_at_risk(0.0).unwrap(), 4);
    assert_eq!(km.number_at_risk(1e-9).unwrap(), 0);
}

#[test]
fn some_events_at_time_zero() {
    // 2 of 5 fail at 0 (primary resistance), then one at 2, two censored at 5:
    // S(0) = 3/5, S(2) = 3/5 · 2/3 = 2/5; Greenwood Σ = 2/(5·3) + 1/(3·2) = 3/10.
    let sample = SurvivalSample::new([
        Observation::event(0.0),
        Observation::event(0.0),
        Observation::event(2.0),
        Observation::censored(5.0),
        Observation::censored(5.0),
    ])
    .unwrap();
    let km = KaplanMeier::estimate(&sample);
    let s0 = km.survival_at(0.0, IntervalKind::Plain).unwrap();
    assert_close(s0.survival, 0.6, 1e-15, 1.0, "S(0)");
    let s2 = km.survival_at(2.0, IntervalKind::Plain).unwrap();
    assert_close(s2.survival, 0.4, 1e-15, 1.0, "S(2)");
    assert_close(s2.greenwood_variance.unwrap(), 0.16 * 0.3, 1e-15, 1.0, "Var S(2)");
    assert_eq!(km.median(IntervalKind::LogLog).value, Some(2.0));
    // Area: 3/5 on [0, 2), 2/5 on [2, 5].
    assert_close(km.restricted_mean(5.0).unwrap(), 1.2 + 1.2, 1e-15, 1.0, "RMST");
}

#[test]
fn tied_events_and_censorings_at_one_time() {
    // At t = 4: 4 at risk, 2 events and 1 censoring; the censored subject counts at risk
    // (events first): S = 2/4. Then 1 at risk, event at 6: S = 0.
    let sample = SurvivalSample::new([
        Observation::censored(4.0),
        Observation::event(4.0),
        Observation::event(6.0),
        Observation::event(4.0),
    ])
    .unwrap();
    let km = KaplanMeier::estimate(&sample);
    let row = km.steps()[0];
    assert_eq!((row.time, row.at_risk, row.events, row.censored), (4.0, 4, 2, 1));
    assert_close(row.survival, 0.5, 1e-15, 1.0, "S(4)");
    // Greenwood: 2/(4·2) = 1/4 → Var = 0.25 · 0.25.
    assert_close(row.greenwood_variance().unwrap(), 0.0625, 1e-15, 1.0, "Var S(4)");
    assert_eq!(km.steps()[1].at_risk, 1);
    assert_eq!(km.median(IntervalKind::LogLog).value, Some(4.0));
}

#[test]
fn invalid_times_are_typed_errors() {
    let nan = SurvivalSample::new([Observation::event(1.0), Observation::censored(f64::NAN)]);
    assert!(matches!(nan, Err(SurvivalError::InvalidTime { index: 1, time }) if time.is_nan()));
    let negative = SurvivalSample::new([Observation::event(-2.0)]);
    assert_eq!(negative, Err(SurvivalError::InvalidTime { index: 0, time: -2.0 }));
    let km = KaplanMeier::estimate(&six_mp());
    assert!(matches!(
        km.survival_at(f64::NAN, IntervalKind::LogLog),
        Err(SurvivalError::InvalidQueryTime { .. })
    ));
    assert_eq!(
        km.restricted_mean(f64::INFINITY),
        Err(SurvivalError::InvalidRestrictionTime { t_end: f64::INFINITY })
    );
}

#[test]
fn paired_delay_quartiles() {
    // Type 7 by hand: sorted 2, 3, 5, 8, 13, 21 (n = 6, h = 5p): median at h = 2.5 → 6.5;
    // q1 at h = 1.25 → 3 + 0.25·2 = 3.5; q3 at h = 3.75 → 8 + 0.75·5 = 11.75.
    let delays = SortedSample::new([13.0, 2.0, 21.0, 5.0, 3.0, 8.0]).unwrap();
    let q = Quartiles::of(&delays).unwrap();
    assert_eq!(q.n, 6);
    assert_close(q.median, 6.5, 1e-15, 1.0, "median");
    assert_close(q.q1, 3.5, 1e-15, 1.0, "q1");
    assert_close(q.q3, 11.75, 1e-15, 1.0, "q3");
    // The 5/95 % percentiles of the bands: h = 0.25 → 2.25; h = 4.75 → 13 + 0.75·8 = 19.
    assert_close(delays.quantile(0.05).unwrap().unwrap(), 2.25, 1e-14, 1.0, "p5");
    assert_close(delays.quantile(0.95).unwrap().unwrap(), 19.0, 1e-14, 1.0, "p95");
    assert!(matches!(
        SortedSample::new([1.0, f64::INFINITY]),
        Err(SurvivalError::NonFiniteValue { index: 1, .. })
    ));
}
