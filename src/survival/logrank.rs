//! The log-rank (Mantel–Haenszel) test of equal survival in two groups (Mantel 1966; Peto &
//! Peto 1972), R's `survdiff(rho = 0)`.
//!
//! At each distinct event time tᵢ, with nᵢ = n₁ᵢ + n₂ᵢ at risk and dᵢ events (ties allowed),
//! the events of group 1 are hypergeometric under the null hypothesis:
//! E₁ᵢ = dᵢ n₁ᵢ / nᵢ and Vᵢ = n₁ᵢ n₂ᵢ dᵢ (nᵢ − dᵢ) / (nᵢ² (nᵢ − 1)).
//! Then χ² = (O₁ − E₁)² / V with O₁ = Σ d₁ᵢ, E₁ = Σ E₁ᵢ, V = Σ Vᵢ, referred to chi-square with
//! 1 degree of freedom: p = P(χ²₁ > χ²) = erfc(sqrt(χ²/2)).
//!
//! A zero V (no events, an empty group, or only times where everyone at risk failed) forces
//! O₁ − E₁ = 0 term by term; the test then has no information and reports χ² = 0, p = 1, as R's
//! `survdiff` does when fewer than two groups have expected events.

use super::SurvivalSample;

/// Observed and expected event counts of one group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupEvents {
    /// Events seen in the group.
    pub observed: usize,
    /// Events expected under equal survival, Σ dᵢ nᵢ(group) / nᵢ.
    pub expected: f64,
}

/// Result of a two-group log-rank test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRankTest {
    /// The chi-square statistic (1 degree of freedom), ≥ 0.
    pub chi_square: f64,
    /// P(χ²₁ > `chi_square`), in [0, 1].
    pub p_value: f64,
    /// Hypergeometric variance of O − E (the same for both groups).
    pub variance: f64,
    /// Counts of the first group (`regimen`).
    pub regimen: GroupEvents,
    /// Counts of the second group (`baseline`).
    pub baseline: GroupEvents,
}

/// Log-rank test of `regimen` against `baseline`. The statistic is symmetric in the two groups;
/// the order only labels the counts.
pub fn log_rank(regimen: &SurvivalSample, baseline: &SurvivalSample) -> LogRankTest {
    let (a, b) = (regimen.observations(), baseline.observations());
    let (mut i, mut j) = (0, 0);
    let (mut observed_a, mut observed_b) = (0, 0);
    let (mut expected_a, mut expected_b, mut variance) = (0.0, 0.0, 0.0);
    while i < a.len() || j < b.len() {
        let time = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.time.min(y.time),
            (Some(x), None) => x.time,
            (None, Some(y)) => y.time,
            (None, None) => break,
        };
        let (at_risk_a, at_risk_b) = ((a.len() - i) as f64, (b.len() - j) as f64);
        let (leaving_a, events_a) = tied_at(&a[i..], time);
        let (leaving_b, events_b) = tied_at(&b[j..], time);
        let events = events_a + events_b;
        if events > 0 {
            let (n, d) = (at_risk_a + at_risk_b, events as f64);
            expected_a += d * at_risk_a / n;
            expected_b += d * at_risk_b / n;
            if n > 1.0 {
                variance += at_risk_a * at_risk_b * d * (n - d) / (n * n * (n - 1.0));
            }
        }
        observed_a += events_a;
        observed_b += events_b;
        i += leaving_a;
        j += leaving_b;
    }
    let difference = observed_a as f64 - expected_a;
    let chi_square = if variance > 0.0 {
        difference * difference / variance
    } else {
        0.0
    };
    LogRankTest {
        chi_square,
        p_value: chi_square_1df_p_value(chi_square),
        variance,
        regimen: GroupEvents {
            observed: observed_a,
            expected: expected_a,
        },
        baseline: GroupEvents {
            observed: observed_b,
            expected: expected_b,
        },
    }
}

/// Upper tail of chi-square with 1 degree of freedom: P(χ²₁ > x) = P(|N(0,1)| > √x) =
/// erfc(sqrt(x/2)). `libm::erfc` is the FreeBSD msun / fdlibm rational approximation (error
/// below 1 ulp over the range), so small p-values keep their relative accuracy. Returns 1 for
/// x ≤ 0 and NaN for NaN.
pub fn chi_square_1df_p_value(x: f64) -> f64 {
    if x <= 0.0 {
        1.0
    } else {
        libm::erfc((0.5 * x).sqrt())
    }
}

/// (observations at `time` at the head of a sorted slice, events among them).
fn tied_at(sorted: &[super::Observation], time: f64) -> (usize, usize) {
    let tied = sorted.iter().take_while(|o| o.time == time);
    let (count, events) = tied.fold((0, 0), |(c, e), o| (c + 1, e + usize::from(o.is_event())));
    (count, events)
}

#[cfg(test)]
mod tests {
    use super::super::Observation;
    use super::*;

    fn sample(observations: &[Observation]) -> SurvivalSample {
        SurvivalSample::new(observations.iter().copied()).unwrap()
    }

    #[test]
    fn p_value_reference_points() {
        // Upper quantiles of chi-square(1): 3.841458820694124 at 0.05, 6.634896601021214 at 0.01
        // (R: qchisq(c(0.95, 0.99), 1)).
        assert!((chi_square_1df_p_value(3.841_458_820_694_124) - 0.05).abs() < 1e-14);
        assert!((chi_square_1df_p_value(6.634_896_601_021_214) - 0.01).abs() < 1e-15);
        assert_eq!(chi_square_1df_p_value(0.0), 1.0);
        assert_eq!(chi_square_1df_p_value(f64::INFINITY), 0.0);
        assert!(chi_square_1df_p_value(f64::NAN).is_nan());
    }

    #[test]
    fn tiny_case_by_hand() {
        // A: events at 1, 3; B: events at 2, 4. Times 1..4 with (n_A, n_B, d_A):
        // t=1 (2,2,1): E=1/2, V=1/4; t=2 (1,2,0): E=1/3, V=2/9; t=3 (1,1,1): E=1/2, V=1/4;
        // t=4 (0,1,0): E=0, V=0. O_A=2, E_A=4/3, V=13/18 → χ² = (2/3)²/(13/18) = 8/13.
        let a = sample(&[Observation::event(1.0), Observation::event(3.0)]);
        let b = sample(&[Observation::event(2.0), Observation::event(4.0)]);
        let test = log_rank(&a, &b);
        assert_eq!(test.regimen.observed, 2);
        assert!((test.regimen.expected - 4.0 / 3.0).abs() < 1e-15);
        assert!((test.baseline.expected - 8.0 / 3.0).abs() < 1e-15);
        assert!((test.variance - 13.0 / 18.0).abs() < 1e-15);
        assert!((test.chi_square - 8.0 / 13.0).abs() < 1e-14);
        let swapped = log_rank(&b, &a);
        assert!((swapped.chi_square - test.chi_square).abs() < 1e-14);
    }

    #[test]
    fn no_information_gives_zero() {
        let censored = sample(&[Observation::censored(1.0)]);
        let empty = sample(&[]);
        let events = sample(&[Observation::event(1.0), Observation::event(2.0)]);
        for (x, y) in [(&censored, &censored), (&empty, &events), (&empty, &empty)] {
            let test = log_rank(x, y);
            assert_eq!((test.chi_square, test.p_value), (0.0, 1.0));
        }
        // Both subjects fail at the only time: V = 0 and O − E = 0.
        let one = sample(&[Observation::event(1.0)]);
        assert_eq!(log_rank(&one, &one).chi_square, 0.0);
    }
}
