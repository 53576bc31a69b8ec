//! Lines and shaded bands on a population panel, thinned to at most four points per pixel
//! column ([`decimate`]) so that a curve of a million Kaplan–Meier steps stays cheap to draw
//! and small in SVG, and recorded in the panel's [`Scene`].

use plotters::prelude::DrawingBackend;
use plotters::style::ShapeStyle;

use super::frame::KeyedChart;
use super::scene::Scene;
use crate::plot::decimate::decimate;

/// A shaded band between two edges, each a polyline (time, value on the axis scale) in
/// increasing time over the same stretch of time.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Band {
    pub(super) upper: Vec<(f64, f64)>,
    pub(super) lower: Vec<(f64, f64)>,
}

/// `points` thinned to the pixel columns of `chart`, in backend pixels.
fn pixels<DB: DrawingBackend>(chart: &KeyedChart<'_, DB>, points: &[(f64, f64)]) -> Vec<(i32, i32)> {
    decimate(points, |t| chart.backend_coord(&(t, 0.0)).0)
        .iter()
        .map(|p| chart.backend_coord(p))
        .collect()
}

/// `points` as one polyline in `style`.
pub(super) fn line<DB: DrawingBackend>(
    scene: &mut Scene,
    chart: &KeyedChart<'_, DB>,
    points: &[(f64, f64)],
    style: ShapeStyle,
) {
    scene.line(pixels(chart, points), style);
}

/// `band` filled with `fill`.
pub(super) fn band<DB: DrawingBackend>(
    scene: &mut Scene,
    chart: &KeyedChart<'_, DB>,
    band: &Band,
    fill: ShapeStyle,
) {
    scene.band(pixels(chart, &band.upper), pixels(chart, &band.lower), fill);
}
