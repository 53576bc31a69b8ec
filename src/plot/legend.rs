//! A legend's entries (a swatch and a label) and how a swatch is drawn; the box of entries is
//! laid out and drawn by [`super::key`], placed by [`super::placement`].

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle};
use plotters::style::{Color, ShapeStyle};

use super::PlotError;
use super::draw::err;

/// Width of the swatch drawn before each label.
const SWATCH: i32 = 26;

/// What is drawn before a legend label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Swatch {
    /// A solid line of the colour.
    Line(RGBColor),
    /// A dashed line of the colour.
    Dashed(RGBColor),
    /// A translucent band of the colour with this opacity.
    Band(RGBColor, f64),
    /// A short vertical tick on a line (a censoring mark).
    Tick(RGBColor),
    /// Nothing: a note.
    Blank,
}

/// One legend line.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub(super) label: String,
    pub(super) swatch: Swatch,
}

/// Draws `swatch` with its left end at `(x, y)` (its vertical centre).
pub(super) fn draw_swatch<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> Result<(), PlotError> {
    let line = |colour: RGBColor, from: i32, to: i32| {
        PathElement::new(
            vec![(from, y), (to, y)],
            ShapeStyle::from(&colour).stroke_width(3),
        )
    };
    match swatch {
        Swatch::Line(c) => plot.draw(&line(c, x, x + SWATCH)).map_err(err),
        Swatch::Dashed(c) => {
            plot.draw(&line(c, x, x + 9)).map_err(err)?;
            plot.draw(&line(c, x + 17, x + SWATCH)).map_err(err)
        }
        Swatch::Band(c, opacity) => plot
            .draw(&Rectangle::new(
                [(x, y - 6), (x + SWATCH, y + 6)],
                c.mix(opacity).filled(),
            ))
            .map_err(err),
        Swatch::Tick(c) => {
            plot.draw(&PathElement::new(
                vec![(x, y), (x + SWATCH, y)],
                ShapeStyle::from(&c).stroke_width(2),
            ))
            .map_err(err)?;
            plot.draw(&PathElement::new(
                vec![(x + SWATCH / 2, y - 6), (x + SWATCH / 2, y + 6)],
                ShapeStyle::from(&c).stroke_width(2),
            ))
            .map_err(err)
        }
        Swatch::Blank => Ok(()),
    }
}
