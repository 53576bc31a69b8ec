//! Where the text of a panel goes, in pixels, so that no two texts overlap and the legend
//! covers no data: level labels and marker labels are placed greedily (each at the free
//! candidate position nearest its anchor that crosses the fewest drawn pixels, with a leader
//! line when it had to move away), then the legend goes to a spot that covers nothing drawn,
//! corners first. What is drawn is counted in an [`Occupancy`] grid (a summed-area table), so
//! each candidate costs four lookups.

/// An axis-aligned box in backend pixels; `x0 ≤ x1`, `y0 ≤ y1`, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge.
    pub x1: i32,
    /// Bottom edge.
    pub y1: i32,
}

impl Rect {
    /// The box of `size` whose top-left corner is `origin`.
    pub fn at((x, y): (i32, i32), (width, height): (i32, i32)) -> Self {
        Self {
            x0: x,
            y0: y,
            x1: x + width,
            y1: y + height,
        }
    }

    /// Whether the two boxes share a pixel.
    pub fn intersects(&self, other: &Rect) -> bool {
        self.x0 <= other.x1 && other.x0 <= self.x1 && self.y0 <= other.y1 && other.y0 <= self.y1
    }

    /// Whether `other` lies wholly inside.
    pub fn contains(&self, other: &Rect) -> bool {
        self.x0 <= other.x0 && other.x1 <= self.x1 && self.y0 <= other.y0 && other.y1 <= self.y1
    }

    /// The box grown by `by` pixels on every side.
    pub fn grown(&self, by: i32) -> Self {
        Self {
            x0: self.x0 - by,
            y0: self.y0 - by,
            x1: self.x1 + by,
            y1: self.y1 + by,
        }
    }

    /// Width and height.
    pub fn size(&self) -> (i32, i32) {
        (self.x1 - self.x0, self.y1 - self.y0)
    }

    /// The point of the box nearest to `p` (for a leader line).
    pub(super) fn nearest(&self, (x, y): (i32, i32)) -> (i32, i32) {
        (x.clamp(self.x0, self.x1), y.clamp(self.y0, self.y1))
    }
}

/// Weights of drawn pixels inside a plotting area, as a summed-area table.
#[derive(Debug, Clone)]
pub(super) struct Occupancy {
    area: Rect,
    width: usize,
    /// `sums[(y + 1) * (width + 1) + (x + 1)]`: total weight of pixels left of and above (x, y).
    sums: Vec<u32>,
}

/// Builds an [`Occupancy`]: strokes and dots are added, then [`Painter::finish`] sums them.
#[derive(Debug)]
pub(super) struct Painter {
    area: Rect,
    width: usize,
    cells: Vec<u32>,
}

impl Painter {
    /// An empty grid over `area`.
    pub(super) fn new(area: Rect) -> Self {
        let (w, h) = area.size();
        let (width, height) = (w.max(0) as usize + 1, h.max(0) as usize + 1);
        Self {
            area,
            width,
            cells: vec![0; width * height],
        }
    }

    fn dot(&mut self, (x, y): (i32, i32), radius: i32, weight: u32) {
        for py in y - radius..=y + radius {
            for px in x - radius..=x + radius {
                if (self.area.x0..=self.area.x1).contains(&px) && (self.area.y0..=self.area.y1).contains(&py)
                {
                    let index = (py - self.area.y0) as usize * self.width + (px - self.area.x0) as usize;
                    self.cells[index] = self.cells[index].saturating_add(weight);
                }
            }
        }
    }

    /// Marks every pixel within `radius` of the polyline `pixels`.
    pub(super) fn stroke(&mut self, pixels: &[(i32, i32)], radius: i32, weight: u32) {
        if let [only] = pixels {
            self.dot(*only, radius, weight);
        }
        for pair in pixels.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            // Points far outside would make this loop long; they are clipped to the area first.
            let (a, b) = (self.clamp(a), self.clamp(b));
            let steps = (b.0 - a.0).abs().max((b.1 - a.1).abs()).max(1);
            for k in 0..=steps {
                let x = a.0 + (b.0 - a.0) * k / steps;
                let y = a.1 + (b.1 - a.1) * k / steps;
                self.dot((x, y), radius, weight);
            }
        }
    }

    /// Marks a filled disc-like square of `radius` around `at` (a marker).
    pub(super) fn marker(&mut self, at: (i32, i32), radius: i32, weight: u32) {
        self.dot(at, radius, weight);
    }

    /// Marks every pixel of the shaded area between the pixel polylines `upper` and `lower`
    /// (each in non-decreasing x), and within `radius` of either edge: in each pixel column
    /// where both edges are defined, from the least to the greatest y of either edge there
    /// (its points in the column and its value where it crosses the column).
    pub(super) fn area(&mut self, (upper, lower): (Edge<'_>, Edge<'_>), radius: i32, weight: u32) {
        self.stroke(upper, radius, weight);
        self.stroke(lower, radius, weight);
        let (Some(first), Some(last)) = (upper.first().zip(lower.first()), upper.last().zip(lower.last()))
        else {
            return;
        };
        let from = first.0.0.max(first.1.0).max(self.area.x0);
        let to = last.0.0.min(last.1.0).min(self.area.x1);
        for x in from..=to {
            let (Some(a), Some(b)) = (column_span(upper, x), column_span(lower, x)) else {
                continue;
            };
            let (top, bottom) = (a.0.min(b.0), a.1.max(b.1));
            let (top, bottom) = (top.max(self.area.y0 - 1), bottom.min(self.area.y1 + 1));
            for y in top..=bottom {
                self.dot((x, y), 0, weight);
            }
        }
    }

    fn clamp(&self, (x, y): (i32, i32)) -> (i32, i32) {
        let a = &self.area;
        (x.clamp(a.x0 - 4, a.x1 + 4), y.clamp(a.y0 - 4, a.y1 + 4))
    }

    /// The summed-area table.
    pub(super) fn finish(self) -> Occupancy {
        let w = self.width;
        let h = self.cells.len() / w.max(1);
        let mut sums = vec![0u32; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0u32;
            for x in 0..w {
                row = row.saturating_add(self.cells[y * w + x]);
                sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1].saturating_add(row);
            }
        }
        Occupancy {
            area: self.area,
            width: w,
            sums,
        }
    }
}

/// A pixel polyline in non-decreasing x: an edge of a shaded area.
pub(super) type Edge<'a> = &'a [(i32, i32)];

/// The least and greatest y of the pixel polyline `edge` (non-decreasing x) in column `x`:
/// its points there and where its segments cross the column; `None` outside its x range.
fn column_span(edge: &[(i32, i32)], x: i32) -> Option<(i32, i32)> {
    let start = edge.partition_point(|p| p.0 < x);
    let end = edge.partition_point(|p| p.0 <= x);
    if start < end {
        let ys = edge[start..end].iter().map(|p| p.1);
        return Some((ys.clone().min()?, ys.max()?));
    }
    let (before, after) = (edge[start.checked_sub(1)?], *edge.get(end)?);
    let span = i64::from(after.0) - i64::from(before.0);
    let along = i64::from(x) - i64::from(before.0);
    let y = i64::from(before.1) + (i64::from(after.1) - i64::from(before.1)) * along / span.max(1);
    let y = i32::try_from(y).ok()?;
    Some((y, y))
}

impl Occupancy {
    /// Total weight of the marked pixels inside `rect` (the part inside the area).
    pub(super) fn weight(&self, rect: &Rect) -> u32 {
        let a = &self.area;
        let (x0, x1) = (rect.x0.max(a.x0), rect.x1.min(a.x1));
        let (y0, y1) = (rect.y0.max(a.y0), rect.y1.min(a.y1));
        if x0 > x1 || y0 > y1 {
            return 0;
        }
        let at = |x: i32, y: i32| {
            let (x, y) = ((x - a.x0) as usize, (y - a.y0) as usize);
            i64::from(self.sums[y * (self.width + 1) + x])
        };
        let total = at(x1 + 1, y1 + 1) - at(x0, y1 + 1) - at(x1 + 1, y0) + at(x0, y0);
        u32::try_from(total.max(0)).unwrap_or(u32::MAX)
    }
}

/// Gap between a marker and its label, and between texts.
const GAP: i32 = 6;
/// Distances (beyond the first ring) a label may move from its marker, with a leader line.
const RINGS: [i32; 9] = [0, 14, 28, 46, 70, 100, 140, 190, 250];

/// A label placed by [`place_label`]: its box and whether it needs a leader line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Placed {
    pub(super) rect: Rect,
    pub(super) leader: bool,
}

/// What a label must avoid.
pub(super) struct Avoid<'a> {
    /// The plotting area; labels stay inside it.
    pub(super) area: Rect,
    /// Texts already placed (hard).
    pub(super) taken: &'a [Rect],
    /// Drawn curves (soft: crossing one costs, but is allowed).
    pub(super) curves: &'a Occupancy,
    /// Markers (hard).
    pub(super) markers: &'a Occupancy,
}

/// The position of a label of `size` for a marker at `anchor`: around the marker on rings of
/// growing distance, the free position with the least cost, where crossing a drawn pixel of a
/// curve costs one and each pixel of distance from the marker costs two (so a label moves
/// some way, with a leader line, rather than sit on a curve). `None` when no position is free.
pub(super) fn place_label(size: (i32, i32), anchor: (i32, i32), avoid: &Avoid<'_>) -> Option<Placed> {
    let (w, h) = size;
    let mut best: Option<(i64, Placed)> = None;
    for (ring, distance) in RINGS.iter().enumerate() {
        let d = GAP + distance;
        let (x, y) = anchor;
        let candidates = [
            (x + d, y - h / 2),
            (x - d - w, y - h / 2),
            (x + d, y + d - GAP / 2),
            (x + d, y - d - h + GAP / 2),
            (x - d - w, y + d - GAP / 2),
            (x - d - w, y - d - h + GAP / 2),
            (x - w / 2, y - d - h),
            (x - w / 2, y + d),
        ];
        for origin in candidates {
            let rect = Rect::at(origin, size);
            if !free(&rect, avoid) {
                continue;
            }
            let cost = i64::from(avoid.curves.weight(&rect)) + 2 * i64::from(*distance);
            if best.is_none_or(|b| cost < b.0) {
                best = Some((
                    cost,
                    Placed {
                        rect,
                        leader: ring > 1,
                    },
                ));
            }
        }
    }
    best.map(|b| b.1)
}

fn free(rect: &Rect, avoid: &Avoid<'_>) -> bool {
    avoid.area.contains(rect)
        && avoid.markers.weight(rect) == 0
        && !avoid.taken.iter().any(|t| t.grown(GAP / 2).intersects(rect))
}

/// The box of a level's label at the right end `end` of its line: right-aligned above the line,
/// else below, moving left in steps until it is free, preferring positions that cross no curve.
pub(super) fn place_level_label(size: (i32, i32), end: (i32, i32), avoid: &Avoid<'_>) -> Option<Rect> {
    let (w, h) = size;
    let span = (avoid.area.x1 - avoid.area.x0 - w).max(0);
    let mut fallback: Option<(u32, Rect)> = None;
    for shift in (0..=span).step_by(20) {
        for y in [end.1 - 2 - h, end.1 + 3] {
            let rect = Rect::at((end.0 - 4 - w - shift, y), size);
            if !free(&rect, avoid) {
                continue;
            }
            let crossed = avoid.curves.weight(&rect);
            if crossed == 0 {
                return Some(rect);
            }
            if fallback.is_none_or(|f| crossed < f.0) {
                fallback = Some((crossed, rect));
            }
        }
    }
    fallback.map(|f| f.1)
}

/// A spot for a legend box of `size` inside `area` (with a margin of `pad`) that covers
/// nothing of `drawn` and no text in `taken`: the free spot nearest a corner, the upper right
/// first. `None` when there is none.
pub(super) fn free_spot(
    size: (i32, i32),
    area: Rect,
    pad: i32,
    drawn: &Occupancy,
    taken: &[Rect],
) -> Option<Rect> {
    let (w, h) = size;
    let (left, right) = (area.x0 + pad, area.x1 - pad - w);
    let (top, bottom) = (area.y0 + pad, area.y1 - pad - h);
    if right < left || bottom < top {
        return None;
    }
    let corners = [(right, top), (left, top), (right, bottom), (left, bottom)];
    let mut best: Option<(i64, Rect)> = None;
    let step = 4;
    let mut y = top;
    while y <= bottom {
        let mut x = left;
        while x <= right {
            let rect = Rect::at((x, y), size);
            let covers =
                drawn.weight(&rect.grown(3)) > 0 || taken.iter().any(|t| t.grown(GAP).intersects(&rect));
            if !covers {
                let distance = corners
                    .iter()
                    .enumerate()
                    .map(|(rank, c)| {
                        let d = i64::from((c.0 - x).abs() + (c.1 - y).abs());
                        // A little preference for the corners in order, at equal distance.
                        d * 4 + rank as i64
                    })
                    .min()
                    .unwrap_or(0);
                if best.is_none_or(|b| distance < b.0) {
                    best = Some((distance, rect));
                }
            }
            x = if x == right {
                right + 1
            } else {
                (x + step).min(right)
            };
        }
        y = if y == bottom {
            bottom + 1
        } else {
            (y + step).min(bottom)
        };
    }
    best.map(|b| b.1)
}

/// The spot of a legend box of `size` in `area` covering the least of `drawn` (for a panel too
/// small to give the legend a strip of its own).
pub(super) fn least_covered(size: (i32, i32), area: Rect, pad: i32, drawn: &Occupancy) -> Rect {
    let (w, h) = size;
    let (left, right) = (area.x0 + pad, (area.x1 - pad - w).max(area.x0 + pad));
    let (top, bottom) = (area.y0 + pad, (area.y1 - pad - h).max(area.y0 + pad));
    [(right, top), (left, top), (right, bottom), (left, bottom)]
        .into_iter()
        .map(|origin| Rect::at(origin, size))
        .min_by_key(|rect| drawn.weight(rect))
        .unwrap_or_else(|| Rect::at((left, top), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(area: Rect, strokes: &[&[(i32, i32)]]) -> Occupancy {
        let mut painter = Painter::new(area);
        for s in strokes {
            painter.stroke(s, 1, 1);
        }
        painter.finish()
    }

    /// The summed-area lookup equals a direct sum over the marked cells, for boxes inside,
    /// across the edge of and outside the area.
    #[test]
    fn weights_are_exact_sums() {
        let area = Rect::at((10, 20), (100, 50));
        let mut painter = Painter::new(area);
        painter.stroke(&[(10, 30), (110, 30)], 1, 1);
        painter.stroke(&[(50, 20), (50, 70), (80, 45)], 2, 3);
        painter.marker((100, 60), 8, 5);
        let cells = painter.cells.clone();
        let width = painter.width;
        let occupancy = painter.finish();
        let direct = |r: &Rect| -> u32 {
            let mut total = 0;
            for y in r.y0.max(area.y0)..=r.y1.min(area.y1) {
                for x in r.x0.max(area.x0)..=r.x1.min(area.x1) {
                    total += cells[(y - area.y0) as usize * width + (x - area.x0) as usize];
                }
            }
            total
        };
        for rect in [
            area,
            Rect::at((60, 40), (40, 20)),
            Rect::at((0, 0), (12, 100)),
            Rect::at((49, 25), (3, 3)),
            Rect::at((200, 200), (5, 5)),
        ] {
            assert_eq!(occupancy.weight(&rect), direct(&rect), "{rect:?}");
        }
        assert_eq!(
            occupancy.weight(&Rect::at((20, 50), (20, 10))),
            0,
            "nothing drawn there"
        );
        assert!(
            occupancy.weight(&Rect::at((20, 29), (5, 2))) > 0,
            "the horizontal stroke"
        );
    }

    /// A band's area is marked between its edges, column by column, and nothing outside.
    #[test]
    fn areas_are_filled_between_their_edges() {
        let area = Rect::at((0, 0), (200, 200));
        let mut painter = Painter::new(area);
        // The upper edge falls from 50 to 100, with a vertical step at x = 100; the lower edge
        // is flat at 150.
        let upper = [(10, 50), (100, 50), (100, 100), (150, 100)];
        let lower = [(10, 150), (150, 150)];
        painter.area((&upper, &lower), 0, 1);
        let occupancy = painter.finish();
        assert_eq!(
            occupancy.weight(&Rect::at((20, 60), (70, 80))),
            71 * 81,
            "inside, full"
        );
        assert!(
            occupancy.weight(&Rect::at((100, 50), (0, 0))) > 0,
            "the step's top"
        );
        assert_eq!(
            occupancy.weight(&Rect::at((101, 50), (40, 40))),
            0,
            "above the edge after the step"
        );
        assert_eq!(
            occupancy.weight(&Rect::at((10, 151), (140, 40))),
            0,
            "below the lower edge"
        );
        assert_eq!(
            occupancy.weight(&Rect::at((151, 0), (40, 200))),
            0,
            "after the end"
        );
        assert_eq!(
            occupancy.weight(&Rect::at((10, 0), (140, 49))),
            0,
            "above the band"
        );
    }

    #[test]
    fn labels_avoid_each_other_and_markers() {
        let area = Rect::at((0, 0), (400, 300));
        let curves = grid(area, &[]);
        let mut painter = Painter::new(area);
        painter.marker((200, 150), 8, 1);
        let markers = painter.finish();
        let mut taken = Vec::new();
        for _ in 0..6 {
            let avoid = Avoid {
                area,
                taken: &taken,
                curves: &curves,
                markers: &markers,
            };
            let placed = place_label((80, 16), (200, 150), &avoid).expect("room");
            assert!(taken.iter().all(|t: &Rect| !t.intersects(&placed.rect)));
            assert_eq!(markers.weight(&placed.rect), 0);
            taken.push(placed.rect);
        }
    }

    #[test]
    fn the_legend_goes_where_nothing_is_drawn() {
        let area = Rect::at((0, 0), (400, 300));
        // A curve along the top: the upper corners are taken.
        let drawn = grid(area, &[&[(0, 20), (400, 20)]]);
        let spot = free_spot((100, 60), area, 8, &drawn, &[]).expect("room below the curve");
        assert_eq!(drawn.weight(&spot.grown(3)), 0);
        assert_eq!((spot.x1, spot.y1), (392, 292), "the free corner, lower right");
        let below = grid(area, &[&[(0, 20), (400, 20)], &[(0, 250), (400, 250)]]);
        let spot = free_spot((100, 60), area, 8, &below, &[]).expect("room between the curves");
        assert_eq!(below.weight(&spot.grown(3)), 0);
        assert!(spot.y0 > 21 && spot.y1 < 249, "{spot:?}");
        let full = grid(area, &[&[(0, 150), (400, 150)], &[(200, 0), (200, 300)]]);
        assert!(free_spot((250, 200), area, 8, &full, &[]).is_none());
    }
}
