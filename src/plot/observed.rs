//! Measurements drawn over a panel: one filled point per observation in its regimen's colour
//! (a neutral grey for observations of no regimen), with a vertical error bar when it has
//! bounds. Points use the panel's axis transform, so they sit on the curves they measure.

use plotters::prelude::{Circle, DrawingBackend, PathElement, RGBColor};
use plotters::style::Color;

use super::PlotError;
use super::draw::{Axis, colour, err};

/// The colour of observations that belong to no regimen.
pub(super) const NEUTRAL: (u8, u8, u8) = (90, 90, 90);

/// One measurement (time in the figure's time unit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// Time of the measurement.
    pub time: f64,
    /// Measured value.
    pub value: f64,
    /// Lower and upper end of its error bar, if any.
    pub bounds: Option<(f64, f64)>,
    /// Palette index of its regimen; `None` for the neutral colour.
    pub colour: Option<usize>,
}

/// Every value the axis must show for `observations`: values and error-bar ends.
pub(super) fn values(observations: &[Observation]) -> impl Iterator<Item = f64> + '_ {
    observations.iter().flat_map(|o| {
        let (lower, upper) = o.bounds.unwrap_or((o.value, o.value));
        [o.value, lower, upper]
    })
}

/// An observation as drawn: `(time, value, error bar)` on the axis scale.
pub(super) type Placed = (f64, f64, Option<(f64, f64)>);

/// Where an observation is drawn on the axis scale, or `None` when its time is off the axis (a
/// far-off pixel position could overflow the backend) or its value is not finite.
pub(super) fn placed(o: &Observation, axis: &Axis, t_end: f64) -> Option<Placed> {
    if !(0.0..=t_end).contains(&o.time) || !o.value.is_finite() {
        return None;
    }
    let y = |v: f64| axis.place(v).0;
    Some((o.time, y(o.value), o.bounds.map(|(lo, hi)| (y(lo), y(hi)))))
}

fn colour_of(o: &Observation) -> RGBColor {
    match o.colour {
        Some(index) => colour(index),
        None => RGBColor(NEUTRAL.0, NEUTRAL.1, NEUTRAL.2),
    }
}

/// Draws the observations of a panel on `chart` (axis scale from `axis`).
pub(super) fn draw<DB: DrawingBackend>(
    chart: &mut super::draw::Chart<'_, DB>,
    observations: &[Observation],
    axis: &Axis,
    t_end: f64,
) -> Result<(), PlotError> {
    let shown: Vec<_> = observations
        .iter()
        .filter_map(|o| placed(o, axis, t_end).map(|p| (p, colour_of(o))))
        .collect();
    let bars = shown.iter().filter_map(|&((t, _, bar), c)| {
        bar.map(|(lo, hi)| PathElement::new(vec![(t, lo), (t, hi)], c.stroke_width(2)))
    });
    chart.draw_series(bars).map_err(err)?;
    let points = shown.iter().map(|&((t, y, _), c)| {
        // A white ring keeps a point visible on a curve of its own colour.
        Circle::new((t, y), 4, c.filled().stroke_width(1))
    });
    chart.draw_series(points).map_err(err)?;
    let rings = shown
        .iter()
        .map(|&((t, y, _), _)| Circle::new((t, y), 5, plotters::prelude::WHITE.stroke_width(1)));
    chart.draw_series(rings).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a log axis a point at 1e3 sits at 3 (log10), its bar from log10(500) to log10(2000);
    /// a point past t_end is not drawn.
    #[test]
    fn points_are_placed_on_the_axis_scale() {
        let axis = Axis::from_values([1.0, 1e4].into_iter(), true);
        let o = Observation {
            time: 2.0,
            value: 1e3,
            bounds: Some((500.0, 2000.0)),
            colour: Some(1),
        };
        let (t, y, bar) = placed(&o, &axis, 10.0).unwrap();
        assert_eq!(t, 2.0);
        assert!((y - 3.0).abs() < 1e-12);
        let (lo, hi) = bar.unwrap();
        assert!((lo - 500f64.log10()).abs() < 1e-12 && (hi - 2000f64.log10()).abs() < 1e-12);
        assert!(placed(&Observation { time: 11.0, ..o }, &axis, 10.0).is_none());
        let linear = Axis::from_values([0.0, 10.0].into_iter(), false);
        // Beyond a linear axis a value is drawn at its top, 10 + 5 % padding.
        assert_eq!(placed(&o, &linear, 10.0).unwrap().1, 10.5);
    }
}
