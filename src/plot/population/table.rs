//! The number-at-risk table under the survival panel's time axis: a header, then one row per
//! arm with a swatch and the arm's label in the y-label area and the numbers at risk centred
//! under their time ticks, as in clinical papers.

use plotters::coord::Shift;
use plotters::prelude::{BLACK, DrawingArea, DrawingBackend, IntoFont, PathElement, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, ShapeStyle, TextStyle};

use super::PopulationFigure;
use super::frame::{Frame, TABLE_FONT};
use super::layout::{TABLE_HEADER, TABLE_ROW};
use crate::plot::PlotError;
use crate::plot::draw::{colour, err};
use crate::plot::layout::MARGIN;

/// Width of the colour swatch before a row label, and the space after it.
const SWATCH: i32 = 16;
/// See [`SWATCH`].
const SWATCH_GAP: i32 = 6;
/// Space between a row label and the first column of numbers.
const LABEL_GAP: i32 = 10;

/// Where the time axis's columns are, in backend pixels.
pub(super) struct Columns {
    /// Left edge of the plotting area.
    pub(super) plot_left: i32,
    /// x of each of [`Frame::columns`].
    pub(super) xs: Vec<i32>,
}

/// Draws the table on `area`, its numbers at `columns`.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &PopulationFigure,
    frame: &Frame,
    columns: &Columns,
) -> Result<(), PlotError> {
    let base = area.get_base_pixel();
    let header = ("sans-serif", TABLE_FONT + 1)
        .into_font()
        .color(&BLACK.mix(0.85))
        .pos(Pos::new(HPos::Left, VPos::Top));
    area.draw(&Text::new("number at risk", (MARGIN as i32, 4), header))
        .map_err(err)?;
    let number_style = ("sans-serif", TABLE_FONT)
        .into_font()
        .color(&BLACK.mix(0.85))
        .pos(Pos::new(HPos::Center, VPos::Center));
    // The row labels end before the widest number of the first column, which is centred on
    // the axis's left edge when the first column is at time 0.
    let first_half_width = match (frame.columns.first(), columns.xs.first()) {
        (Some(&(_, index)), Some(&x)) => {
            let widest = figure
                .arms
                .iter()
                .filter_map(|arm| arm.at_risk.get(index))
                .map(|n| text_width(area, &n.to_string(), &number_style))
                .try_fold(0, |acc, w| w.map(|w| acc.max(w)))?;
            (widest / 2 - (x - columns.plot_left)).max(0)
        }
        _ => 0,
    };
    let label_left = MARGIN as i32 + SWATCH + SWATCH_GAP;
    let label_room = columns.plot_left - base.0 - first_half_width - LABEL_GAP - label_left;
    for (row, arm) in figure.arms.iter().enumerate() {
        let y = (TABLE_HEADER + TABLE_ROW * u32::try_from(row).unwrap_or(0) + TABLE_ROW / 2) as i32;
        let c = colour(arm.colour);
        area.draw(&PathElement::new(
            vec![(MARGIN as i32, y), (MARGIN as i32 + SWATCH, y)],
            ShapeStyle::from(&c).stroke_width(3),
        ))
        .map_err(err)?;
        let label_style = ("sans-serif", TABLE_FONT)
            .into_font()
            .color(&c)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let label = fit(area, &arm.label, &label_style, label_room)?;
        area.draw(&Text::new(label, (label_left, y), label_style))
            .map_err(err)?;
        for (&(_, index), &x) in frame.columns.iter().zip(&columns.xs) {
            if let Some(n) = arm.at_risk.get(index) {
                area.draw(&Text::new(n.to_string(), (x - base.0, y), number_style.clone()))
                    .map_err(err)?;
            }
        }
    }
    Ok(())
}

fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
) -> Result<i32, PlotError> {
    let (w, _) = area.estimate_text_size(text, style).map_err(err)?;
    Ok(i32::try_from(w).unwrap_or(i32::MAX))
}

/// `text`, shortened with an ellipsis to at most `room` pixels wide (empty if not even the
/// ellipsis fits).
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    room: i32,
) -> Result<String, PlotError> {
    if text_width(area, text, style)? <= room {
        return Ok(text.to_string());
    }
    // The longest prefix that fits with the ellipsis, by bisection on its character count.
    let chars: Vec<char> = text.chars().collect();
    let shortened = |n: usize| chars[..n].iter().collect::<String>() + "…";
    let (mut fits, mut too_long) = (0, chars.len());
    if text_width(area, &shortened(0), style)? > room {
        return Ok(String::new());
    }
    while too_long - fits > 1 {
        let middle = fits + (too_long - fits) / 2;
        if text_width(area, &shortened(middle), style)? <= room {
            fits = middle;
        } else {
            too_long = middle;
        }
    }
    Ok(shortened(fits))
}
