//! Sample quantiles by Hyndman & Fan's (1996) definition 7, R's `quantile()` default: for n
//! sorted values x₁ ≤ … ≤ xₙ and probability p, with h = (n − 1)p, j = ⌊h⌋ and g = h − j,
//! Q(p) = (1 − g)·x_{j+1} + g·x_{j+2} (1-based; x_{j+2} unused when g = 0). It interpolates
//! linearly between order statistics, gives the minimum at p = 0 and the maximum at p = 1, and
//! the usual median. Used for the paired delay summary and the percentile bands.

use super::SurvivalError;

/// Finite values, sorted ascending, ready for repeated quantile queries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SortedSample {
    values: Vec<f64>,
}

impl SortedSample {
    /// Checks and sorts `values`; an empty sample is valid.
    ///
    /// Errors with [`SurvivalError::NonFiniteValue`] naming the first NaN or infinite value.
    pub fn new(values: impl IntoIterator<Item = f64>) -> Result<Self, SurvivalError> {
        let mut checked = Vec::new();
        for (index, value) in values.into_iter().enumerate() {
            if !value.is_finite() {
                return Err(SurvivalError::NonFiniteValue { index, value });
            }
            checked.push(value + 0.0);
        }
        checked.sort_by(f64::total_cmp);
        Ok(Self { values: checked })
    }

    /// The values, ascending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The type-7 quantile at `probability`; `None` for an empty sample.
    ///
    /// Errors if `probability` is NaN or outside [0, 1].
    pub fn quantile(&self, probability: f64) -> Result<Option<f64>, SurvivalError> {
        if !(0.0..=1.0).contains(&probability) {
            return Err(SurvivalError::InvalidProbability { probability });
        }
        Ok(self.type7(probability))
    }

    /// Type-7 quantile for a probability already known to be in [0, 1].
    fn type7(&self, probability: f64) -> Option<f64> {
        let last = self.values.len().checked_sub(1)?;
        let h = last as f64 * probability;
        // h ≤ last, so the floor is a valid index; min() guards against rounding up.
        let j = (h.floor() as usize).min(last);
        let g = h - j as f64;
        let below = self.values[j];
        if g <= 0.0 || j == last {
            return Some(below);
        }
        Some((1.0 - g) * below + g * self.values[j + 1])
    }
}

/// Median and quartiles of a sample, with its size (the paired delay summary).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quartiles {
    /// Sample size.
    pub n: usize,
    /// Type-7 quantile at 0.5.
    pub median: f64,
    /// Type-7 quantile at 0.25.
    pub q1: f64,
    /// Type-7 quantile at 0.75.
    pub q3: f64,
}

impl Quartiles {
    /// The quartiles of `sample`; `None` when it is empty.
    pub fn of(sample: &SortedSample) -> Option<Self> {
        Some(Self {
            n: sample.len(),
            median: sample.type7(0.5)?,
            q1: sample.type7(0.25)?,
            q3: sample.type7(0.75)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_matches_r() {
        // Definition 7 by hand, i.e. R's quantile(c(1, 2, 3, 4, 10), c(0, .1, .25, .5, .75, .9, 1)):
        // h = 4p, so p = 0.1 → 1 + 0.4·1 = 1.4 and p = 0.9 → 4 + 0.6·6 = 7.6.
        let sample = SortedSample::new([10.0, 3.0, 1.0, 4.0, 2.0]).unwrap();
        let expected = [
            (0.0, 1.0),
            (0.1, 1.4),
            (0.25, 2.0),
            (0.5, 3.0),
            (0.75, 4.0),
            (0.9, 7.6),
            (1.0, 10.0),
        ];
        for (p, q) in expected {
            let got = sample.quantile(p).unwrap().unwrap();
            assert!((got - q).abs() < 1e-12, "p = {p}: {got} vs {q}");
        }
    }

    #[test]
    fn even_count_median_and_quartiles() {
        // x = 1..4: h = 3p → median 2.5, q1 = 1.75, q3 = 3.25.
        let q = Quartiles::of(&SortedSample::new([4.0, 1.0, 3.0, 2.0]).unwrap()).unwrap();
        assert_eq!((q.n, q.median, q.q1, q.q3), (4, 2.5, 1.75, 3.25));
    }

    #[test]
    fn single_value_and_empty() {
        let one = Quartiles::of(&SortedSample::new([7.0]).unwrap()).unwrap();
        assert_eq!((one.n, one.median, one.q1, one.q3), (1, 7.0, 7.0, 7.0));
        let empty = SortedSample::new([]).unwrap();
        assert_eq!(Quartiles::of(&empty), None);
        assert_eq!(empty.quantile(0.5), Ok(None));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            SortedSample::new([1.0, f64::NAN]),
            Err(SurvivalError::NonFiniteValue { index: 1, value }) if value.is_nan()
        ));
        assert!(matches!(
            SortedSample::new([f64::NEG_INFINITY]),
            Err(SurvivalError::NonFiniteValue { index: 0, .. })
        ));
        let sample = SortedSample::new([1.0, 2.0]).unwrap();
        for p in [-0.1, 1.1, f64::NAN] {
            assert!(matches!(
                sample.quantile(p),
                Err(SurvivalError::InvalidProbability { .. })
            ));
        }
    }
}
