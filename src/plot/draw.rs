//! Drawing a [`Figure`] on a plotters backend. A logarithmic panel is drawn as log10(y) on a
//! linear axis with decade tick labels, so both scales share one code path; values ≤ 0 cannot
//! be shown on it and are clipped to the axis floor, which the legend says. A linear axis spans
//! at most ±1e300 (a span of 2e308 overflows); values beyond, and infinite values on either
//! scale, are clipped to the edge, which the legend says too.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::{
    BitMapBackend, ChartBuilder, DrawingArea, DrawingBackend, IntoDrawingArea, PathElement, RGBColor,
    Rectangle, SVGBackend, WHITE,
};
use plotters::style::Color;

use super::layout::{Layout, MARGIN, TITLE_FONT, heights, label_area, row_name_capacity};
use super::panel::{PanelLayout, PanelSpec, draw_panel};
use super::{DoseMark, Figure, PALETTE, Panel, PlotError};

pub(super) fn png(figure: &Figure, path: &Path) -> Result<(), PlotError> {
    let area = BitMapBackend::new(path, figure.size).into_drawing_area();
    draw(figure, area, true).map(|_| ())
}

pub(super) fn svg(figure: &Figure, path: &Path) -> Result<(), PlotError> {
    let area = SVGBackend::new(path, figure.size).into_drawing_area();
    draw(figure, area, false).map(|_| ())
}

/// The layout of `figure`'s curve panels, found by drawing it into an SVG string.
pub(super) fn layout(figure: &Figure) -> Result<Vec<PanelLayout>, PlotError> {
    let mut text = String::new();
    let area = SVGBackend::with_string(&mut text, figure.size).into_drawing_area();
    draw(figure, area, false)
}

/// The SVG text of `figure`, drawn in memory.
pub(super) fn svg_string(figure: &Figure) -> Result<String, PlotError> {
    let mut text = String::new();
    draw(
        figure,
        SVGBackend::with_string(&mut text, figure.size).into_drawing_area(),
        false,
    )?;
    Ok(text)
}

/// A log axis shows at most this many decades below the largest value.
const MAX_DECADES: f64 = 12.0;
/// Largest magnitude drawn on a linear axis; larger values are drawn at the edge. Beyond it the
/// axis arithmetic of plotters (span, tick step, tick count) overflows and its tick search never
/// ends.
pub(super) const LINEAR_LIMIT: f64 = 1e300;

pub(super) fn err(e: impl std::fmt::Debug) -> PlotError {
    PlotError::Draw(format!("{e:?}"))
}

/// The palette colour of index `index` (wrapping around).
pub(super) fn colour(index: usize) -> RGBColor {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Draws `figure` on `root` (a bitmap or not, [`PanelSpec::bitmap`]) and returns the layout of
/// its curve panels, the main panel first.
fn draw<DB: DrawingBackend>(
    figure: &Figure,
    root: DrawingArea<DB, Shift>,
    bitmap: bool,
) -> Result<Vec<PanelLayout>, PlotError> {
    root.fill(&WHITE).map_err(err)?;
    let root = root
        .titled(&figure.title, ("sans-serif", TITLE_FONT))
        .map_err(err)?;
    let rows = rug_rows(&figure.doses);
    let layout = Layout {
        rug_rows: rows.len(),
        exposure: figure.exposure.is_some(),
        panels: figure.panels.len(),
    };
    let parts = heights(figure.size.1, &layout);
    let (main, rest) = root.split_vertically(parts.main);
    let (rug, below_rug) = rest.split_vertically(parts.rug);
    let (exposure, extra) = below_rug.split_vertically(parts.exposure);
    let main_x_label = if figure.exposure.is_none() && rows.is_empty() && figure.panels.is_empty() {
        figure.x_label.as_str()
    } else {
        ""
    };
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let label_area = label_area(figure.size.0, longest);
    let areas = layout.x_label_areas();
    let mut layouts = vec![draw_panel(
        &main,
        &PanelSpec {
            panel: &figure.main,
            t_end: figure.t_end,
            label_area,
            x_label_area: areas.main,
            x_label: main_x_label,
            legend: true,
            bitmap,
        },
    )?];
    if !rows.is_empty() {
        let rug_x_label = if figure.exposure.is_none() && figure.panels.is_empty() {
            figure.x_label.as_str()
        } else {
            ""
        };
        draw_rug(
            &rug,
            &figure.doses,
            &rows,
            (figure.t_end, label_area, areas.rug, rug_x_label),
        )?;
    }
    if let Some(panel) = &figure.exposure {
        layouts.push(draw_panel(
            &exposure,
            &PanelSpec {
                panel,
                t_end: figure.t_end,
                label_area,
                x_label_area: areas.exposure,
                x_label: if figure.panels.is_empty() {
                    &figure.x_label
                } else {
                    ""
                },
                legend: !explained_above(panel, &figure.main),
                bitmap,
            },
        )?);
    }
    // Each extra panel takes `parts.panel` pixels; the last one takes what is left.
    let mut below = extra;
    for (i, panel) in figure.panels.iter().enumerate() {
        let (x_label_area, x_label, area) = if i + 1 == figure.panels.len() {
            (areas.last_panel, figure.x_label.as_str(), below.clone())
        } else {
            let (area, rest) = below.split_vertically(parts.panel);
            below = rest;
            (areas.panel, "", area)
        };
        layouts.push(draw_panel(
            &area,
            &PanelSpec {
                panel,
                t_end: figure.t_end,
                label_area,
                x_label_area,
                x_label,
                legend: !explained_above(panel, &figure.main),
                bitmap,
            },
        )?);
    }
    root.present().map_err(err)?;
    Ok(layouts)
}

/// Whether every curve of `panel` has the label and colour of a curve of `above`, so that the
/// legend above explains it.
fn explained_above(panel: &Panel, above: &Panel) -> bool {
    panel.curves.iter().all(|c| {
        above
            .curves
            .iter()
            .any(|a| a.label == c.label && a.colour == c.colour)
    })
}

/// Which values of a curve could not be drawn where they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Clipped {
    /// Values ≤ 0 (or below the lowest decade) on a log axis, drawn at its floor.
    pub(super) floor: bool,
    /// Infinite values, or beyond ±[`LINEAR_LIMIT`] on a linear axis, drawn at the edge.
    pub(super) beyond: bool,
}

/// A y axis as drawn: `bottom..top` on the axis scale (log10 of the values for a log axis).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Axis {
    pub(super) log: bool,
    pub(super) bottom: f64,
    pub(super) top: f64,
}

impl Axis {
    /// The axis for `panel`: decades for a log axis, a padded span for a linear one. Always
    /// finite with `top > bottom`, whatever the values (infinite, NaN, ±1e308, all equal, none
    /// positive on a log axis).
    pub(super) fn of(panel: &Panel) -> Self {
        let values = panel
            .curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.1))
            .chain(panel.levels.iter().map(|l| l.value))
            .chain(super::observed::values(&panel.observations));
        Self::from_values(values, panel.log_y)
    }

    /// The axis that shows `values` (non-finite ones are ignored) on a log or linear scale; see
    /// [`Axis::of`].
    pub(super) fn from_values(values: impl Iterator<Item = f64>, log: bool) -> Self {
        let values = values.filter(|v| v.is_finite());
        if log {
            let (low, high) = bounds(values.filter(|&v| v > 0.0));
            if !low.is_finite() {
                return Self {
                    log: true,
                    bottom: -1.0,
                    top: 1.0,
                };
            }
            // Decades of finite positive values lie within [-324, 309]: nothing overflows.
            let bottom = low
                .log10()
                .floor()
                .max(high.log10().ceil() - MAX_DECADES)
                .min(high.log10().ceil() - 1.0);
            let top = high.log10().ceil().max(bottom + 1.0);
            Self {
                log: true,
                bottom,
                top,
            }
        } else {
            let (low, high) = bounds(values.map(|v| v.clamp(-LINEAR_LIMIT, LINEAR_LIMIT)));
            if !low.is_finite() {
                return Self {
                    log: false,
                    bottom: 0.0,
                    top: 1.0,
                };
            }
            let low = low.min(0.0);
            // |low|, |high| ≤ 1e300, so neither the span nor the padding can overflow.
            let scale = low.abs().max(high.abs());
            let span = if high - low > 1e-9 * scale {
                high - low
            } else if scale > 0.0 {
                // All values equal (to within rounding): show them against a span of their size.
                scale
            } else {
                1.0
            };
            Self {
                log: false,
                bottom: low,
                top: high + 0.05 * span,
            }
        }
    }

    /// The smallest value drawn where it is on a log axis (`10^bottom`).
    fn floor(&self) -> f64 {
        10f64.powf(self.bottom)
    }

    /// `y` on the axis scale, within the axis, and whether it had to be moved there.
    pub(super) fn place(&self, y: f64) -> (f64, Clipped) {
        if self.log {
            if y == f64::INFINITY {
                (
                    self.top,
                    Clipped {
                        floor: false,
                        beyond: true,
                    },
                )
            } else if y > self.floor() {
                (y.log10().min(self.top), Clipped::default())
            } else {
                (
                    self.bottom,
                    Clipped {
                        floor: true,
                        beyond: false,
                    },
                )
            }
        } else if y.is_finite() && y.abs() <= LINEAR_LIMIT {
            (y.clamp(self.bottom, self.top), Clipped::default())
        } else {
            (
                y.clamp(self.bottom, self.top),
                Clipped {
                    floor: false,
                    beyond: true,
                },
            )
        }
    }

    /// A curve's points as drawn (NaN dropped), and which values were clipped.
    pub(super) fn transform(&self, points: &[(f64, f64)]) -> (Vec<(f64, f64)>, Clipped) {
        let mut clipped = Clipped::default();
        let drawn = points
            .iter()
            .filter(|p| !p.1.is_nan())
            .map(|&(x, y)| {
                let (y, c) = self.place(y);
                clipped.floor |= c.floor;
                clipped.beyond |= c.beyond;
                (x, y)
            })
            .collect();
        (drawn, clipped)
    }
}

/// The smallest and largest of `values` (`(inf, -inf)` when there are none).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    })
}

/// The tick label of decade `v` on a log axis drawn as log10: `1e3` for 3.
pub(super) fn decade_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("1e{}", v.round() as i64)
    } else {
        format!("{:.2e}", 10f64.powf(v))
    }
}

/// A chart with linear f64 axes (a log axis is drawn as log10).
pub(super) type Chart<'a, DB> = plotters::chart::ChartContext<
    'a,
    DB,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// The parts of a polyline inside `lo ≤ x ≤ hi`, cut at the bounds by linear interpolation.
/// Points far outside the time axis would overflow the backend's 32-bit pixel arithmetic, so
/// nothing beyond the axis is handed to plotters; a non-finite x breaks the line.
pub(super) fn clip_to_time(points: &[(f64, f64)], lo: f64, hi: f64) -> Vec<Vec<(f64, f64)>> {
    let inside = |x: f64| (lo..=hi).contains(&x);
    let cut = |a: (f64, f64), b: (f64, f64), x: f64| {
        let f = (x - a.0) / (b.0 - a.0);
        let y = a.1 + f * (b.1 - a.1);
        (x, if y.is_finite() { y } else { a.1 })
    };
    let mut pieces = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let mut previous: Option<(f64, f64)> = None;
    for &p in points {
        if !p.0.is_finite() {
            pieces.push(std::mem::take(&mut current));
            previous = None;
            continue;
        }
        if let Some(q) = previous {
            match (inside(q.0), inside(p.0)) {
                (true, true) => current.push(p),
                (true, false) => {
                    current.push(cut(q, p, if p.0 > hi { hi } else { lo }));
                    pieces.push(std::mem::take(&mut current));
                }
                (false, true) => {
                    current.push(cut(q, p, if q.0 > hi { hi } else { lo }));
                    current.push(p);
                }
                // Crossing the whole axis in one segment.
                (false, false) if (q.0 < lo && p.0 > hi) || (q.0 > hi && p.0 < lo) => {
                    pieces.push(vec![cut(q, p, q.0.clamp(lo, hi)), cut(q, p, p.0.clamp(lo, hi))]);
                }
                (false, false) => {}
            }
        } else if inside(p.0) {
            current.push(p);
        }
        previous = Some(p);
    }
    pieces.push(current);
    pieces.retain(|piece| !piece.is_empty());
    pieces
}

/// The rug's rows in order of first appearance, with their colours.
fn rug_rows(doses: &[DoseMark]) -> Vec<(String, usize)> {
    let mut seen = HashSet::new();
    doses
        .iter()
        .filter(|d| seen.insert(d.row.as_str()))
        .map(|d| (d.row.clone(), d.colour))
        .collect()
}

/// `name`, shortened with an ellipsis to at most `capacity` characters.
fn shorten(name: &str, capacity: usize) -> String {
    if name.chars().count() <= capacity {
        return name.to_string();
    }
    let mut short: String = name.chars().take(capacity.saturating_sub(1)).collect();
    short.push('…');
    short
}

fn draw_rug<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    doses: &[DoseMark],
    rows: &[(String, usize)],
    (t_end, label_area, x_label_area, x_label): (f64, u32, u32, &str),
) -> Result<(), PlotError> {
    let n = rows.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .margin_left(MARGIN)
        .margin_right(MARGIN)
        .x_label_area_size(x_label_area)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0.0..t_end, 0.0..n)
        .map_err(err)?;
    let capacity = row_name_capacity(label_area);
    let row_names: Vec<String> = rows.iter().map(|r| shorten(&r.0, capacity)).collect();
    let label_of = move |v: &f64| {
        let i = v.floor() as usize;
        if (v - v.floor() - 0.5).abs() < 1e-9 {
            row_names.get(i).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_desc(x_label)
        .x_label_formatter(&|v| crate::export::format_float(*v))
        .y_labels(rows.len() * 2 + 1)
        .y_label_formatter(&label_of)
        .disable_y_mesh()
        .disable_x_mesh()
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .map_err(err)?;
    let index: HashMap<&str, usize> = rows.iter().enumerate().map(|(i, r)| (r.0.as_str(), i)).collect();
    let mut per_row: Vec<Vec<&DoseMark>> = vec![Vec::new(); rows.len()];
    for d in doses {
        per_row[index[d.row.as_str()]].push(d);
    }
    for (row, marks) in per_row.iter().enumerate() {
        let c = colour(rows[row].1);
        let y = row as f64;
        let pixel = |t: f64| chart.backend_coord(&(t, y)).0;
        let (boluses, infusions) = merged(marks, t_end, pixel);
        chart
            .draw_series(
                boluses
                    .into_iter()
                    .map(|t| PathElement::new(vec![(t, y + 0.15), (t, y + 0.85)], c.stroke_width(2))),
            )
            .map_err(err)?;
        // In pixels, so that an infusion shorter than a pixel is still one pixel wide.
        let area = chart.plotting_area().strip_coord_spec();
        let base = area.get_base_pixel();
        for (start, end) in infusions {
            let (left, top) = chart.backend_coord(&(start, y + 0.7));
            let (right, bottom) = chart.backend_coord(&(end, y + 0.3));
            let corners = [
                (left - base.0, top - base.1),
                (right.max(left + 1) - base.0, bottom - base.1),
            ];
            area.draw(&Rectangle::new(corners, c.filled())).map_err(err)?;
        }
    }
    Ok(())
}

/// The marks of one rug row as drawn: one bolus line per pixel column (the first bolus drawn
/// there), and infusion bars merged where their pixel spans overlap or touch. Thousands of
/// doses thus cost at most a few elements per pixel column, and the image is unchanged. Marks
/// outside `[0, t_end]` are cut to it (and dropped if they start outside it).
fn merged(marks: &[&DoseMark], t_end: f64, pixel: impl Fn(f64) -> i32) -> (Vec<f64>, Vec<(f64, f64)>) {
    let shown = marks.iter().filter(|d| (0.0..=t_end).contains(&d.start));
    let mut boluses: Vec<(i32, f64)> = shown
        .clone()
        .filter(|d| d.end.is_none())
        .map(|d| (pixel(d.start), d.start))
        .collect();
    boluses.sort_by_key(|b| b.0);
    boluses.dedup_by_key(|b| b.0);
    let mut bars: Vec<(f64, f64)> = shown
        .filter_map(|d| {
            d.end
                .map(|end| (d.start, if end >= d.start { end.min(t_end) } else { d.start }))
        })
        .collect();
    bars.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut infusions: Vec<(f64, f64)> = Vec::new();
    for (start, end) in bars {
        match infusions.last_mut() {
            Some(last) if pixel(start) <= pixel(last.1) => {
                if end > last.1 {
                    last.1 = end;
                }
            }
            _ => infusions.push((start, end)),
        }
    }
    (boluses.into_iter().map(|b| b.1).collect(), infusions)
}

#[cfg(test)]
mod tests {
    use super::clip_to_time;

    #[test]
    fn curves_are_cut_to_the_time_axis() {
        // Straight lines: the cut points follow from the two-point form of each segment.
        let pts = [(-1.0, 0.0), (1.0, 2.0), (2.0, 3.0), (1e300, 0.0), (3.0, 4.0)];
        let pieces = clip_to_time(&pts, 0.0, 4.0);
        assert_eq!(pieces[0], vec![(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (4.0, 3.0)]);
        assert_eq!(pieces[1][1], (3.0, 4.0));
        assert!(pieces.iter().flatten().all(|p| (0.0..=4.0).contains(&p.0)));
        let across = clip_to_time(&[(-1.0, 0.0), (5.0, 6.0)], 0.0, 4.0);
        assert_eq!(across, vec![vec![(0.0, 1.0), (4.0, 5.0)]]);
        assert!(clip_to_time(&[(f64::NAN, 1.0), (9.0, 1.0)], 0.0, 4.0).is_empty());
    }
}
