//! Lines and shaded bands on a population panel, thinned to at most four points per pixel
//! column ([`decimate`]) so that a curve of a million Kaplan–Meier steps stays cheap to draw
//! and small in SVG, and recorded as obstacles for the legend.

use plotters::prelude::{DrawingBackend, LineSeries, Polygon};
use plotters::style::ShapeStyle;

use super::frame::{KeyedChart, pixel};
use crate::plot::PlotError;
use crate::plot::decimate::decimate;
use crate::plot::draw::err;
use crate::plot::legend::Obstacles;

/// Weight of a band's area as a legend obstacle: a translucent fill may be covered sooner than
/// a line.
const AREA_WEIGHT: f32 = 0.2;

/// A shaded band between two edges, each a polyline (time, value on the axis scale) in
/// increasing time over the same stretch of time.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Band {
    pub(super) upper: Vec<(f64, f64)>,
    pub(super) lower: Vec<(f64, f64)>,
}

fn thinned<DB: DrawingBackend>(chart: &KeyedChart<'_, DB>, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    decimate(points, |t| chart.backend_coord(&(t, 0.0)).0)
}

fn pixels<DB: DrawingBackend>(chart: &KeyedChart<'_, DB>, points: &[(f64, f64)]) -> Vec<(i32, i32)> {
    points.iter().map(|&p| pixel(chart, p)).collect()
}

/// Draws `points` as one polyline in `style`.
pub(super) fn draw_line<DB: DrawingBackend>(
    chart: &mut KeyedChart<'_, DB>,
    points: &[(f64, f64)],
    style: ShapeStyle,
    obstacles: &mut Obstacles,
) -> Result<(), PlotError> {
    let points = thinned(chart, points);
    obstacles.add_path(&pixels(chart, &points), 1.0);
    chart.draw_series(LineSeries::new(points, style)).map_err(err)?;
    Ok(())
}

/// Fills `band` with `fill`: one polygon along the upper edge and back along the lower one.
pub(super) fn draw_band<DB: DrawingBackend>(
    chart: &mut KeyedChart<'_, DB>,
    band: &Band,
    fill: ShapeStyle,
    obstacles: &mut Obstacles,
) -> Result<(), PlotError> {
    let (upper, lower) = (thinned(chart, &band.upper), thinned(chart, &band.lower));
    obstacles.add_area(&pixels(chart, &upper), &pixels(chart, &lower), AREA_WEIGHT);
    let outline: Vec<(f64, f64)> = upper.into_iter().chain(lower.into_iter().rev()).collect();
    chart
        .draw_series(std::iter::once(Polygon::new(outline, fill)))
        .map_err(err)?;
    Ok(())
}
