//! Tick positions and labels chosen here rather than by plotters, for axes whose ticks must
//! line up with something else (the number-at-risk table under a time axis) or must not
//! depend on plotters' search for round numbers: "nice" steps of 1, 2 or 5 × 10ᵏ, labels
//! with as many decimals as the spacing needs, and greedy thinning of labels that would
//! overlap.

/// Round times from 0 to `t_end` in steps of 1, 2 or 5 × 10ᵏ, at most `max_count` + 1 of them
/// (0 included): the usual choice of `PopulationFigure::at_risk_times`. `t_end` is in the
/// figure's time unit; a `t_end` that is not finite and positive gives just `[0]`.
///
/// ```
/// assert_eq!(relapse::plot::nice_times(365.0, 6), vec![0.0, 100.0, 200.0, 300.0]);
/// assert_eq!(relapse::plot::nice_times(84.0, 6), vec![0.0, 20.0, 40.0, 60.0, 80.0]);
/// ```
pub fn nice_times(t_end: f64, max_count: usize) -> Vec<f64> {
    if !(t_end.is_finite() && t_end > 0.0) {
        return vec![0.0];
    }
    nice_ticks(0.0, t_end, max_count)
}

/// Round values in `low..=high` in steps of 1, 2 or 5 × 10ᵏ, with at most `max_count` steps
/// across the span; just the finite ends when no such step exists (an empty, infinite or
/// subnormal span).
pub(super) fn nice_ticks(low: f64, high: f64, max_count: usize) -> Vec<f64> {
    let span = high - low;
    let fallback = || [low, high].into_iter().filter(|v| v.is_finite()).collect();
    if !(span.is_finite() && span > 0.0) || max_count == 0 {
        return fallback();
    }
    let raw = span / max_count as f64;
    let exponent = raw.log10().floor();
    if !exponent.is_finite() || raw < f64::MIN_POSITIVE {
        return fallback();
    }
    let exponent = exponent as i32;
    // The step is mantissa × 10^exponent; values are computed as integer multiples of the
    // mantissa scaled by 10^|exponent| (a division for negative exponents), so that 3 × 0.1
    // is 0.3 and not 0.30000000000000004.
    let scale = |n: f64| {
        if exponent >= 0 {
            n * 10f64.powi(exponent)
        } else {
            n / 10f64.powi(-exponent)
        }
    };
    let Some(mantissa) = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|&m| scale(m).is_finite() && scale(m) > 0.0 && span / scale(m) <= max_count as f64)
    else {
        return fallback();
    };
    let step = scale(mantissa);
    let first = (low / step - 1e-9).ceil();
    let last = (high / step + 1e-9).floor();
    if !(first.is_finite() && last.is_finite()) || last < first {
        return fallback();
    }
    let ticks: Vec<f64> = (0..=((last - first) as usize).min(max_count + 1))
        // The ends were included to within rounding; they must not lie outside the span.
        .map(|k| scale((first + k as f64) * mantissa).clamp(low, high))
        .filter(|v| v.is_finite())
        .collect();
    if ticks.windows(2).all(|w| w[1] > w[0]) && !ticks.is_empty() {
        ticks
    } else {
        fallback()
    }
}

/// The label of a number shown to 4 significant digits: `182.4` for 182.4371, `1.348e308`.
pub(super) fn short_number(v: f64) -> String {
    let magnitude = v.abs();
    if magnitude == 0.0 || (1e-4..1e15).contains(&magnitude) || !v.is_finite() {
        return crate::export::format_float(round_significant(v, 4));
    }
    // Scaling by powers of ten is inexact out here (5e307 would print as 5.0000000000000003e307),
    // so the digits come from the formatter: the shortest exact form if short, else 4 digits.
    let shortest = crate::export::format_float(v);
    if shortest.len() <= 8 {
        return shortest;
    }
    let rounded = format!("{v:.3e}");
    match rounded.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => {
            format!(
                "{}e{exponent}",
                mantissa.trim_end_matches('0').trim_end_matches('.')
            )
        }
        _ => rounded,
    }
}

fn round_significant(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let factor = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    let scaled = v * factor;
    if factor.is_finite() && factor > 0.0 && scaled.is_finite() {
        scaled.round() / factor
    } else {
        v
    }
}

/// Labels for the ticks `ticks`: as many decimals as their spacing needs (0, 0.25, 0.5 …;
/// 0, 61, 122 for a spacing of 60.8), and 4 significant digits for very large or small values.
pub(super) fn tick_labeller(ticks: &[f64]) -> impl Fn(&f64) -> String + use<> {
    let spacing = ticks
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let decimals = if spacing.is_finite() {
        (1.0 - spacing.log10().floor()).clamp(0.0, 7.0) as usize
    } else {
        3
    };
    move |v: &f64| {
        let magnitude = v.abs();
        if magnitude >= 1e15 || (magnitude > 0.0 && magnitude < 1e-4) || decimals > 6 {
            return short_number(*v);
        }
        let text = format!("{v:.decimals$}");
        let text = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        };
        if text == "-0" { "0".to_string() } else { text }
    }
}

/// Labels for ticks that a plotting library places in `low..=high`, at most `count` of them:
/// [`tick_labeller`] for the finest spacing they can have.
pub(super) fn span_labeller(low: f64, high: f64, count: usize) -> impl Fn(&f64) -> String + use<> {
    let spacing = (high - low) / count.max(1) as f64;
    tick_labeller(&[low, low + spacing])
}

/// Indices of the labels to keep, left to right, so that none overlaps the previous kept one:
/// `labels` are (centre, width) in pixels, in increasing order of centre; `gap` pixels are
/// left between neighbours.
pub(super) fn thin_labels(labels: &[(f64, f64)], gap: f64) -> Vec<usize> {
    let mut kept: Vec<usize> = Vec::new();
    let mut right_edge = f64::NEG_INFINITY;
    for (index, &(centre, width)) in labels.iter().enumerate() {
        if centre - width / 2.0 >= right_edge + gap {
            kept.push(index);
            right_edge = centre + width / 2.0;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_are_round_and_within_the_span() {
        assert_eq!(nice_times(1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_times(0.3, 3), vec![0.0, 0.1, 0.2, 0.3]);
        assert_eq!(
            nice_times(1000.0, 6),
            vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]
        );
        assert_eq!(nice_ticks(-3.0, 7.0, 5), vec![-2.0, 0.0, 2.0, 4.0, 6.0]);
    }

    #[test]
    fn extreme_spans_give_finite_increasing_ticks() {
        for t_end in [f64::MAX, 1e300, 1e-300, 5e-324, f64::MIN_POSITIVE, 1e-12, 7.0] {
            let ticks = nice_times(t_end, 6);
            assert!(!ticks.is_empty(), "{t_end}");
            assert!(
                ticks.iter().all(|t| t.is_finite() && *t >= 0.0 && *t <= t_end),
                "{t_end}"
            );
            assert!(ticks.windows(2).all(|w| w[1] > w[0]), "{t_end}: {ticks:?}");
            assert!(ticks.len() <= 8, "{t_end}: {ticks:?}");
        }
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(nice_times(bad, 6), vec![0.0]);
        }
        assert_eq!(nice_ticks(-1e300, 1e300, 4).len(), 5);
    }

    #[test]
    fn labels_have_the_decimals_the_spacing_needs() {
        let label = tick_labeller(&[0.0, 0.25, 0.5, 0.75, 1.0]);
        let shown: Vec<String> = [0.0, 0.25, 0.5, 1.0].iter().map(&label).collect();
        assert_eq!(shown, ["0", "0.25", "0.5", "1"]);
        let label = tick_labeller(&[0.0, 60.833, 121.667]);
        assert_eq!(label(&60.833), "61");
        let label = tick_labeller(&[0.0, 2e299]);
        assert_eq!(label(&2e299), "2e299");
        assert_eq!(short_number(182.4371), "182.4");
        assert_eq!(short_number(5e-324), "5e-324");
        assert_eq!(short_number(1.3480000000000007e308), "1.348e308");
        // Scaled back from 4 digits by a power of ten: 5.0000000000000003e307.
        assert_eq!(short_number(5000.0 / 1e-304), "5e307");
        assert_eq!(short_number(-2.5e-7), "-2.5e-7");
        assert_eq!(short_number(123_456.0), "123500");
    }

    #[test]
    fn library_ticks_are_labelled_without_rounding_noise() {
        // 3 × 0.2 is 0.6000000000000001 in binary; an axis over 0..1.2 with 6 labels shows 0.6.
        let label = span_labeller(0.0, 1.2, 6);
        assert_eq!(label(&(3.0 * 0.2)), "0.6");
        assert_eq!(label(&0.25), "0.25");
        assert_eq!(label(&1.0), "1");
        // A time axis to 365 days with 10 labels: whole numbers.
        assert_eq!(span_labeller(0.0, 365.0, 10)(&(7.0 * 50.0)), "350");
    }

    #[test]
    fn thinning_keeps_labels_apart() {
        let labels = [(0.0, 20.0), (10.0, 20.0), (30.0, 20.0), (45.0, 10.0)];
        assert_eq!(thin_labels(&labels, 4.0), vec![0, 2]);
    }
}
