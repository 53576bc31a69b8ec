//! The median relapse-free times on the survival panel: a grey dashed line at S = 0.5 out to
//! the latest median, a dashed drop in each arm's colour from there to the time axis, and the
//! time written just above the axis beside its drop (once, in grey, for arms whose medians
//! read the same). Labels that would overlap go one line higher; when more than [`MAX_LINES`] lines would be needed the labels are left out and the
//! medians go into the legend instead ([`with_median`]).

use plotters::prelude::{
    BLACK, DashedLineSeries, DrawingBackend, EmptyElement, IntoFont, RGBColor, Rectangle, Text, WHITE,
};
use plotters::style::{Color, ShapeStyle, TextStyle};

use super::frame::{KeyedChart, pixel};
use super::{PopulationFigure, SurvivalArm};
use crate::plot::PlotError;
use crate::plot::draw::{colour, err};
use crate::plot::legend::Obstacles;
use crate::plot::ticks::short_number;

/// Font size of the labels.
const FONT: u32 = 14;
/// Most lines of labels stacked above the axis.
const MAX_LINES: usize = 2;
/// Pixels between a label and its drop line, and between labels on one line.
const GAP: i32 = 4;
/// Colour of a label shared by several arms.
const SHARED: RGBColor = RGBColor(60, 60, 60);

/// A median's label, placed.
struct Label {
    median: f64,
    colour: RGBColor,
    text: String,
    /// Top-left corner relative to the drop's foot, in pixels.
    offset: (i32, i32),
    size: (i32, i32),
}

/// `arm`'s legend label with its median: `label (median 205.3)`, or "not reached".
pub(super) fn with_median(arm: &SurvivalArm) -> String {
    match arm.median.filter(|m| m.is_finite()) {
        Some(m) => format!("{} (median {})", arm.label, short_number(m)),
        None => format!("{} (median not reached)", arm.label),
    }
}

/// Draws the medians of `figure`'s arms; whether their times were written on the axis (else
/// the legend should give them).
pub(super) fn draw<DB: DrawingBackend>(
    chart: &mut KeyedChart<'_, DB>,
    figure: &PopulationFigure,
    obstacles: &mut Obstacles,
) -> Result<bool, PlotError> {
    let t_end = figure.t_end;
    let mut medians: Vec<(f64, RGBColor)> = figure
        .arms
        .iter()
        .filter_map(|arm| arm.median.map(|m| (m, colour(arm.colour))))
        .filter(|(m, _)| m.is_finite() && (0.0..=t_end).contains(m))
        .collect();
    let Some(latest) = medians.iter().map(|m| m.0).reduce(f64::max) else {
        return Ok(true);
    };
    medians.sort_by(|a, b| a.0.total_cmp(&b.0));
    let grey = ShapeStyle::from(&BLACK.mix(0.45)).stroke_width(1);
    chart
        .draw_series(DashedLineSeries::new([(0.0, 0.5), (latest, 0.5)], 6, 4, grey))
        .map_err(err)?;
    obstacles.add_path(&[pixel(chart, (0.0, 0.5)), pixel(chart, (latest, 0.5))], 0.5);
    for &(median, c) in &medians {
        let style = ShapeStyle::from(&c).stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new([(median, 0.5), (median, 0.0)], 6, 4, style))
            .map_err(err)?;
        obstacles.add_path(&[pixel(chart, (median, 0.5)), pixel(chart, (median, 0.0))], 0.5);
    }
    let Some(labels) = place_labels(chart, &medians)? else {
        return Ok(false);
    };
    let font = TextStyle::from(("sans-serif", FONT).into_font());
    for label in labels {
        let ((dx, dy), (w, h)) = (label.offset, label.size);
        let foot = pixel(chart, (label.median, 0.0));
        obstacles.add_box(
            (foot.0 + dx, foot.1 + dy),
            (foot.0 + dx + w, foot.1 + dy + h),
            2.0,
        );
        let element = EmptyElement::at((label.median, 0.0))
            + Rectangle::new(
                [(dx - 2, dy - 1), (dx + w + 2, dy + h + 1)],
                WHITE.mix(0.8).filled(),
            )
            + Text::new(label.text, (dx, dy), font.color(&label.colour));
        chart.draw_series(std::iter::once(element)).map_err(err)?;
    }
    Ok(true)
}

/// The labels of `medians` (sorted by time), each right of its drop (left near the right
/// edge) on the lowest line where it does not overlap; `None` if more than [`MAX_LINES`]
/// lines are needed.
fn place_labels<DB: DrawingBackend>(
    chart: &KeyedChart<'_, DB>,
    medians: &[(f64, RGBColor)],
) -> Result<Option<Vec<Label>>, PlotError> {
    let plot_width = i32::try_from(chart.plotting_area().dim_in_pixel().0).unwrap_or(i32::MAX);
    let font = TextStyle::from(("sans-serif", FONT).into_font());
    // Right edge of the last label on each line, in pixels.
    let mut lines: Vec<i32> = Vec::new();
    let mut labels = Vec::with_capacity(medians.len());
    // Arms whose medians read the same share one label, in a neutral colour.
    let mut shared: Vec<(f64, RGBColor, String)> = Vec::new();
    for &(median, colour) in medians {
        let text = short_number(median);
        match shared.last_mut() {
            Some(last) if last.2 == text => last.1 = SHARED,
            _ => shared.push((median, colour, text)),
        }
    }
    for (median, colour, text) in shared {
        let (w, h) = chart
            .plotting_area()
            .estimate_text_size(&text, &font)
            .map_err(err)?;
        let (w, h) = (i32::try_from(w).unwrap_or(0), i32::try_from(h).unwrap_or(0));
        let x = pixel(chart, (median, 0.0)).0;
        let dx = if x + GAP + w > plot_width { -GAP - w } else { GAP };
        let line = lines
            .iter()
            .position(|&right| right + GAP <= x + dx)
            .unwrap_or(lines.len());
        if line >= MAX_LINES {
            return Ok(None);
        }
        match lines.get_mut(line) {
            Some(edge) => *edge = x + dx + w,
            None => lines.push(x + dx + w),
        }
        let dy = -GAP - (h + 3) * (i32::try_from(line).unwrap_or(0) + 1);
        labels.push(Label {
            median,
            colour,
            text,
            offset: (dx, dy),
            size: (w, h),
        });
    }
    Ok(Some(labels))
}
