//! Where each part of a figure goes, in pixels, and which canvases are acceptable: not so large
//! that the bitmap overflows or exhausts memory, and not so small that a panel has no room
//! (plotters then works on negative or wrapped-around sizes and can spin for minutes).
//!
//! The drawing code takes its sizes from [`heights`] and [`label_area`], and the minimum canvas
//! is found with the same functions, so the two cannot drift apart.

use super::{Figure, SizeError};

/// Largest accepted width or height, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Largest accepted number of pixels (64 Mpx: 192 MiB of RGB for the bitmap backend).
pub const MAX_PIXELS: u64 = 64 << 20;

/// Height of the title block: plotters makes text 26/1.24 = 20 px tall for a 26 px font and
/// pads it by 5 px above and below.
pub(super) const TITLE_HEIGHT: u32 = 30;
/// Title font size.
pub(super) const TITLE_FONT: u32 = 26;
/// Margin around the main and exposure panels (left and right only for the rug).
pub(super) const MARGIN: u32 = 12;
/// Smallest width of the y-label area of every panel (all panels share it, so the time axes
/// line up); widened for long dose-rug row names, up to half the canvas.
pub(super) const LABEL_AREA: u32 = 130;
/// Pixels per character of a rug row name (13 px font), and the padding beside it.
pub(super) const ROW_NAME_CHAR: u32 = 7;
/// See [`ROW_NAME_CHAR`].
pub(super) const ROW_NAME_PAD: u32 = 16;
/// Smallest plotting-area height of the main and exposure panels.
const MIN_PANEL: u32 = 40;
/// Smallest plotting-area width.
const MIN_PLOT_WIDTH: u32 = 100;
/// Smallest height of one dose-rug row, so that every row's marks stay visible and distinct.
const MIN_ROW: u32 = 2;
/// Height of a dose-rug row when there is room.
const ROW: u32 = 18;
/// Fixed part of the rug height when there is room (axis and padding).
const RUG_FIXED: u32 = 50;

/// What the minimum canvas of a figure depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Number of dose-rug rows (distinct regimen → target pairs with a dose in range).
    pub rug_rows: usize,
    /// Whether there is an exposure panel below the rug.
    pub exposure: bool,
    /// Number of extra panels below the exposure panel (`--panels`).
    pub panels: usize,
}

/// Heights of the parts below the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Heights {
    pub(super) main: u32,
    pub(super) rug: u32,
    pub(super) exposure: u32,
    /// Height of each extra panel (the last one takes what is left, at least this).
    pub(super) panel: u32,
}

/// Heights of the x-axis label areas; only the lowest part carries the time axis title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct XLabelAreas {
    pub(super) main: u32,
    pub(super) rug: u32,
    pub(super) exposure: u32,
    /// Extra panels but the last.
    pub(super) panel: u32,
    /// The last extra panel (it carries the time axis title).
    pub(super) last_panel: u32,
}

impl Layout {
    /// The layout of `figure`.
    pub fn of(figure: &Figure) -> Self {
        Self {
            rug_rows: super::rug_row_count(&figure.doses),
            exposure: figure.exposure.is_some(),
            panels: figure.panels.len(),
        }
    }

    /// The smallest canvas on which every part has room: the main panel and the exposure panel
    /// at least 40 px of plotting height each, every dose-rug row at least 2 px, and the plots
    /// at least 100 px wide beside the 130 px axis labels.
    pub fn minimum_size(&self) -> Result<(u32, u32), SizeError> {
        // The heights are floored fractions of the canvas, so whether a height fits is not quite
        // monotonic: the minimum is one above the largest height that does not fit.
        let last_misfit = (1..=MAX_SIDE).rev().find(|&h| !self.fits(h)).unwrap_or(0);
        if last_misfit == MAX_SIDE {
            return Err(if self.panels > 0 {
                SizeError::TooManyPanels { panels: self.panels }
            } else {
                SizeError::TooManyRows { rows: self.rug_rows }
            });
        }
        Ok((2 * MARGIN + LABEL_AREA + MIN_PLOT_WIDTH, last_misfit + 1))
    }

    /// Checks `(width, height)` against the limits for every figure ([`check_canvas`]) and the
    /// minimum for this layout.
    pub fn check(&self, (width, height): (u32, u32)) -> Result<(), SizeError> {
        check_canvas(width, height)?;
        let (min_width, min_height) = self.minimum_size()?;
        if width < min_width || height < min_height {
            return Err(SizeError::TooSmall {
                width,
                height,
                min_width,
                min_height,
                rug_rows: self.rug_rows,
            });
        }
        Ok(())
    }

    pub(super) fn x_label_areas(&self) -> XLabelAreas {
        let rug = self.rug_rows > 0;
        let below_rug = self.exposure || self.panels > 0;
        XLabelAreas {
            main: if below_rug || rug { 25 } else { 45 },
            rug: if below_rug { 20 } else { 40 },
            exposure: if self.panels > 0 { 25 } else { 45 },
            panel: 25,
            last_panel: 45,
        }
    }

    /// Whether every part has room on a canvas `height` pixels tall.
    fn fits(&self, height: u32) -> bool {
        if height < TITLE_HEIGHT {
            return false;
        }
        let parts = heights(height, self);
        let areas = self.x_label_areas();
        let room = |part: u32, taken: u32| i64::from(part) - i64::from(taken);
        let rows = i64::try_from(self.rug_rows).unwrap_or(i64::MAX);
        room(parts.main, 2 * MARGIN + areas.main) >= i64::from(MIN_PANEL)
            && (!self.exposure || room(parts.exposure, 2 * MARGIN + areas.exposure) >= i64::from(MIN_PANEL))
            && (self.panels == 0 || room(parts.panel, 2 * MARGIN + areas.last_panel) >= i64::from(MIN_PANEL))
            && (rows == 0 || room(parts.rug, areas.rug) >= rows.saturating_mul(i64::from(MIN_ROW)))
    }
}

/// Checks the limits that hold for every figure: at most [`MAX_SIDE`] pixels a side and
/// [`MAX_PIXELS`] in all. Cheap, so callers can check before any other work; the minimum size
/// depends on the figure ([`Layout::check`]).
pub fn check_canvas(width: u32, height: u32) -> Result<(), SizeError> {
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(SizeError::TooLarge { width, height });
    }
    Ok(())
}

/// Heights of the main panel, the rug and the exposure panel on a canvas `height` pixels tall.
pub(super) fn heights(height: u32, layout: &Layout) -> Heights {
    let below_title = height.saturating_sub(TITLE_HEIGHT);
    let rug = if layout.rug_rows == 0 {
        0
    } else {
        let wanted = u64::try_from(layout.rug_rows)
            .unwrap_or(u64::MAX)
            .saturating_mul(u64::from(ROW))
            .saturating_add(u64::from(RUG_FIXED));
        // At most a quarter of the canvas, so the result fits in u32.
        u32::try_from(wanted.min(u64::from(below_title / 4))).unwrap_or(below_title / 4)
    };
    if layout.panels > 0 {
        return super::panels::heights_with_panels(below_title, rug, layout);
    }
    let exposure = if layout.exposure {
        u32::try_from(u64::from(below_title) * 27 / 100).unwrap_or(0)
    } else {
        0
    };
    Heights {
        main: below_title.saturating_sub(rug + exposure),
        rug,
        exposure,
        panel: 0,
    }
}

/// Width of the y-label area for a canvas `width` pixels wide whose longest rug row name has
/// `longest` characters: wide enough for the name, but at most half the canvas (longer names
/// are shortened).
pub(super) fn label_area(width: u32, longest: usize) -> u32 {
    let wanted = u32::try_from(longest)
        .unwrap_or(u32::MAX)
        .saturating_mul(ROW_NAME_CHAR)
        .saturating_add(ROW_NAME_PAD);
    LABEL_AREA.max(wanted).min(LABEL_AREA.max(width / 2))
}

/// How many characters of a rug row name fit in a label area `label_area` pixels wide.
pub(super) fn row_name_capacity(label_area: u32) -> usize {
    usize::try_from(label_area.saturating_sub(ROW_NAME_PAD) / ROW_NAME_CHAR).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(rug_rows: usize, exposure: bool) -> Layout {
        Layout {
            rug_rows,
            exposure,
            panels: 0,
        }
    }

    /// The minimum is exact: it fits, as does every taller canvas, and one pixel less does not.
    #[test]
    fn the_minimum_height_is_the_first_from_which_everything_fits() {
        for rows in [0, 1, 6, 40, 500] {
            for exposure in [false, true] {
                let l = layout(rows, exposure);
                let (_, min) = l.minimum_size().unwrap();
                assert!(!l.fits(min - 1), "{rows} rows, exposure {exposure}: {min}");
                assert!(
                    (min..=MAX_SIDE).all(|h| l.fits(h)),
                    "{rows} rows, exposure {exposure}"
                );
            }
        }
    }

    /// The default canvas (1200×750) takes the shipped models (up to 7 rug rows) and far more:
    /// every figure with up to 60 rug rows.
    #[test]
    fn the_default_canvas_fits_typical_figures() {
        for rows in 0..=60 {
            for exposure in [false, true] {
                assert_eq!(layout(rows, exposure).check((1200, 750)), Ok(()), "{rows} rows");
            }
        }
    }

    #[test]
    fn too_many_rows_fit_no_canvas() {
        assert_eq!(
            layout(100_000, false).minimum_size(),
            Err(SizeError::TooManyRows { rows: 100_000 })
        );
    }

    #[test]
    fn canvas_limits() {
        assert_eq!(check_canvas(MAX_SIDE, 4096), Ok(()));
        assert_eq!(check_canvas(8192, 8192), Ok(()));
        for (w, h) in [
            (MAX_SIDE + 1, 100),
            (100, MAX_SIDE + 1),
            (8193, 8192),
            (u32::MAX, u32::MAX),
        ] {
            assert_eq!(
                check_canvas(w, h),
                Err(SizeError::TooLarge { width: w, height: h })
            );
        }
    }

    /// Names too long for half the canvas are shortened; the plot keeps at least 100 px.
    #[test]
    fn label_area_is_at_most_half_the_canvas() {
        assert_eq!(label_area(1200, 5), LABEL_AREA);
        assert_eq!(label_area(1200, 30), 30 * ROW_NAME_CHAR + ROW_NAME_PAD);
        assert_eq!(label_area(1200, 10_000), 600);
        for width in 254..2000 {
            assert!(width - 2 * MARGIN - label_area(width, usize::MAX) >= MIN_PLOT_WIDTH);
        }
    }
}
