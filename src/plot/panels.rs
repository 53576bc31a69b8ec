//! Heights of a figure with extra panels (`--panels`, `[plot] panels`): below the title and
//! the dose rug, the main panel gets one and a half shares and the exposure panel and every
//! extra panel one share each, so that each stays legible; the main panel takes the rounding.

use super::layout::{Heights, Layout};

/// Shares of the main panel, in halves (3 halves = 1.5 shares).
const MAIN_HALVES: u64 = 3;

/// [`Heights`] of the parts of a figure with `layout.panels > 0`, `below_title` pixels below
/// the title of which `rug` go to the dose rug.
pub(super) fn heights_with_panels(below_title: u32, rug: u32, layout: &Layout) -> Heights {
    let room = u64::from(below_title.saturating_sub(rug));
    let others = u64::try_from(layout.panels)
        .unwrap_or(u64::MAX)
        .saturating_add(u64::from(layout.exposure));
    let halves = MAIN_HALVES.saturating_add(others.saturating_mul(2));
    // room ≤ u32::MAX, so the share fits in u32.
    let share = u32::try_from(room.saturating_mul(2) / halves).unwrap_or(0);
    let exposure = if layout.exposure { share } else { 0 };
    let taken = u64::from(share).saturating_mul(others);
    Heights {
        main: u32::try_from(room.saturating_sub(taken)).unwrap_or(0),
        rug,
        exposure,
        panel: share,
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::heights;
    use super::*;

    /// 750 px canvas: 720 below the 30 px title; with 2 rug rows the rug takes 2·18 + 50 = 86,
    /// leaving 634 = 1.5 + 1 + 2 shares of 634·2/9 = 140 (floored), main the remaining 214.
    #[test]
    fn panels_share_the_height_with_the_main_panel() {
        let layout = Layout {
            rug_rows: 2,
            exposure: true,
            panels: 2,
        };
        let h = heights(750, &layout);
        assert_eq!((h.rug, h.exposure, h.panel), (86, 140, 140));
        assert_eq!(h.main, 634 - 3 * 140);
        assert_eq!(h.main + h.rug + h.exposure + 2 * h.panel, 720);
    }

    /// The minimum canvas grows with the panels, and every accepted canvas fits.
    #[test]
    fn more_panels_need_a_taller_canvas() {
        let mut previous = 0;
        for panels in 1..=6 {
            let layout = Layout {
                rug_rows: 7,
                exposure: true,
                panels,
            };
            let (_, min) = layout.minimum_size().unwrap();
            assert!(min > previous, "{panels} panels: {min}");
            assert!(layout.check((1200, min)).is_ok());
            assert!(layout.check((1200, min - 1)).is_err());
            previous = min;
        }
    }
}
