//! The `[population]` section as plain data: which parameters vary between patients, with which
//! distribution and spread, and how their random effects (etas) are correlated. It depends on
//! nothing in `model`, so a `Model` can hold it.
//!
//! Parametrisations (the NONMEM/Monolix conventions):
//! - log-normal: `P_i = P · exp(η_i)`, `η ~ N(0, ω²)`; from a coefficient of variation,
//!   `ω² = ln(1 + cv²)` (the CV of a log-normal with that ω is exactly `cv`);
//! - normal (additive): `P_i = P + η_i`, `η ~ N(0, sd²)`;
//! - logit-normal: `P_i = expit(logit(P) + η_i)`, which stays in (0, 1).

use std::fmt;

use nalgebra::{DMatrix, SymmetricEigen};

use crate::diagnostic::Span;

/// The largest patient count accepted from the file (and the bound the CLI should apply to
/// `--patients`): it keeps a run, and its output files, a bounded size.
pub const MAX_PATIENTS: u64 = 100_000_000;

/// The smallest eigenvalue a correlation matrix may have. Below it the matrix is treated as
/// singular: some eta would be (almost) an exact combination of the others, which is a
/// modelling mistake rather than a population.
pub const MIN_CORRELATION_EIGENVALUE: f64 = 1e-10;

/// How a parameter varies between patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// `P_i = P · exp(η_i)`: positive, right-skewed; the median is the typical value.
    LogNormal,
    /// `P_i = P + η_i`: additive, may change sign.
    Normal,
    /// `P_i = expit(logit(P) + η_i)`: for fractions, stays in (0, 1).
    LogitNormal,
}

impl Distribution {
    /// The names accepted for `distribution = "..."`, in the order of the variants.
    pub const NAMES: [&'static str; 3] = ["lognormal", "normal", "logitnormal"];

    /// The distribution called `name` in a model file.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "lognormal" => Some(Self::LogNormal),
            "normal" => Some(Self::Normal),
            "logitnormal" => Some(Self::LogitNormal),
            _ => None,
        }
    }

    /// Its name in a model file.
    pub fn name(self) -> &'static str {
        match self {
            Self::LogNormal => "lognormal",
            Self::Normal => "normal",
            Self::LogitNormal => "logitnormal",
        }
    }

    /// `Ok` if `typical` can carry this variability, else what it must satisfy and why.
    pub fn check_typical(self, typical: f64) -> Result<(), &'static str> {
        match self {
            _ if !typical.is_finite() => Err("a typical value must be a finite number"),
            Self::LogNormal if typical <= 0.0 => Err(
                "a log-normal parameter needs a typical value > 0, because P·exp(η) keeps the sign of P \
                 (and is 0 for every patient when P = 0)",
            ),
            Self::LogitNormal if typical >= 1.0 || typical <= 0.0 => Err(
                "a logit-normal parameter needs a typical value in (0, 1), because logit(P) = ln(P/(1 − P)) \
                 is only defined there",
            ),
            _ => Ok(()),
        }
    }

    /// The individual value of a parameter with typical value `typical` and random effect `eta`.
    pub fn individual(self, typical: f64, eta: f64) -> f64 {
        match self {
            Self::LogNormal => typical * eta.exp(),
            Self::Normal => typical + eta,
            Self::LogitNormal => expit(logit(typical) + eta),
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `ln(p / (1 − p))`.
fn logit(p: f64) -> f64 {
    p.ln() - (-p).ln_1p()
}

/// `1 / (1 + exp(−x))`, written so that neither branch overflows.
fn expit(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ω` of a log-normal parameter with coefficient of variation `cv`: `sqrt(ln(1 + cv²))`.
pub fn omega_from_cv(cv: f64) -> f64 {
    let squared = cv * cv;
    if squared.is_finite() {
        squared.ln_1p().sqrt()
    } else {
        // 1 + cv² overflows, but then ln(1 + cv²) = 2 ln cv to double precision.
        (2.0 * cv.ln()).sqrt()
    }
}

/// One entry of `[population.parameters]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Variability {
    /// Index of the parameter in the model's parameter list.
    pub parameter: usize,
    /// Its name.
    pub name: String,
    /// How it varies.
    pub distribution: Distribution,
    /// Standard deviation of its eta: `ω` for log-normal and logit-normal (dimensionless),
    /// `sd` for normal (in the parameter's unit). May be 0 (no variability). Finite, ≥ 0.
    pub omega: f64,
    /// Span of the key in `[population.parameters]`, for locating errors about this parameter.
    pub span: Span,
}

/// One entry of `[population.correlations]`: the correlation of two etas.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// Index of the first parameter in [`PopulationSpec::variability`].
    pub first: usize,
    /// Index of the second parameter in [`PopulationSpec::variability`] (≠ `first`).
    pub second: usize,
    /// The correlation coefficient, in (−1, 1).
    pub coefficient: f64,
    /// Span of the `"A,B"` key.
    pub span: Span,
}

/// The `[population]` section of a model file, validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PopulationSpec {
    /// Default patient count (`--patients` overrides), in 1..=[`MAX_PATIENTS`].
    pub size: Option<u64>,
    /// Default seed (`--seed` overrides).
    pub seed: Option<u64>,
    /// Varying parameters, in file order; this order is the order of the etas.
    pub variability: Vec<Variability>,
    /// Correlations between etas (unlisted pairs are uncorrelated).
    pub correlations: Vec<Correlation>,
    /// Span of the `[population]` table.
    pub span: Span,
}

/// The correlation matrix has an eigenvalue ≤ [`MIN_CORRELATION_EIGENVALUE`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NotPositiveDefinite {
    /// Its smallest eigenvalue.
    pub smallest_eigenvalue: f64,
}

impl PopulationSpec {
    /// The variability entry of model parameter `parameter`, if it varies (e.g. to locate a
    /// [`SampleError`](super::SampleError) at its line).
    pub fn variability_of(&self, parameter: usize) -> Option<&Variability> {
        self.variability.iter().find(|v| v.parameter == parameter)
    }

    /// The correlation matrix of the etas, in [`Self::variability`] order, ones on the diagonal.
    pub fn correlation_matrix(&self) -> DMatrix<f64> {
        let n = self.variability.len();
        let mut r = DMatrix::identity(n, n);
        for c in &self.correlations {
            r[(c.first, c.second)] = c.coefficient;
            r[(c.second, c.first)] = c.coefficient;
        }
        r
    }

    /// The lower Cholesky factor `L` of the correlation matrix (`R = L Lᵀ`), if `R` is
    /// positive definite.
    pub fn correlation_factor(&self) -> Result<DMatrix<f64>, NotPositiveDefinite> {
        let r = self.correlation_matrix();
        if r.is_empty() {
            return Ok(r);
        }
        let smallest_eigenvalue = SymmetricEigen::new(r.clone()).eigenvalues.min();
        let not_positive_definite = NotPositiveDefinite { smallest_eigenvalue };
        if smallest_eigenvalue <= MIN_CORRELATION_EIGENVALUE {
            return Err(not_positive_definite);
        }
        r.cholesky().map(|c| c.l()).ok_or(not_positive_definite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omega_from_cv_matches_the_closed_form() {
        // ω² = ln(1 + cv²): cv = 0.3 → ln(1.09).
        assert!((omega_from_cv(0.3) - 1.09_f64.ln().sqrt()).abs() < 1e-15);
        assert_eq!(omega_from_cv(0.0), 0.0);
        // For cv = 1e200, 1 + cv² overflows; ln(1 + cv²) = 2·200·ln 10.
        let expected = (400.0 * std::f64::consts::LN_10).sqrt();
        assert!((omega_from_cv(1e200) - expected).abs() < 1e-12 * expected);
    }

    #[test]
    fn logit_normal_round_trips_and_saturates_safely() {
        for p in [1e-9, 0.1, 0.5, 0.9, 1.0 - 1e-9] {
            let back = Distribution::LogitNormal.individual(p, 0.0);
            assert!((back - p).abs() < 1e-15 * p.max(1.0) + 1e-16, "{p} → {back}");
        }
        assert_eq!(expit(-800.0), 0.0);
        assert_eq!(expit(800.0), 1.0);
    }

    #[test]
    fn typical_value_domains() {
        assert!(Distribution::LogNormal.check_typical(0.0).is_err());
        assert!(Distribution::LogNormal.check_typical(1e-300).is_ok());
        assert!(Distribution::LogitNormal.check_typical(1.0).is_err());
        assert!(Distribution::LogitNormal.check_typical(f64::NAN).is_err());
        assert!(Distribution::Normal.check_typical(-3.0).is_ok());
        assert!(Distribution::Normal.check_typical(f64::INFINITY).is_err());
    }
}
