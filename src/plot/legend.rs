//! A legend box placed where it hides the least of the data: the drawing code records what it
//! drew as weighted sample points ([`Obstacles`], in pixels of the plotting area), and the box
//! goes to the free spot nearest a corner that covers none of it; when there is none, to the
//! candidate position whose area covers the least weight (the first such in the caller's order
//! of preference). A box that would take more than 60 % of the plotting area's
//! width or height is not drawn.

use plotters::coord::Shift;
use plotters::prelude::{
    BLACK, DrawingArea, DrawingBackend, IntoFont, PathElement, RGBColor, Rectangle, Text, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, ShapeStyle};

use super::PlotError;
use super::draw::err;
use super::placement::{self, Painter, Rect};

/// Font size of legend entries.
const FONT: u32 = 15;
/// Height of one entry.
const ROW: i32 = 20;
/// Padding inside the box, and between the box and the plotting area's edge.
const PAD: i32 = 8;
/// Width of the swatch drawn before each label.
const SWATCH: i32 = 26;
/// Largest share of the plotting area's width or height a legend box may take, in percent.
const MAX_SHARE: i32 = 60;
/// Spacing of the sample points laid along paths and across areas, in pixels.
const SAMPLE: i32 = 4;

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

/// Where a legend box may go in the plotting area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Corner {
    UpperRight,
    UpperLeft,
    LowerRight,
    LowerLeft,
    MiddleRight,
    UpperMiddle,
    LowerMiddle,
}

/// Weighted sample points of what is drawn, in pixels of the plotting area.
#[derive(Debug, Default)]
pub(super) struct Obstacles {
    points: Vec<(i32, i32, f32)>,
}

impl Obstacles {
    /// Samples along a polyline, every few pixels.
    pub(super) fn add_path(&mut self, pixels: &[(i32, i32)], weight: f32) {
        if let [only] = pixels {
            self.points.push((only.0, only.1, weight));
        }
        for pair in pixels.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let length = (x1 - x0).abs().max((y1 - y0).abs());
            let steps = (length / SAMPLE).max(1);
            for k in 0..=steps {
                let x = x0 + (x1 - x0) * k / steps;
                let y = y0 + (y1 - y0) * k / steps;
                self.points.push((x, y, weight));
            }
        }
    }

    /// Samples across the vertical span from `y0` to `y1` at column `x`.
    pub(super) fn add_span(&mut self, x: i32, (y0, y1): (i32, i32), weight: f32) {
        let (low, high) = (y0.min(y1), y0.max(y1));
        let steps = ((high - low) / SAMPLE).max(1);
        for k in 0..=steps {
            self.points.push((x, low + (high - low) * k / steps, weight));
        }
    }

    /// Samples across the area between two edges given as pixel polylines in increasing x
    /// (each edge interpolated linearly between its points), where both are defined.
    pub(super) fn add_area(&mut self, upper: &[(i32, i32)], lower: &[(i32, i32)], weight: f32) {
        let (Some(first), Some(last)) = (upper.first().zip(lower.first()), upper.last().zip(lower.last()))
        else {
            return;
        };
        let (from, to) = (first.0.0.max(first.1.0), last.0.0.min(last.1.0));
        let mut x = from;
        while x <= to {
            if let (Some(a), Some(b)) = (edge_at(upper, x), edge_at(lower, x)) {
                self.add_span(x, (a, b), weight);
            }
            x += SAMPLE;
        }
    }

    /// Samples across a box (a text label).
    pub(super) fn add_box(&mut self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), weight: f32) {
        let (left, right) = (x0.min(x1), x0.max(x1));
        let columns = ((right - left) / SAMPLE).max(1);
        for k in 0..=columns {
            self.add_span(left + (right - left) * k / columns, (y0, y1), weight);
        }
    }

    /// Total weight of the points inside the box from `(x0, y0)` to `(x1, y1)`.
    fn weight_in(&self, (x0, y0): (i32, i32), (x1, y1): (i32, i32)) -> f32 {
        self.points
            .iter()
            .filter(|(x, y, _)| (x0..=x1).contains(x) && (y0..=y1).contains(y))
            .map(|p| p.2)
            .sum()
    }
}

/// y of the pixel polyline `edge` (increasing x) at column `x`, if `x` is within it.
fn edge_at(edge: &[(i32, i32)], x: i32) -> Option<i32> {
    let after = edge.partition_point(|p| p.0 < x);
    let next = *edge.get(after)?;
    if next.0 == x {
        return Some(next.1);
    }
    let previous = *edge.get(after.checked_sub(1)?)?;
    let span = i64::from(next.0) - i64::from(previous.0);
    let along = i64::from(x) - i64::from(previous.0);
    let y = i64::from(previous.1) + (i64::from(next.1) - i64::from(previous.1)) * along / span;
    i32::try_from(y).ok()
}

/// Draws `entries` in a box on `plot` (the plotting area, in its own pixels) at the first of
/// `preferences` that covers the least weight of `obstacles`.
pub(super) fn draw_legend<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    obstacles: &Obstacles,
    preferences: &[Corner],
) -> Result<(), PlotError> {
    if entries.is_empty() {
        return Ok(());
    }
    let font = ("sans-serif", FONT).into_font().into();
    let mut text_width = 0;
    for entry in entries {
        let (w, _) = plot.estimate_text_size(&entry.label, &font).map_err(err)?;
        text_width = text_width.max(i32::try_from(w).unwrap_or(i32::MAX / 2));
    }
    let rows = i32::try_from(entries.len()).unwrap_or(i32::MAX / ROW);
    let size = (
        PAD + SWATCH + 6 + text_width + PAD,
        rows.saturating_mul(ROW).saturating_add(PAD),
    );
    let (width, height) = plot.dim_in_pixel();
    let area = (
        i32::try_from(width).unwrap_or(i32::MAX),
        i32::try_from(height).unwrap_or(i32::MAX),
    );
    // A box taking most of the plotting area would hide more than it explains.
    if size.0 > area.0 * MAX_SHARE / 100 || size.1 > area.1 * MAX_SHARE / 100 {
        return Ok(());
    }
    // A spot that covers nothing drawn, nearest a corner, if there is one.
    if let Some(spot) = free_spot(obstacles, size, area) {
        return draw_box(plot, entries, (spot.x0, spot.y0), size);
    }
    let best = preferences
        .iter()
        .map(|&corner| {
            let origin = place(corner, size, area);
            let covered = obstacles.weight_in(
                (origin.0 - 2, origin.1 - 2),
                (origin.0 + size.0 + 2, origin.1 + size.1 + 2),
            );
            (origin, covered)
        })
        .fold(None, |best: Option<((i32, i32), f32)>, candidate| match best {
            Some(b) if b.1 <= candidate.1 => Some(b),
            _ => Some(candidate),
        });
    let Some((origin, _)) = best else {
        return Ok(());
    };
    draw_box(plot, entries, origin, size)
}

/// The spot of a box of `size` in an area of `area` pixels nearest a corner that covers none of
/// `obstacles` (each sample point standing for the pixels within two of it, since samples are
/// at most [`SAMPLE`] pixels apart).
fn free_spot(obstacles: &Obstacles, size: (i32, i32), area: (i32, i32)) -> Option<Rect> {
    let bounds = Rect::at((0, 0), (area.0 - 1, area.1 - 1));
    let mut painter = Painter::new(bounds);
    for &(x, y, _) in &obstacles.points {
        painter.marker((x, y), SAMPLE / 2, 1);
    }
    placement::free_spot(size, bounds, PAD, &painter.finish(), &[])
}

/// Top-left corner of a box of `size` at `corner` of an area of `area` pixels.
fn place(corner: Corner, size: (i32, i32), area: (i32, i32)) -> (i32, i32) {
    let left = PAD;
    let right = area.0 - PAD - size.0;
    let centre_x = (area.0 - size.0) / 2;
    let top = PAD;
    let bottom = area.1 - PAD - size.1;
    let middle_y = (area.1 - size.1) / 2;
    match corner {
        Corner::UpperRight => (right, top),
        Corner::UpperLeft => (left, top),
        Corner::LowerRight => (right, bottom),
        Corner::LowerLeft => (left, bottom),
        Corner::MiddleRight => (right, middle_y),
        Corner::UpperMiddle => (centre_x, top),
        Corner::LowerMiddle => (centre_x, bottom),
    }
}

fn draw_box<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    (x, y): (i32, i32),
    (width, height): (i32, i32),
) -> Result<(), PlotError> {
    let corners = [(x, y), (x + width, y + height)];
    plot.draw(&Rectangle::new(corners, WHITE.mix(0.85).filled()))
        .map_err(err)?;
    plot.draw(&Rectangle::new(corners, BLACK.mix(0.4))).map_err(err)?;
    let font = ("sans-serif", FONT)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (row, entry) in entries.iter().enumerate() {
        let centre = y + PAD / 2 + ROW / 2 + ROW * i32::try_from(row).unwrap_or(0);
        let from = x + PAD;
        draw_swatch(plot, entry.swatch, (from, centre))?;
        plot.draw(&Text::new(
            entry.label.clone(),
            (from + SWATCH + 6, centre),
            font.clone(),
        ))
        .map_err(err)?;
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_counts_only_points_inside() {
        let mut obstacles = Obstacles::default();
        obstacles.add_path(&[(0, 0), (100, 0)], 1.0);
        obstacles.add_span(50, (10, 30), 0.5);
        assert!(obstacles.weight_in((0, -1), (100, 1)) >= 25.0);
        assert_eq!(obstacles.weight_in((60, 5), (100, 40)), 0.0);
        assert!(obstacles.weight_in((40, 5), (60, 40)) > 0.0);
        let mut area = Obstacles::default();
        area.add_area(&[(0, 100), (100, 100)], &[(0, 200), (40, 200), (100, 300)], 1.0);
        assert!(area.weight_in((0, 100), (100, 200)) > 0.0);
        assert_eq!(
            area.weight_in((0, 0), (100, 99)),
            0.0,
            "nothing above the upper edge"
        );
        assert_eq!(
            area.weight_in((0, 201), (40, 400)),
            0.0,
            "nothing below the lower edge"
        );
        assert!(
            area.weight_in((90, 250), (100, 300)) > 0.0,
            "the lower edge falls to 300"
        );
    }

    #[test]
    fn corners_are_inside_the_area() {
        for corner in [
            Corner::UpperRight,
            Corner::UpperLeft,
            Corner::LowerRight,
            Corner::LowerLeft,
            Corner::MiddleRight,
            Corner::UpperMiddle,
            Corner::LowerMiddle,
        ] {
            let (x, y) = place(corner, (100, 50), (400, 300));
            assert!(x >= PAD && x + 100 <= 400 - PAD && y >= PAD && y + 50 <= 300 - PAD);
        }
    }
}
