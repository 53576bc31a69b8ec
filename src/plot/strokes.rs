//! Polylines cut into pieces that plotters' bitmap backend strokes correctly.
//!
//! A stroke wider than one pixel is drawn by the bitmap backend as one polygon around the whole
//! path, filled by a sweep along the polygon's longer side that pairs up edge crossings
//! (plotters-backend 0.3.7, `rasterizer::polygonize` and `fill_polygon`). For a curve wider
//! than tall the sweep runs along x, and a near-vertical segment (a bolus or infusion peak)
//! folds the polygon back over itself within a pixel column or two: its crossings pair up
//! wrongly and the rise is not filled, so the peak floats as a dash above the baseline. The SVG
//! backend writes the path as it is and is not affected. So for bitmaps the path is cut into
//! runs of shallow segments (rising or falling by at most one pixel per pixel to the right,
//! whose outline is crossed exactly twice by every column) and steep segments drawn one by
//! one (a quadrilateral, swept along its longer side, y).

/// `pixels` cut into pieces that are each stroked correctly by the bitmap backend: maximal runs
/// of shallow segments, and each other segment alone. Pieces share their end points, so the
/// line stays connected.
pub(super) fn bitmap_pieces(pixels: &[(i32, i32)]) -> Vec<Vec<(i32, i32)>> {
    let mut pieces: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut run: Vec<(i32, i32)> = Vec::new();
    for pair in pixels.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a == b {
            continue;
        }
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        if dx > 0 && dy.abs() <= dx {
            if run.last() != Some(&a) {
                if run.len() > 1 {
                    pieces.push(std::mem::take(&mut run));
                }
                run = vec![a];
            }
            run.push(b);
        } else {
            if run.len() > 1 {
                pieces.push(std::mem::take(&mut run));
            }
            run.clear();
            pieces.push(vec![a, b]);
        }
    }
    if run.len() > 1 {
        pieces.push(run);
    }
    if pieces.is_empty() && !pixels.is_empty() {
        pieces.push(vec![pixels[0]]);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steep_segments_stand_alone_and_shallow_runs_stay_whole() {
        // Baseline, a bolus jump straight up, a steep fall, then a slow decay.
        let path = [
            (0, 100),
            (10, 100),
            (10, 10),
            (12, 40),
            (20, 45),
            (30, 48),
            (30, 48),
        ];
        assert_eq!(
            bitmap_pieces(&path),
            vec![
                vec![(0, 100), (10, 100)],
                vec![(10, 100), (10, 10)],
                vec![(10, 10), (12, 40)],
                vec![(12, 40), (20, 45), (30, 48)],
            ]
        );
        assert_eq!(bitmap_pieces(&[(3, 4)]), vec![vec![(3, 4)]]);
        assert!(bitmap_pieces(&[]).is_empty());
    }
}
