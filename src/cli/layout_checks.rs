//! Checks of a figure's layout shared by the figure tests of `plot` and `population`: no two
//! texts (labels, the legend box) share a pixel, labels stay inside their plotting area, and
//! no legend box (nor, where asked, any label) covers a drawn curve segment or a shaded area.

use relapse::plot::{PanelLayout, Rect};

/// Whether the segment from `a` to `b` passes through `rect` (Liang–Barsky clipping).
pub(crate) fn crosses((a, b): ((i32, i32), (i32, i32)), rect: &Rect) -> bool {
    let (x0, y0) = (f64::from(a.0), f64::from(a.1));
    let (dx, dy) = (f64::from(b.0) - x0, f64::from(b.1) - y0);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, x0 - f64::from(rect.x0)),
        (dx, f64::from(rect.x1) - x0),
        (-dy, y0 - f64::from(rect.y0)),
        (dy, f64::from(rect.y1) - y0),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    t0 <= t1
}

/// Whether `point` is inside the closed polygon `outline` (even–odd rule, crossing number).
fn inside(point: (i32, i32), outline: &[(i32, i32)]) -> bool {
    let (px, py) = (f64::from(point.0) + 0.5, f64::from(point.1) + 0.5);
    let mut inside = false;
    for (i, a) in outline.iter().enumerate() {
        let b = outline[(i + 1) % outline.len()];
        let ((ax, ay), (bx, by)) = ((f64::from(a.0), f64::from(a.1)), (f64::from(b.0), f64::from(b.1)));
        if (ay > py) != (by > py) && px < ax + (py - ay) / (by - ay) * (bx - ax) {
            inside = !inside;
        }
    }
    inside
}

/// Whether `rect` shares a pixel with the shaded polygon `outline`: an edge passes through
/// it, or it lies inside the polygon.
fn covers_area(rect: &Rect, outline: &[(i32, i32)]) -> bool {
    let closed = outline.iter().zip(outline.iter().cycle().skip(1));
    closed.take(outline.len()).any(|(a, b)| crosses((*a, *b), rect)) || inside((rect.x0, rect.y0), outline)
}

/// Asserts the checks of the module on `panel`; `labels_off_data`: labels too keep off curves
/// and areas (the legend always does).
pub(crate) fn assert_clear(name: &str, panel: &PanelLayout, labels_off_data: bool) {
    let texts: Vec<(&str, Rect)> = panel
        .labels
        .iter()
        .map(|t| (t.text.as_str(), t.rect))
        .chain(panel.legend.map(|r| ("legend", r)))
        .collect();
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            assert!(
                !a.1.intersects(&b.1),
                "{name}: `{}` {:?} overlaps `{}` {:?}",
                a.0,
                a.1,
                b.0,
                b.1
            );
        }
    }
    for label in &panel.labels {
        assert!(
            panel.plot.contains(&label.rect),
            "{name}: `{}` outside",
            label.text
        );
    }
    let checked = texts
        .iter()
        .filter(|(text, _)| labels_off_data || *text == "legend");
    for (text, rect) in checked {
        // Curves are stroked 2 px wide: one pixel beyond their centre line.
        let grown = rect.grown(1);
        for curve in &panel.curves {
            for pair in curve.windows(2) {
                assert!(
                    !crosses((pair[0], pair[1]), &grown),
                    "{name}: `{text}` {rect:?} covers the curve segment {pair:?}"
                );
            }
            if let [only] = curve.as_slice() {
                assert!(
                    !crosses((*only, *only), &grown),
                    "{name}: `{text}` covers {only:?}"
                );
            }
        }
        for (index, area) in panel.areas.iter().enumerate() {
            assert!(
                !covers_area(rect, area),
                "{name}: `{text}` {rect:?} covers shaded area {index}"
            );
        }
    }
}

#[test]
fn segments_crossing_boxes_are_found() {
    let rect = Rect::at((10, 10), (20, 10));
    assert!(crosses(((0, 15), (40, 15)), &rect));
    assert!(
        crosses(((15, 0), (15, 100)), &rect),
        "a vertical peak through the box"
    );
    assert!(!crosses(((0, 0), (40, 5)), &rect));
    assert!(!crosses(((31, 0), (31, 40)), &rect));
}

#[test]
fn boxes_over_areas_are_found() {
    // A band from x 0 to 100 between y 40 and 60.
    let band = [(0, 40), (100, 40), (100, 60), (0, 60)];
    assert!(covers_area(&Rect::at((40, 45), (10, 5)), &band), "wholly inside");
    assert!(
        covers_area(&Rect::at((90, 55), (30, 30)), &band),
        "across a corner"
    );
    assert!(covers_area(&Rect::at((-10, 0), (200, 100)), &band), "around it");
    assert!(!covers_area(&Rect::at((40, 61), (10, 10)), &band), "below");
    assert!(!covers_area(&Rect::at((101, 40), (10, 10)), &band), "right of it");
}
