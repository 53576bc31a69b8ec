//! What the renderer puts on the canvas, checked on the image itself:
//! - a bolus peak in PNG is painted from the baseline to the peak (plotters' bitmap backend
//!   dropped near-vertical parts of a wide stroke, so the peak floated above the baseline);
//! - an infusion shorter than a pixel is still one pixel wide in the dose rug (was
//!   `width="0"` in the SVG);
//! - a year of daily oscillation is thinned to at most four points per pixel column (M4), so
//!   the SVG stays small.
//!
//! Pixel positions come from [`relapse::plot::layout`], the layout the renderer draws.

use relapse::plot::{Curve, DoseMark, Figure, PALETTE, Panel, layout, render};

fn figure(curve: Vec<(f64, f64)>, t_end: f64, doses: Vec<DoseMark>) -> Figure {
    Figure {
        title: "drawing".to_string(),
        x_label: "time [h]".to_string(),
        t_end,
        main: Panel {
            y_label: "C [mg/L]".to_string(),
            log_y: false,
            curves: vec![Curve {
                label: "dose".to_string(),
                colour: 0,
                points: curve,
            }],
            ..Panel::default()
        },
        exposure: None,
        panels: Vec::new(),
        doses,
        size: (1200, 750),
    }
}

/// A bolus of 100 at t = 10 on a zero baseline, decaying with rate 1/h, sampled every 0.01 h.
fn bolus_profile() -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = (0..=1000).map(|i| (f64::from(i) * 0.01, 0.0)).collect();
    points.extend((1000..=4000).map(|i| {
        let t = f64::from(i) * 0.01;
        (t, 100.0 * (-(t - 10.0)).exp())
    }));
    points
}

/// Decoded RGB8 pixels and the width of a PNG file.
fn rgb(path: &std::path::Path) -> (Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buffer.truncate(info.buffer_size());
    (buffer, info.width as usize)
}

#[test]
fn a_bolus_peak_is_painted_from_the_baseline_to_the_peak_in_png() {
    let figure = figure(bolus_profile(), 40.0, Vec::new());
    let panels = layout(&figure).unwrap();
    // The jump: the longest vertical step of the drawn curve.
    let (bottom, top) = panels[0].curves[0]
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| (pair[0], pair[1]))
        .max_by_key(|(a, b)| (a.1 - b.1).abs())
        .expect("a vertical jump");
    let (x, baseline, peak) = (bottom.0, bottom.1.max(top.1), bottom.1.min(top.1));
    assert!(
        baseline - peak > 400,
        "the peak spans most of the panel: {peak}..{baseline}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bolus.png");
    render(&figure, &path).unwrap();
    let (pixels, width) = rgb(&path);
    let (r, g, b) = PALETTE[0];
    let painted = |x: i32, y: i32| {
        let i = 3 * (y as usize * width + x as usize);
        let close = |have: u8, want: u8| have.abs_diff(want) <= 24;
        close(pixels[i], r) && close(pixels[i + 1], g) && close(pixels[i + 2], b)
    };
    let unpainted: Vec<i32> = (peak + 1..baseline)
        .filter(|&y| !(x - 1..=x + 1).any(|column| painted(column, y)))
        .collect();
    assert!(
        unpainted.is_empty(),
        "{} of {} rows of the jump at column {x} are not painted, e.g. {:?}",
        unpainted.len(),
        baseline - peak - 1,
        &unpainted[..unpainted.len().min(5)]
    );
}

#[test]
fn infusions_shorter_than_a_pixel_stay_in_the_rug() {
    // Weekly 1-hour infusions over 1500 hours: about 0.7 px each on a 1040-px axis.
    let doses: Vec<DoseMark> = (0..9)
        .map(|week| {
            let start = 168.0 * f64::from(week);
            DoseMark {
                row: "weekly → C".to_string(),
                colour: 0,
                start,
                end: Some(start + 1.0),
            }
        })
        .collect();
    let mut figure = figure(vec![(0.0, 1.0), (1500.0, 2.0)], 1500.0, doses);
    figure.main.curves[0].colour = 1;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rug.svg");
    render(&figure, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let (r, g, b) = PALETTE[0];
    let fill = format!("fill=\"#{r:02X}{g:02X}{b:02X}\"");
    let widths: Vec<i64> = svg
        .split("<rect ")
        .skip(1)
        .filter(|rect| rect.contains(&fill))
        .map(|rect| {
            let width = rect.split("width=\"").nth(1).unwrap();
            width[..width.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(widths.len(), 9, "one bar per infusion: {widths:?}");
    assert!(widths.iter().all(|&w| w >= 1), "{widths:?}");
}

#[test]
fn a_year_of_daily_oscillation_is_thinned_to_the_pixel_columns() {
    // 365 days at 2,000 points a day: 730,001 points, ~6 MB as an SVG polyline.
    let points: Vec<(f64, f64)> = (0..=730_000)
        .map(|i| {
            let t = f64::from(i) / 2000.0;
            (t, 200.0 + 50.0 * (std::f64::consts::TAU * t).sin())
        })
        .collect();
    let figure = figure(points, 365.0, Vec::new());
    let panels = layout(&figure).unwrap();
    let plot = panels[0].plot;
    let columns = usize::try_from(plot.x1 - plot.x0 + 1).unwrap();
    let drawn: usize = panels[0].curves.iter().map(Vec::len).sum();
    assert!(drawn <= 4 * columns, "{drawn} points for {columns} columns");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dense.svg");
    render(&figure, &path).unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();
    // At most four "x,y " pairs of ≤ 10 bytes per column, plus the axes and text (< 40 kB).
    let bound = 40_000 + 40 * columns as u64;
    assert!(bytes <= bound, "{bytes} bytes of SVG, bound {bound}");
}
