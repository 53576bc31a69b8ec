//! Thinning a polyline to what can be seen: of each run of consecutive points in one pixel
//! column, only the first, the lowest, the highest and the last are kept (in their order), so
//! the line drawn is the same to the pixel while a curve of a million points costs at most four
//! per column (the "M4" aggregation of Jugel et al. 2014, VLDB 7:797–808).

/// `points` with each run of consecutive points in one pixel `column` reduced to its first,
/// lowest, highest and last point.
pub(super) fn decimate(points: &[(f64, f64)], column: impl Fn(f64) -> i32) -> Vec<(f64, f64)> {
    let mut kept = Vec::with_capacity(points.len().min(8192));
    let mut start = 0;
    while start < points.len() {
        let here = column(points[start].0);
        let end = start
            + points[start..]
                .iter()
                .position(|p| column(p.0) != here)
                .unwrap_or(points.len() - start);
        let run = &points[start..end];
        if run.len() <= 4 {
            kept.extend_from_slice(run);
        } else {
            let by_y = |a: &(usize, &(f64, f64)), b: &(usize, &(f64, f64))| a.1.1.total_cmp(&b.1.1);
            let lowest = run.iter().enumerate().min_by(by_y).map_or(0, |p| p.0);
            let highest = run.iter().enumerate().max_by(by_y).map_or(0, |p| p.0);
            let mut chosen = [0, lowest, highest, run.len() - 1];
            chosen.sort_unstable();
            let mut previous = None;
            for index in chosen {
                if previous != Some(index) {
                    kept.push(run[index]);
                }
                previous = Some(index);
            }
        }
        start = end;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_column_keeps_its_first_extremes_and_last_point() {
        let points: Vec<(f64, f64)> = (0..10)
            .map(|i| (f64::from(i) / 10.0, f64::from(i * 7 % 10)))
            .collect();
        // All in column 0: the first is also the lowest (0), the highest is 9 at 0.7, the last 3.
        assert_eq!(
            decimate(&points, |x| x as i32),
            vec![(0.0, 0.0), (0.7, 9.0), (0.9, 3.0)]
        );
        // One point per column: nothing to drop.
        assert_eq!(decimate(&points, |x| (x * 10.0).round() as i32), points);
        assert!(decimate(&[], |x| x as i32).is_empty());
    }

    /// The M4 guarantee (Jugel et al. 2014, §4): per pixel column, the first, last, lowest and
    /// highest values of the thinned curve are exactly those of the full curve, so the drawn
    /// envelope is the same. Checked on a pseudo-random walk with a fixed seed (a 64-bit linear
    /// congruential generator, Knuth's MMIX constants), with runs of 1 to thousands of points
    /// per column.
    #[test]
    fn per_column_first_last_and_extremes_are_kept_exactly() {
        let mut state: u64 = 2014;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut t = 0.0;
        let mut y = 0.0;
        let points: Vec<(f64, f64)> = (0..200_000)
            .map(|_| {
                t += next() * next() * next() * 0.01;
                y += next() - 0.5;
                (t, y)
            })
            .collect();
        let column = |x: f64| (x * 7.0) as i32;
        let kept = decimate(&points, column);
        let summary = |points: &[(f64, f64)]| {
            let mut columns: std::collections::BTreeMap<i32, [f64; 4]> = std::collections::BTreeMap::new();
            for &(x, y) in points {
                columns
                    .entry(column(x))
                    .and_modify(|c| {
                        c[1] = c[1].min(y);
                        c[2] = c[2].max(y);
                        c[3] = y;
                    })
                    .or_insert([y, y, y, y]);
            }
            columns
        };
        let full = summary(&points);
        assert!(full.len() > 1000 && kept.len() < points.len() / 10);
        assert_eq!(summary(&kept), full);
    }

    #[test]
    fn a_million_points_shrink_to_four_per_column() {
        let points: Vec<(f64, f64)> = (0..1_000_000)
            .map(|i| (f64::from(i), f64::from(i).sin()))
            .collect();
        let kept = decimate(&points, |x| (x / 1000.0) as i32);
        assert!(kept.len() <= 4 * 1000, "{}", kept.len());
        assert_eq!(kept.first(), points.first());
        assert_eq!(kept.last(), points.last());
    }
}
