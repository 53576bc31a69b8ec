//! The relapse-curve panel: per arm, the median of the relapse observable across patients as a
//! line, over shaded 25–75 % and 5–95 % bands, on a log (or linear) axis with the threshold and
//! the detection limit as dashed labelled lines, as in `plot`.
//!
//! The axis comes from [`Axis`], as in `plot`: at most 12 decades on a log axis, values ≤ 0
//! drawn at its floor and infinite ones at its top, linear values beyond ±1e300 at the edge;
//! the legend says when that happened. NaN values and times outside `[0, t_end]` leave gaps.

use plotters::coord::Shift;
use plotters::prelude::{BLACK, DrawingArea, DrawingBackend, RGBColor};
use plotters::style::{Color, ShapeStyle};

use super::PopulationFigure;
use super::frame::{Frame, TickLabel, YAxis};
use super::layout::X_LABEL_AREA;
use super::scene::{Axes, Scene, draw_panel};
use super::shapes::{Band, band, line};
use crate::plot::PlotError;
use crate::plot::draw::{Axis, Clipped, LINEAR_LIMIT, colour, decade_label};
use crate::plot::layout::MARGIN;
use crate::plot::legend::{Entry, Swatch};
use crate::plot::panel::PanelLayout;
use crate::plot::ticks::{nice_ticks, tick_labeller};

/// Opacity of the 5–95 % band.
const OUTER_OPACITY: f64 = 0.12;
/// Opacity of the 25–75 % band (drawn over the 5–95 % band).
const INNER_OPACITY: f64 = 0.22;
/// Neutral greys of legend entries that stand for every arm.
const GREY: RGBColor = RGBColor(110, 110, 110);
/// See [`GREY`].
const DARK_GREY: RGBColor = RGBColor(60, 60, 60);
/// Smallest spacing of y tick labels, in pixels.
const Y_TICK_SPACING: u32 = 28;
/// Dash and gap of the level lines, in pixels, as in `plot`.
const LEVEL_DASH: (i32, i32) = (8, 5);

/// One time of an arm's relapse curve as drawn: the time and the five percentiles on the
/// axis scale (NaN where undefined).
type Row = (f64, [f64; 5]);

/// Draws the panel on `area` and returns its layout.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &PopulationFigure,
    (frame, bitmap): (&Frame, bool),
) -> Result<PanelLayout, PlotError> {
    let levels: Vec<&(String, f64)> = [&figure.threshold, &figure.detection_limit]
        .into_iter()
        .flatten()
        .filter(|level| !level.1.is_nan())
        .collect();
    let values = figure
        .arms
        .iter()
        .flat_map(|arm| arm.percentiles.iter().flatten().copied())
        .chain(levels.iter().map(|level| level.1));
    let axis = Axis::from_values(values, figure.log_y);
    let plot_height = area.dim_in_pixel().1.saturating_sub(2 * MARGIN + X_LABEL_AREA);
    let y = y_axis(&axis, figure.y_label.clone(), plot_height);
    let t_end = figure.t_end;
    let mut clipped = Clipped::default();
    let curves: Vec<Vec<Row>> = figure
        .arms
        .iter()
        .map(|arm| {
            let (rows, c) = place(&arm.band_times, &arm.percentiles, (&axis, t_end));
            clipped.floor |= c.floor;
            clipped.beyond |= c.beyond;
            rows
        })
        .collect();
    let entries = legend(clipped, axis.log);
    let axes = Axes {
        y: &y,
        x_title: &figure.x_label,
        margin_bottom: MARGIN,
        t_end,
    };
    let level_style = ShapeStyle::from(&BLACK.mix(0.6)).stroke_width(1);
    let drawn = draw_panel(area, (frame, &axes), bitmap, |chart| {
        let mut scene = Scene::new(chart);
        for (shade, opacity) in [((0, 4), OUTER_OPACITY), ((1, 3), INNER_OPACITY)] {
            for (arm, rows) in figure.arms.iter().zip(&curves) {
                let fill = colour(arm.colour).mix(opacity).filled();
                for shaded in bands(rows, shade) {
                    band(&mut scene, chart, &shaded, fill);
                }
            }
        }
        for (arm, rows) in figure.arms.iter().zip(&curves) {
            for run in runs(rows, |r| !r.1[2].is_nan()) {
                let median: Vec<(f64, f64)> = run.iter().map(|r| (r.0, r.1[2])).collect();
                line(&mut scene, chart, &median, colour(arm.colour).stroke_width(2));
            }
        }
        let ends: Vec<(i32, i32)> = levels
            .iter()
            .map(|(_, value)| {
                let y = axis.place(*value).0;
                let (start, end) = (chart.backend_coord(&(0.0, y)), chart.backend_coord(&(t_end, y)));
                scene.guide(vec![start, end], level_style, LEVEL_DASH);
                end
            })
            .collect();
        let mut texts = scene.texts(entries.clone());
        for ((label, _), end) in levels.iter().zip(ends) {
            texts.level(label, end);
        }
        texts
    })?;
    Ok(drawn.layout)
}

/// The y axis: decades on a log axis (every k-th when there are too many for the height),
/// round values on a linear one.
fn y_axis(axis: &Axis, title: String, plot_height: u32) -> YAxis {
    let max_ticks = (plot_height / Y_TICK_SPACING).clamp(2, 13) as usize;
    let (ticks, label): (Vec<f64>, TickLabel) = if axis.log {
        // At most 13 decades (`Axis` shows at most 12 below the top).
        let decades: Vec<f64> = (axis.bottom.ceil() as i32..=axis.top.floor() as i32)
            .map(f64::from)
            .collect();
        let every = decades.len().div_ceil(max_ticks).max(1);
        let ticks = decades.into_iter().step_by(every).collect();
        (ticks, Box::new(|v: &f64| decade_label(*v)))
    } else {
        let ticks = nice_ticks(axis.bottom, axis.top, max_ticks.saturating_sub(1).max(1));
        let label = tick_labeller(&ticks);
        (ticks, Box::new(label))
    };
    YAxis {
        bottom: axis.bottom,
        top: axis.top,
        ticks,
        title,
        label,
    }
}

/// The rows of one arm inside the time axis, sorted by time, with the percentiles on the axis
/// scale, and which values had to be clipped to the axis.
fn place(times: &[f64], percentiles: &[Vec<f64>; 5], (axis, t_end): (&Axis, f64)) -> (Vec<Row>, Clipped) {
    let mut clipped = Clipped::default();
    let mut rows: Vec<Row> = times
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_finite() && (0.0..=t_end).contains(*t))
        .filter(|(i, _)| percentiles.iter().all(|p| *i < p.len()))
        .map(|(i, &t)| {
            let drawn = std::array::from_fn(|k| {
                let v = percentiles[k][i];
                if v.is_nan() {
                    return f64::NAN;
                }
                let (y, c) = axis.place(v);
                clipped.floor |= c.floor;
                clipped.beyond |= c.beyond;
                y
            });
            (t, drawn)
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    (rows, clipped)
}

/// Maximal runs of consecutive rows that satisfy `keep`.
fn runs(rows: &[Row], keep: impl Fn(&Row) -> bool) -> impl Iterator<Item = &[Row]> {
    rows.split(move |r| !keep(r)).filter(|run| !run.is_empty())
}

/// The band between percentiles `low` and `high`: one [`Band`] per run of rows where both are
/// defined.
fn bands(rows: &[Row], (low, high): (usize, usize)) -> Vec<Band> {
    runs(rows, |r| !r.1[low].is_nan() && !r.1[high].is_nan())
        .map(|run| Band {
            upper: run.iter().map(|r| (r.0, r.1[high])).collect(),
            lower: run.iter().map(|r| (r.0, r.1[low])).collect(),
        })
        .collect()
}

fn legend(clipped: Clipped, log: bool) -> Vec<Entry> {
    let inner = 1.0 - (1.0 - OUTER_OPACITY) * (1.0 - INNER_OPACITY);
    let mut entries = vec![
        Entry {
            label: "median of patients".to_string(),
            swatch: Swatch::Line(DARK_GREY),
        },
        Entry {
            label: "25–75 % of patients".to_string(),
            swatch: Swatch::Band(GREY, inner * 1.5),
        },
        Entry {
            label: "5–95 % of patients".to_string(),
            swatch: Swatch::Band(GREY, OUTER_OPACITY * 1.5),
        },
    ];
    let mut note = |label: String| {
        entries.push(Entry {
            label,
            swatch: Swatch::Blank,
        });
    };
    if clipped.floor {
        note("values ≤ 0 or below the axis drawn at its floor".to_string());
    }
    if clipped.beyond {
        note(if log {
            "infinite values drawn at the axis top".to_string()
        } else {
            format!("values beyond ±{LINEAR_LIMIT:e} drawn at the edge")
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_axis() -> Axis {
        Axis {
            log: true,
            bottom: -2.0,
            top: 3.0,
        }
    }

    #[test]
    fn rows_are_placed_on_the_axis_scale_and_gaps_kept() {
        let times = [0.0, 1.0, 2.0, 50.0];
        let p = |v: [f64; 4]| v.to_vec();
        let percentiles = [
            p([0.0, 1.0, f64::NAN, 1.0]),
            p([1.0, 10.0, 1.0, 1.0]),
            p([10.0, 100.0, 10.0, 1.0]),
            p([100.0, 100.0, 100.0, 1.0]),
            p([1000.0, f64::INFINITY, 100.0, 1.0]),
        ];
        let (rows, clipped) = place(&times, &percentiles, (&log_axis(), 10.0));
        assert_eq!(rows.len(), 3, "t = 50 is past t_end");
        assert_eq!(rows[0].1, [-2.0, 0.0, 1.0, 2.0, 3.0]);
        assert!(clipped.floor && clipped.beyond);
        assert!(rows[2].1[0].is_nan());
        assert_eq!(bands(&rows, (0, 4)).len(), 1, "the gap at t = 2 ends the run");
        let inner = bands(&rows, (1, 3));
        assert_eq!(inner.len(), 1);
        assert_eq!(inner[0].upper, vec![(0.0, 2.0), (1.0, 2.0), (2.0, 2.0)]);
        assert_eq!(inner[0].lower, vec![(0.0, 0.0), (1.0, 1.0), (2.0, 0.0)]);
    }

    #[test]
    fn short_percentile_columns_are_not_read_past_their_end() {
        let percentiles = [vec![1.0], vec![1.0], vec![1.0, 2.0], vec![1.0], vec![1.0]];
        let (rows, _) = place(&[0.0, 1.0], &percentiles, (&log_axis(), 10.0));
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn log_ticks_are_decades_thinned_to_the_height() {
        let axis = Axis {
            log: true,
            bottom: -9.0,
            top: 3.0,
        };
        assert_eq!(y_axis(&axis, String::new(), 1000).ticks.len(), 13);
        let few = y_axis(&axis, String::new(), 100).ticks;
        assert!(few.len() <= 4 && few[0] == -9.0, "{few:?}");
    }
}
