//! The legend of a curve panel: entries in one or more columns in a box at a given place, and
//! the size of that box, measured with the bundled font before anything is drawn (so the
//! placement can be decided first, [`super::placement`]).

use plotters::coord::Shift;
use plotters::prelude::{BLACK, DrawingArea, DrawingBackend, IntoFont, Rectangle, Text, WHITE};
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::PlotError;
use super::draw::err;
use super::layout::MARGIN;
use super::legend::{Entry, draw_swatch};
use super::placement::Rect;

/// Font size of entries.
pub(super) const FONT: u32 = 15;
/// Height of one entry.
const ROW: i32 = 20;
/// Padding inside the box.
pub(super) const PAD: i32 = 8;
/// Width of the swatch and the gap after it.
const SWATCH: i32 = 26 + 6;
/// Gap between columns.
const COLUMN_GAP: i32 = 18;

/// Width of `text` in `size`-pixel type of the bundled font, and its height.
pub(super) fn text_size(text: &str, size: u32) -> (i32, i32) {
    let font = ("sans-serif", size).into_font();
    let (w, h) = font.box_size(text).unwrap_or((0, size));
    (
        i32::try_from(w).unwrap_or(i32::MAX / 4),
        i32::try_from(h).unwrap_or(i32::MAX / 4).max(size as i32 * 4 / 5),
    )
}

/// Width of one column: the widest entry with its swatch.
fn column_width(entries: &[Entry]) -> i32 {
    entries
        .iter()
        .map(|e| text_size(&e.label, FONT).0)
        .max()
        .unwrap_or(0)
        .saturating_add(SWATCH)
}

fn rows(entries: &[Entry], columns: usize) -> i32 {
    i32::try_from(entries.len().div_ceil(columns.max(1))).unwrap_or(i32::MAX / ROW)
}

/// Size of the box of `entries` in `columns` columns.
pub(super) fn size(entries: &[Entry], columns: usize) -> (i32, i32) {
    let columns_i = i32::try_from(columns.max(1)).unwrap_or(1);
    (
        2 * PAD + columns_i * column_width(entries) + (columns_i - 1) * COLUMN_GAP,
        rows(entries, columns).saturating_mul(ROW).saturating_add(PAD),
    )
}

/// The most columns (at most one per entry) whose box fits in `width` pixels (at least one).
pub(super) fn columns_within(entries: &[Entry], width: i32) -> usize {
    (1..=entries.len().max(1))
        .rev()
        .find(|&c| size(entries, c).0 <= width)
        .unwrap_or(1)
}

/// Gap between a legend strip's box and the plotting area below it.
const STRIP_GAP: i32 = 8;
/// Smallest plotting height left beside a legend strip (as the layout's minimum panel).
const MIN_PLOT_HEIGHT: i32 = 40;

/// A strip of its own for the legend of `entries`, above the plotting area of a panel of
/// `size` pixels of which `below` (margins, x-axis labels) are not the plot's: the columns of
/// the box across the panel's width less the margins, and the strip's height; `None` when the
/// plot would keep less than 40 pixels of height.
pub(super) fn strip(entries: &[Entry], size: (u32, u32), below: u32) -> Option<(usize, i32)> {
    let width = i32::try_from(size.0).unwrap_or(0) - 2 * MARGIN as i32;
    let columns = columns_within(entries, width);
    let strip = self::size(entries, columns).1 + STRIP_GAP;
    let plot_height = i32::try_from(size.1).unwrap_or(0) - strip - i32::try_from(below).unwrap_or(i32::MAX);
    (plot_height >= MIN_PLOT_HEIGHT).then_some((columns, strip))
}

/// Where the box of a strip `strip` (its top-left pixel) goes: in from the margin, half the
/// gap down.
pub(super) fn strip_box(entries: &[Entry], columns: usize, strip: (i32, i32)) -> Rect {
    Rect::at(
        (strip.0 + MARGIN as i32, strip.1 + STRIP_GAP / 2),
        size(entries, columns),
    )
}

/// Draws the box of `entries` in `columns` columns filling `rect` (backend pixels) on `area`,
/// whose top-left pixel is `base`.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    (rect, columns): (Rect, usize),
    base: (i32, i32),
) -> Result<(), PlotError> {
    let local = |(x, y): (i32, i32)| (x - base.0, y - base.1);
    let corners = [local((rect.x0, rect.y0)), local((rect.x1, rect.y1))];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.85).filled()))
        .map_err(err)?;
    area.draw(&Rectangle::new(corners, BLACK.mix(0.4))).map_err(err)?;
    let font = ("sans-serif", FONT)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let per_column = usize::try_from(rows(entries, columns)).unwrap_or(1).max(1);
    let width = column_width(entries) + COLUMN_GAP;
    for (index, entry) in entries.iter().enumerate() {
        let (column, row) = (index / per_column, index % per_column);
        let x = corners[0].0 + PAD + width * i32::try_from(column).unwrap_or(0);
        let y = corners[0].1 + PAD / 2 + ROW / 2 + ROW * i32::try_from(row).unwrap_or(0);
        draw_swatch(area, entry.swatch, (x, y))?;
        area.draw(&Text::new(entry.label.clone(), (x + SWATCH, y), font.clone()))
            .map_err(err)?;
    }
    Ok(())
}
