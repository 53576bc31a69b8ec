//! Pointwise 95 % confidence intervals for a Kaplan–Meier survival estimate S with Greenwood
//! standard error σ of log S (σ² = Σ d/(n(n − d)) over event times ≤ t; Greenwood 1926).
//!
//! - Log–log (default; Kalbfleisch & Prentice 1980, Klein & Moeschberger 2003 §4.3, R's
//!   `survfit(conf.type = "log-log")`): with g(S) = log(−log S) and se(g) = σ / |log S|,
//!   [exp(−exp(g + z·se(g))), exp(−exp(g − z·se(g)))] = [S^exp(z·se(g)), S^exp(−z·se(g))];
//!   always inside [0, 1].
//! - Plain (Klein & Moeschberger eq. 4.3.1, as R's source notes; R's `conf.type = "plain"`): S ± z·sqrt(Var S) with
//!   Var S = S²σ², clipped to [0, 1] as R does.
//!
//! Where no event has happened yet (S = 1, σ = 0) both give [1, 1]. Where every subject at
//! risk had the event (S = 0) the Greenwood variance is undefined (a term d/(n(n − d)) with
//! n = d) and there is no interval; R reports NA there.

/// The standard normal quantile z = Φ⁻¹(0.975) for two-sided 95 % intervals
/// (R: `qnorm(0.975)` = 1.959963984540054).
pub const Z_95: f64 = 1.959963984540054;

/// How a pointwise interval for S(t) is built from the Greenwood variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntervalKind {
    /// On the log(−log S) scale, transformed back (the default: stays in [0, 1] and has
    /// better coverage in small samples; R's `conf.type = "log-log"`).
    #[default]
    LogLog,
    /// S ± z·sqrt(Var S), clipped to [0, 1] (R's `conf.type = "plain"`).
    Plain,
}

/// A two-sided 95 % confidence interval for a survival probability, lower ≤ upper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfidenceInterval {
    /// Lower limit, in [0, 1].
    pub lower: f64,
    /// Upper limit, in [0, 1].
    pub upper: f64,
}

/// The 95 % interval of `kind` for survival `survival` whose log has Greenwood standard error
/// `log_std_err`; `None` where the variance is undefined (S = 0).
pub(crate) fn pointwise(survival: f64, log_std_err: f64, kind: IntervalKind) -> Option<ConfidenceInterval> {
    if survival <= 0.0 || !log_std_err.is_finite() {
        return None;
    }
    if survival >= 1.0 || log_std_err == 0.0 {
        return Some(ConfidenceInterval {
            lower: survival,
            upper: survival,
        });
    }
    Some(match kind {
        IntervalKind::LogLog => {
            // se of g = log(−log S) by the delta method: σ / |log S|.
            let exponent = (Z_95 * log_std_err / survival.ln().abs()).exp();
            ConfidenceInterval {
                lower: survival.powf(exponent),
                upper: survival.powf(1.0 / exponent),
            }
        }
        IntervalKind::Plain => {
            let half_width = Z_95 * survival * log_std_err;
            ConfidenceInterval {
                lower: (survival - half_width).max(0.0),
                upper: (survival + half_width).min(1.0),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12
    }

    #[test]
    fn log_log_matches_the_transformed_formula() {
        // exp(−exp(log(−log S) ± z·σ/|log S|)) written out independently.
        let (s, sigma) = (0.6_f64, 0.2_f64);
        let g = (-s.ln()).ln();
        let se_g = sigma / s.ln().abs();
        let ci = pointwise(s, sigma, IntervalKind::LogLog).unwrap();
        assert!(close(ci.lower, (-(g + Z_95 * se_g).exp()).exp()));
        assert!(close(ci.upper, (-(g - Z_95 * se_g).exp()).exp()));
        assert!(ci.lower < s && s < ci.upper);
    }

    #[test]
    fn plain_is_greenwood_symmetric_and_clipped() {
        let ci = pointwise(0.5, 0.2, IntervalKind::Plain).unwrap();
        assert!(close(ci.lower, 0.5 - Z_95 * 0.1) && close(ci.upper, 0.5 + Z_95 * 0.1));
        let clipped = pointwise(0.95, 0.5, IntervalKind::Plain).unwrap();
        assert_eq!(clipped.upper, 1.0);
        let clipped = pointwise(0.05, 5.0, IntervalKind::Plain).unwrap();
        assert_eq!(clipped.lower, 0.0);
    }

    #[test]
    fn degenerate_ends() {
        for kind in [IntervalKind::LogLog, IntervalKind::Plain] {
            let one = pointwise(1.0, 0.0, kind).unwrap();
            assert_eq!((one.lower, one.upper), (1.0, 1.0));
            assert_eq!(pointwise(0.0, f64::INFINITY, kind), None);
        }
    }

    #[test]
    fn z_is_the_normal_975_quantile() {
        // Φ(z) = 1 − erfc(z/√2)/2 must be 0.975.
        assert!((1.0 - 0.5 * libm::erfc(Z_95 / std::f64::consts::SQRT_2) - 0.975).abs() < 1e-15);
    }
}
