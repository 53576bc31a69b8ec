//! Where each part of a population figure goes, in pixels, and the smallest canvas on which
//! every part has room. Top to bottom: the title, the survival panel (with its time axis), the
//! number-at-risk table (a header and one row per arm), and the relapse-curve panel. The
//! drawing code takes its heights from [`PopulationLayout::heights`], the minimum canvas is
//! found with the same function, so the two cannot drift apart.

use crate::plot::layout::{MARGIN, TITLE_HEIGHT, check_canvas};
use crate::plot::{MAX_SIDE, SizeError};

use super::PopulationFigure;

/// Height of the x-axis label area of both panels: tick labels and the axis title.
pub(super) const X_LABEL_AREA: u32 = 45;
/// Height of the number-at-risk table's header line.
pub(super) const TABLE_HEADER: u32 = 24;
/// Height of one row of the number-at-risk table (13 px text).
pub(super) const TABLE_ROW: u32 = 18;
/// Padding below the last row of the table.
const TABLE_PAD: u32 = 8;
/// Share of the height left by the title and the table that goes to the survival panel (in
/// percent); the relapse-curve panel gets the rest.
const SURVIVAL_SHARE: u64 = 55;
/// Smallest plotting-area height of each panel.
const MIN_PANEL: u32 = 40;
/// Smallest plotting-area width.
const MIN_PLOT_WIDTH: u32 = 100;
/// Largest margin right of the panels: room for half a label of about 11 digits at the end of
/// the time axis.
pub(super) const MAX_MARGIN_RIGHT: u32 = 48;
/// Smallest canvas width: the plotting area keeps [`MIN_PLOT_WIDTH`] beside the widest
/// y-label area (half the canvas, for long arm labels) and both margins.
const MIN_WIDTH: u32 = 2 * (MARGIN + MIN_PLOT_WIDTH + MAX_MARGIN_RIGHT);

/// What the minimum canvas of a population figure depends on: the number of arms, one row each
/// in the number-at-risk table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PopulationLayout {
    /// Arms (regimens) of the figure.
    pub arms: usize,
}

/// Heights of the parts below the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Heights {
    pub(super) survival: u32,
    pub(super) table: u32,
    pub(super) relapse: u32,
}

impl PopulationLayout {
    /// The layout of `figure`.
    pub fn of(figure: &PopulationFigure) -> Self {
        Self {
            arms: figure.arms.len(),
        }
    }

    /// The smallest canvas on which both panels have at least 40 px of plotting height and
    /// 100 px of plotting width beside the axis labels, and the table a row per arm;
    /// an error if no canvas up to [`MAX_SIDE`] pixels tall has room for the table.
    pub fn minimum_size(&self) -> Result<(u32, u32), SizeError> {
        // Every height is a non-decreasing function of the canvas height, so whether the parts
        // fit is monotonic and a binary search finds the first height that fits.
        if !self.fits(MAX_SIDE) {
            return Err(SizeError::TooManyArms { arms: self.arms });
        }
        let (mut misfit, mut fit) = (0, MAX_SIDE);
        while fit - misfit > 1 {
            let middle = misfit + (fit - misfit) / 2;
            if self.fits(middle) {
                fit = middle;
            } else {
                misfit = middle;
            }
        }
        Ok((MIN_WIDTH, fit))
    }

    /// Checks `(width, height)` against the limits for every figure ([`check_canvas`]) and the
    /// minimum for this many arms. Cheap: callers can check before running the population.
    pub fn check(&self, (width, height): (u32, u32)) -> Result<(), SizeError> {
        check_canvas(width, height)?;
        let (min_width, min_height) = self.minimum_size()?;
        if width < min_width || height < min_height {
            return Err(SizeError::PopulationTooSmall {
                width,
                height,
                min_width,
                min_height,
                arms: self.arms,
            });
        }
        Ok(())
    }

    /// Heights of the survival panel, the table and the relapse-curve panel on a canvas
    /// `height` pixels tall (each 0 when there is no room).
    pub(super) fn heights(&self, height: u32) -> Heights {
        let below_title = u64::from(height.saturating_sub(TITLE_HEIGHT));
        let table = self.table_height().min(below_title);
        let panels = below_title - table;
        let survival = panels * SURVIVAL_SHARE / 100;
        // Each part is at most `height`, so the conversions cannot fail.
        let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        Heights {
            survival: to_u32(survival),
            table: to_u32(table),
            relapse: to_u32(panels - survival),
        }
    }

    fn table_height(&self) -> u64 {
        u64::try_from(self.arms)
            .unwrap_or(u64::MAX)
            .saturating_mul(u64::from(TABLE_ROW))
            .saturating_add(u64::from(TABLE_HEADER + TABLE_PAD))
    }

    /// Whether every part has room on a canvas `height` pixels tall.
    fn fits(&self, height: u32) -> bool {
        let parts = self.heights(height);
        u64::from(parts.table) == self.table_height()
            && parts.survival >= MARGIN + X_LABEL_AREA + MIN_PANEL
            && parts.relapse >= 2 * MARGIN + X_LABEL_AREA + MIN_PANEL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimum_height_is_the_first_from_which_everything_fits() {
        for arms in [0, 1, 2, 6, 40, 800] {
            let layout = PopulationLayout { arms };
            let (_, min) = layout.minimum_size().unwrap();
            assert!(!layout.fits(min - 1), "{arms} arms: {min}");
            assert!((min..=MAX_SIDE).all(|h| layout.fits(h)), "{arms} arms");
        }
    }

    #[test]
    fn the_parts_add_up_to_the_canvas() {
        for height in [0, 10, 300, 750, 900, MAX_SIDE] {
            let parts = PopulationLayout { arms: 6 }.heights(height);
            let total = parts.survival + parts.table + parts.relapse;
            assert_eq!(total, height.saturating_sub(TITLE_HEIGHT), "{height}");
        }
    }

    #[test]
    fn typical_canvases_take_typical_figures() {
        for arms in 0..=12 {
            assert_eq!(PopulationLayout { arms }.check((1200, 750)), Ok(()), "{arms}");
            assert_eq!(PopulationLayout { arms }.check((800, 600)), Ok(()), "{arms}");
        }
    }

    /// However long the arm labels, the plotting area keeps its minimum width.
    #[test]
    fn the_plot_keeps_its_width_beside_long_labels() {
        for width in MIN_WIDTH..3000 {
            let label_area = crate::plot::layout::label_area(width, usize::MAX);
            assert!(
                width - MARGIN - MAX_MARGIN_RIGHT - label_area >= MIN_PLOT_WIDTH,
                "{width}"
            );
        }
    }

    #[test]
    fn too_many_arms_fit_no_canvas() {
        let arms = usize::MAX;
        assert_eq!(
            PopulationLayout { arms }.minimum_size(),
            Err(SizeError::TooManyArms { arms })
        );
        assert!(matches!(
            PopulationLayout { arms: 1000 }.check((1200, 16_000)),
            Err(SizeError::TooManyArms { arms: 1000 })
        ));
    }
}
