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
