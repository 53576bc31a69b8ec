//! Sampling virtual patients. Patient `i` draws from its own ChaCha20 stream: the key comes
//! from the seed (`ChaCha20Rng::seed_from_u64`) and the stream number is `i` (`set_stream`), so a
//! patient is the same whatever the patient count, the thread count, the shard or the order in
//! which patients are sampled.
//!
//! ```text
//! z ~ N(0, I)          standard normals (rand_distr's ziggurat), one per varying parameter
//! η = D · L · z        L: lower Cholesky factor of the correlation matrix R (R = L Lᵀ)
//!                      D = diag(ω), so Cov(η) = D R D
//! P_i = f(P, η)        per parameter: P·exp(η), P + η or expit(logit(P) + η)
//! ```

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_distr::{Distribution as _, StandardNormal};

use super::spec::{Distribution, NotPositiveDefinite, PopulationSpec};

/// A population ready to sample: the spec checked against the typical values in use (the
/// file's, or after `--set`), and the Cholesky factor computed once.
#[derive(Debug, Clone)]
pub struct Population {
    /// ChaCha20 key derived from the seed.
    key: [u8; 32],
    seed: u64,
    typical: Vec<f64>,
    varied: Vec<Varied>,
    /// `D · L`, n × n row-major, lower triangular (the upper part is zero and never read).
    factor: Vec<f64>,
}

#[derive(Debug, Clone)]
struct Varied {
    parameter: usize,
    name: String,
    distribution: Distribution,
}

/// Why a [`Population`] cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PopulationError {
    /// A typical value outside the domain of its distribution (e.g. after `--set CL=-1`).
    #[error("typical value of `{name}` is {value}: {reason}")]
    TypicalValueOutOfDomain {
        /// Model parameter index.
        parameter: usize,
        /// Parameter name.
        name: String,
        /// The typical value.
        value: f64,
        /// What it must satisfy and why.
        reason: &'static str,
    },
    /// A spread (ω or sd) that is negative or not finite.
    #[error("the spread of `{name}` must be a finite number ≥ 0, found {omega}")]
    InvalidSpread {
        /// Parameter name.
        name: String,
        /// The spread.
        omega: f64,
    },
    /// A correlation naming an eta that does not exist, one eta twice, or |r| ≥ 1.
    #[error("correlation {first},{second} = {coefficient} needs two different etas and |r| < 1")]
    InvalidCorrelation {
        /// First index into the variability list.
        first: usize,
        /// Second index into the variability list.
        second: usize,
        /// The coefficient.
        coefficient: f64,
    },
    /// The correlation matrix is not positive definite.
    #[error(
        "the correlation matrix is not positive definite (smallest eigenvalue {smallest_eigenvalue:.3e})"
    )]
    NotPositiveDefinite {
        /// Its smallest eigenvalue.
        smallest_eigenvalue: f64,
    },
    /// Fewer typical values than the spec's parameter indices need.
    #[error("expected a typical value for each of at least {needed} parameters, found {found}")]
    TooFewTypicalValues {
        /// Smallest acceptable length.
        needed: usize,
        /// Length given.
        found: usize,
    },
}

impl From<NotPositiveDefinite> for PopulationError {
    fn from(e: NotPositiveDefinite) -> Self {
        Self::NotPositiveDefinite {
            smallest_eigenvalue: e.smallest_eigenvalue,
        }
    }
}

/// A sampled value that cannot be used. The CLI can locate it at the parameter's entry in
/// `[population.parameters]` ([`PopulationSpec::variability_of`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SampleError {
    /// Overflow: the spread is too large for double precision.
    #[error("patient {patient}: sampled `{name}` = {value} is not a finite number; its spread is too large")]
    NonFinite {
        /// Patient index.
        patient: u64,
        /// Model parameter index.
        parameter: usize,
        /// Parameter name.
        name: String,
        /// The value.
        value: f64,
    },
    /// A value that rounded to the edge of its distribution's range: a log-normal value to 0
    /// (η ≲ −745), a logit-normal value to 0 or 1 (|logit(P) + η| ≳ 37).
    #[error("patient {patient}: sampled `{name}` rounded to {value}, the edge of its range; omega too large")]
    Saturated {
        /// Patient index.
        patient: u64,
        /// Model parameter index.
        parameter: usize,
        /// Parameter name.
        name: String,
        /// The value (0, or 1 for logit-normal).
        value: f64,
    },
}

impl Population {
    /// Checks `spec` against `typical` (one value per model parameter, in model order) and
    /// prepares sampling with `seed`.
    pub fn new(spec: &PopulationSpec, typical: &[f64], seed: u64) -> Result<Self, PopulationError> {
        let n = spec.variability.len();
        let needed = spec
            .variability
            .iter()
            .map(|v| v.parameter + 1)
            .max()
            .unwrap_or(0);
        if typical.len() < needed {
            return Err(PopulationError::TooFewTypicalValues {
                needed,
                found: typical.len(),
            });
        }
        for v in &spec.variability {
            let value = typical[v.parameter];
            if let Err(reason) = v.distribution.check_typical(value) {
                return Err(PopulationError::TypicalValueOutOfDomain {
                    parameter: v.parameter,
                    name: v.name.clone(),
                    value,
                    reason,
                });
            }
            if !(v.omega.is_finite() && v.omega >= 0.0) {
                return Err(PopulationError::InvalidSpread {
                    name: v.name.clone(),
                    omega: v.omega,
                });
            }
        }
        for c in &spec.correlations {
            if c.first >= n || c.second >= n || c.first == c.second || c.coefficient.abs() >= 1.0 {
                return Err(PopulationError::InvalidCorrelation {
                    first: c.first,
                    second: c.second,
                    coefficient: c.coefficient,
                });
            }
        }
        let l = spec.correlation_factor()?;
        let mut factor = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                factor[i * n + j] = spec.variability[i].omega * l[(i, j)];
            }
        }
        Ok(Self {
            key: ChaCha20Rng::seed_from_u64(seed).get_seed(),
            seed,
            typical: typical.to_vec(),
            varied: spec
                .variability
                .iter()
                .map(|v| Varied {
                    parameter: v.parameter,
                    name: v.name.clone(),
                    distribution: v.distribution,
                })
                .collect(),
            factor,
        })
    }

    /// The seed the population was built with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The typical values (one per model parameter).
    pub fn typical(&self) -> &[f64] {
        &self.typical
    }

    /// Model parameter indices of the varying parameters, in eta order.
    pub fn varied_parameters(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.varied.iter().map(|v| v.parameter)
    }

    /// Writes patient `patient`'s etas into `etas` (one per varying parameter, in eta order)
    /// without allocating.
    ///
    /// # Panics
    /// If `etas.len()` is not the number of varying parameters.
    pub fn etas_into(&self, patient: u64, etas: &mut [f64]) {
        let n = self.varied.len();
        assert_eq!(etas.len(), n, "one eta per varying parameter");
        let mut rng = ChaCha20Rng::from_seed(self.key);
        rng.set_stream(patient);
        for z in etas.iter_mut() {
            *z = StandardNormal.sample(&mut rng);
        }
        // η = (D L) z in place, from the last row up: row i reads z_0..z_i only, and those are
        // still untouched when row i is computed.
        for i in (0..n).rev() {
            let row = &self.factor[i * n..i * n + i + 1];
            etas[i] = row.iter().zip(&etas[..=i]).map(|(s, z)| s * z).sum();
        }
    }

    /// Patient `patient`'s etas, one per varying parameter in eta order.
    pub fn etas(&self, patient: u64) -> Vec<f64> {
        let mut etas = vec![0.0; self.varied.len()];
        self.etas_into(patient, &mut etas);
        etas
    }

    /// Patient `patient`'s parameter vector: the typical values with the varying parameters
    /// replaced by the patient's values. Allocates the returned vector and the etas.
    pub fn sample_patient(&self, patient: u64) -> Result<Vec<f64>, SampleError> {
        let etas = self.etas(patient);
        let mut values = self.typical.clone();
        for (v, eta) in self.varied.iter().zip(etas) {
            let value = v.distribution.individual(self.typical[v.parameter], eta);
            let saturated = match v.distribution {
                Distribution::LogNormal => value == 0.0,
                Distribution::LogitNormal => value == 0.0 || value == 1.0,
                Distribution::Normal => false,
            };
            if saturated || !value.is_finite() {
                let (parameter, name) = (v.parameter, v.name.clone());
                return Err(if saturated {
                    SampleError::Saturated {
                        patient,
                        parameter,
                        name,
                        value,
                    }
                } else {
                    SampleError::NonFinite {
                        patient,
                        parameter,
                        name,
                        value,
                    }
                });
            }
            values[v.parameter] = value;
        }
        Ok(values)
    }
}
