//! Drawing a [`Figure`] on a plotters backend. A logarithmic panel is drawn as log10(y) on a
//! linear axis with decade tick labels, so both scales share one code path; values ≤ 0 cannot
//! be shown on it and are clipped to the axis floor, which the legend says.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::{
    BLACK, BitMapBackend, ChartBuilder, Circle, Cross, DashedLineSeries, DrawingArea, DrawingBackend,
    EmptyElement, IntoDrawingArea, IntoFont, LineSeries, PathElement, RGBColor, Rectangle, SVGBackend,
    SeriesLabelPosition, ShapeStyle, Text, WHITE,
};
use plotters::style::Color;

use super::{Curve, DoseMark, Figure, PALETTE, Panel, PlotError};

pub(super) fn png(figure: &Figure, path: &Path) -> Result<(), PlotError> {
    draw(figure, BitMapBackend::new(path, figure.size).into_drawing_area())
}

pub(super) fn svg(figure: &Figure, path: &Path) -> Result<(), PlotError> {
    draw(figure, SVGBackend::new(path, figure.size).into_drawing_area())
}

/// Smallest width of the y-label area of every panel (all panels share it, so the time axes
/// line up); widened for long dose-rug row names.
const LABEL_AREA: u32 = 130;
/// A log axis shows at most this many decades below the largest value.
const MAX_DECADES: f64 = 12.0;

fn err(e: impl std::fmt::Debug) -> PlotError {
    PlotError::Draw(format!("{e:?}"))
}

fn colour(index: usize) -> RGBColor {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    RGBColor(r, g, b)
}

fn draw<DB: DrawingBackend>(figure: &Figure, root: DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(&figure.title, ("sans-serif", 26)).map_err(err)?;
    let (_, height) = root.dim_in_pixel();
    let rows = rug_rows(&figure.doses);
    let rug_height = if rows.is_empty() {
        0
    } else {
        (rows.len() as u32 * 18 + 50).min(height / 4)
    };
    let exposure_height = if figure.exposure.is_some() {
        height * 27 / 100
    } else {
        0
    };
    let main_height = height.saturating_sub(rug_height + exposure_height);
    let (main, rest) = root.split_vertically(main_height);
    let (rug, exposure) = rest.split_vertically(rug_height);
    let main_x_label = if figure.exposure.is_none() && rows.is_empty() {
        figure.x_label.as_str()
    } else {
        ""
    };
    let longest = rows.iter().map(|r| r.0.chars().count() as u32).max().unwrap_or(0);
    let label_area = LABEL_AREA.max(7 * longest + 16);
    draw_panel(&main, &figure.main, (figure.t_end, label_area), main_x_label)?;
    if !rows.is_empty() {
        let rug_x_label = if figure.exposure.is_none() {
            figure.x_label.as_str()
        } else {
            ""
        };
        draw_rug(
            &rug,
            &figure.doses,
            &rows,
            (figure.t_end, label_area, rug_x_label),
        )?;
    }
    if let Some(panel) = &figure.exposure {
        draw_panel(&exposure, panel, (figure.t_end, label_area), &figure.x_label)?;
    }
    root.present().map_err(err)
}

/// A curve's y values as drawn, and whether any were clipped.
fn transform(points: &[(f64, f64)], log_y: bool, floor: f64) -> (Vec<(f64, f64)>, bool) {
    if !log_y {
        return (
            points.iter().copied().filter(|p| p.1.is_finite()).collect(),
            false,
        );
    }
    let mut clipped = false;
    let drawn = points
        .iter()
        .filter(|p| !p.1.is_nan())
        .map(|&(x, y)| {
            if y > floor {
                (x, y.log10())
            } else {
                clipped = true;
                (x, floor.log10())
            }
        })
        .collect();
    (drawn, clipped)
}

/// The y range as drawn: decades for a log axis, a padded span for a linear one.
fn y_range(panel: &Panel) -> (f64, f64, f64) {
    let values = panel
        .curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.1))
        .chain(panel.levels.iter().map(|l| l.value))
        .filter(|v| v.is_finite());
    if panel.log_y {
        let positive: Vec<f64> = values.filter(|&v| v > 0.0).collect();
        let low = positive.iter().copied().fold(f64::INFINITY, f64::min);
        let high = positive.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !low.is_finite() {
            return (-1.0, 1.0, 0.1);
        }
        let bottom = low
            .log10()
            .floor()
            .max(high.log10().ceil() - MAX_DECADES)
            .min(high.log10().ceil() - 1.0);
        let top = high.log10().ceil().max(bottom + 1.0);
        (bottom, top, 10f64.powf(bottom))
    } else {
        let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if !low.is_finite() {
            return (0.0, 1.0, 0.0);
        }
        let low = low.min(0.0);
        let span = (high - low).max(1e-12);
        (low, high + 0.05 * span, 0.0)
    }
}

fn decade_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("1e{}", v.round() as i64)
    } else {
        format!("{:.2e}", 10f64.powf(v))
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    (t_end, label_area): (f64, u32),
    x_label: &str,
) -> Result<(), PlotError> {
    let (bottom, top, floor) = y_range(panel);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(if x_label.is_empty() { 25 } else { 45 })
        .y_label_area_size(label_area)
        .build_cartesian_2d(0.0..t_end, bottom..top)
        .map_err(err)?;
    let log_y = panel.log_y;
    let y_format = move |v: &f64| {
        if log_y {
            decade_label(*v)
        } else {
            crate::export::format_float(*v)
        }
    };
    chart
        .configure_mesh()
        .x_desc(x_label)
        .x_label_formatter(&|v| crate::export::format_float(*v))
        .y_desc(panel.y_label.as_str())
        .y_labels(if log_y {
            ((top - bottom) as usize + 1).clamp(2, 12)
        } else {
            6
        })
        .y_label_formatter(&y_format)
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    for curve in &panel.curves {
        draw_curve(&mut chart, curve, log_y, floor)?;
    }
    let y_of = |v: f64| if log_y { v.max(floor).log10() } else { v };
    for level in &panel.levels {
        let y = y_of(level.value);
        let style = ShapeStyle::from(&BLACK.mix(0.6)).stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new([(0.0, y), (t_end, y)], 8, 5, style))
            .map_err(err)?;
        let font = ("sans-serif", 15).into_font().color(&BLACK.mix(0.8));
        let width = 8 * level.label.chars().count() as i32 + 10;
        let label = EmptyElement::at((t_end, y)) + Text::new(level.label.clone(), (-width, -18), font);
        chart.draw_series(std::iter::once(label)).map_err(err)?;
    }
    // Labels alternate below and above their markers in time order, so that markers close in
    // time (two relapses a few days apart) keep readable labels.
    let mut order: Vec<usize> = (0..panel.markers.len()).collect();
    order.sort_by(|&i, &j| panel.markers[i].at.0.total_cmp(&panel.markers[j].at.0));
    for (rank, &index) in order.iter().enumerate() {
        let marker = &panel.markers[index];
        let at = (marker.at.0, y_of(marker.at.1));
        let c = colour(marker.colour);
        let font = ("sans-serif", 14).into_font().color(&c);
        // Near the right edge the label goes to the left of the marker.
        let x = if marker.at.0 > 0.85 * t_end {
            -8 - 7 * marker.label.chars().count() as i32
        } else {
            8
        };
        let offset = if rank % 2 == 0 { (x, 4) } else { (x, -20) };
        let element = EmptyElement::at(at)
            + Circle::new((0, 0), 5, c.filled())
            + Cross::new((0, 0), 8, c.stroke_width(2))
            + Text::new(marker.label.clone(), offset, font);
        chart.draw_series(std::iter::once(element)).map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(err)
}

type Chart<'a, DB> = plotters::chart::ChartContext<
    'a,
    DB,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

fn draw_curve<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    curve: &Curve,
    log_y: bool,
    floor: f64,
) -> Result<(), PlotError> {
    let (points, clipped) = transform(&curve.points, log_y, floor);
    let c = colour(curve.colour);
    let label = if clipped {
        format!("{} (values ≤ 0 clipped to axis floor)", curve.label)
    } else {
        curve.label.clone()
    };
    chart
        .draw_series(LineSeries::new(points, c.stroke_width(2)))
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(3)));
    Ok(())
}

fn rug_rows(doses: &[DoseMark]) -> Vec<(String, usize)> {
    let mut rows: Vec<(String, usize)> = Vec::new();
    for d in doses {
        if !rows.iter().any(|(r, _)| r == &d.row) {
            rows.push((d.row.clone(), d.colour));
        }
    }
    rows
}

fn draw_rug<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    doses: &[DoseMark],
    rows: &[(String, usize)],
    (t_end, label_area, x_label): (f64, u32, &str),
) -> Result<(), PlotError> {
    let n = rows.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .margin_left(12)
        .margin_right(12)
        .x_label_area_size(if x_label.is_empty() { 20 } else { 40 })
        .y_label_area_size(label_area)
        .build_cartesian_2d(0.0..t_end, 0.0..n)
        .map_err(err)?;
    let row_names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
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
    for d in doses {
        let row = rows.iter().position(|r| r.0 == d.row).unwrap_or(0) as f64;
        let c = colour(d.colour);
        match d.end {
            None => chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(d.start, row + 0.15), (d.start, row + 0.85)],
                    c.stroke_width(2),
                )))
                .map_err(err)?,
            Some(end) => chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(d.start, row + 0.3), (end, row + 0.7)],
                    c.filled(),
                )))
                .map_err(err)?,
        };
    }
    Ok(())
}
