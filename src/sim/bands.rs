//! Percentile bands of the relapse observable across patients: at each output time, the 5, 25,
//! 50, 75 and 95 % sample quantiles (type 7, R's default) of the patients' values.

use crate::survival::SortedSample;

/// The probabilities of the bands, in column order.
pub const BAND_PROBABILITIES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// The band percentiles of `values`, over the finite ones (a failed run contributes NaN and is
/// left out); `None` when no value is finite.
pub fn percentiles(values: impl IntoIterator<Item = f64>) -> Option<[f64; 5]> {
    let sample =
        SortedSample::new(values.into_iter().filter(|v| v.is_finite())).expect("only finite values are kept");
    if sample.is_empty() {
        return None;
    }
    Some(BAND_PROBABILITIES.map(|p| {
        sample
            .quantile(p)
            .expect("the probabilities are in [0, 1]")
            .expect("the sample is not empty")
    }))
}

#[cfg(test)]
mod tests {
    use super::percentiles;

    #[test]
    fn type7_percentiles_skip_non_finite_values() {
        // 1..=5: h = 4p → 1.2, 2, 3, 4, 4.8.
        let p = percentiles([5.0, f64::NAN, 1.0, 3.0, 2.0, 4.0, f64::INFINITY]).unwrap();
        let expected = [1.2, 2.0, 3.0, 4.0, 4.8];
        for (got, want) in p.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{p:?}");
        }
        assert_eq!(percentiles([f64::NAN]), None);
        assert_eq!(percentiles([7.0]), Some([7.0; 5]));
    }
}
