//! `--time-unit`, `--panels` / `[plot]` and `--data` through the binary and the library.
//!
//! References: `tests/fixtures/hours_regrowth.toml` (a model in hours) has closed forms for its
//! metrics (derivation in its header): the relapse time t* solves g·t = k·D·(1 − e^(−ke·t))/ke,
//! found here by bisection to 1e-12 h; the nadir is where g = k·A, t = ln(k·D/g)/ke; the AUC
//! of A is D/ke. The solver runs at rtol 1e-10, so 1e-7 relative is ample for located events
//! (event location converges to 1e-9 relative or better at that rtol) and leaves room for
//! nothing else. Unit factors are exact (day = 24 h).

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_close, assert_success, relapse};

const HOURS: &str = "tests/fixtures/hours_regrowth.toml";

/// t* of the fixture, in hours, by bisection on f(t) = g·t − k·D·(1 − e^(−ke·t))/ke, which is
/// negative just after 0 and positive at 3000 h.
fn relapse_hours() -> f64 {
    let (g, k, ke, d) = (0.01, 0.01, 0.05, 100.0);
    let f = |t: f64| g * t - k * d * (1.0 - (-ke * t).exp()) / ke;
    let (mut lo, mut hi) = (1.0, 3000.0);
    while hi - lo > 1e-12 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// Runs `plot` of the hours fixture with observed data `data`, writing `out`.
fn plot_data(data: &Path, out: &Path) -> Output {
    relapse()
        .args(["plot", HOURS, "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// The text content of every `<text>` element of an SVG file.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|s| {
            let body = &s[s.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

#[test]
fn compare_shows_a_model_in_hours_in_days() {
    let out = relapse()
        .args(["compare", HOURS, "--time-unit", "day", "--format", "json"])
        .output()
        .unwrap();
    assert_success(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["time_unit"], "day");
    assert_eq!(doc["t_end"], 100.0);
    let r = &doc["regimens"][0];
    let days = |v: &serde_json::Value| v.as_f64().unwrap();
    assert_close(
        days(&r["relapse_time"]),
        relapse_hours() / 24.0,
        1e-7,
        0.0,
        "relapse time [day]",
    );
    assert_close(
        days(&r["nadir"]["time"]),
        (100f64).ln() / 0.05 / 24.0,
        1e-7,
        0.0,
        "t_nadir [day]",
    );
    // ∫ A dt = D/ke = 2000 mg·h = 2000/24 mg·day.
    assert_close(
        days(&r["exposure"]["A"]["auc"]),
        2000.0 / 24.0,
        1e-7,
        0.0,
        "AUC of A [mg·day]",
    );
    let table = relapse()
        .args(["compare", HOURS, "--time-unit", "week"])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("relapse_time [week]"), "{table}");
    // 2000 h = 11.905 weeks, shown with 4 significant digits.
    assert!(table.contains("11.9"), "{table}");
}

#[test]
fn a_plot_in_hours_shown_in_days_has_a_day_axis_and_relapse_label() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("days.svg");
    let out = relapse()
        .args(["plot", HOURS, "--time-unit", "day", "--out"])
        .arg(&svg)
        .output()
        .unwrap();
    assert_success(&out);
    let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
    assert!(texts.iter().any(|t| t == "time [day]"), "{texts:?}");
    // 2000 h = 83.3 days, labelled to the day.
    assert!(texts.iter().any(|t| t == "relapse 83 day"), "{texts:?}");
    // The axis spans 0..100 days: tick labels are at most 100 (not 2400).
    let ticks: Vec<f64> = texts.iter().filter_map(|t| t.parse::<f64>().ok()).collect();
    assert!(ticks.contains(&100.0) && ticks.contains(&0.0), "{ticks:?}");
    assert!(!ticks.iter().any(|&t| t > 100.0 && t < 1e3), "{ticks:?}");
}

#[test]
fn an_unknown_model_time_unit_is_refused_naming_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("fortnights.toml");
    let text = std::fs::read_to_string(HOURS)
        .unwrap()
        .replace("time_unit = \"hour\"", "time_unit = \"fortnight\"");
    std::fs::write(&model, text).unwrap();
    for args in [vec!["compare"], vec!["plot", "--out", "x.svg"]] {
        let out = relapse()
            .current_dir(dir.path())
            .args(&args)
            .arg(&model)
            .args(["--time-unit", "day"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("`fortnight`") && stderr.contains("h, day, week, month"),
            "{stderr}"
        );
        assert!(!dir.path().join("x.svg").exists());
    }
}

#[test]
fn panels_draw_the_requested_series_and_refuse_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("panels.svg");
    let out = relapse()
        .args([
            "plot", HOURS, "--panels", "A,N:log", "--panels", "N", "--height", "900", "--out",
        ])
        .arg(&svg)
        .output()
        .unwrap();
    assert_success(&out);
    let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
    // Two series with different units: no unit on the axis; one series: its unit.
    assert!(texts.iter().any(|t| t == "A, N"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "N [cells]"), "{texts:?}");
    // A starts at 0, which a log axis cannot show: its legend entry says so.
    assert!(
        texts.iter().any(|t| t.starts_with("bolus: A")) && texts.iter().any(|t| t == "bolus: N"),
        "{texts:?}"
    );

    let out = relapse()
        .args(["plot", HOURS, "--panels", "A,Nn:log", "--out"])
        .arg(&svg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("unknown series `Nn` (did you mean `N`?)"),
        "{stderr}"
    );
    let out = relapse()
        .args(["plot", HOURS, "--panels", "A:logarithmic", "--out"])
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("unknown scale `logarithmic`")
    );
    let seven: Vec<&str> = ["--panels", "A"].repeat(7);
    let out = relapse()
        .args(["plot", HOURS])
        .args(&seven)
        .arg("--out")
        .arg(&svg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("at most 6"));
}

/// The default canvas has no room for six extra panels below a rug: the refusal says how tall
/// the figure must be, before anything is solved.
#[test]
fn a_canvas_too_small_for_the_panels_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let six: Vec<&str> = ["--panels", "A"].repeat(6);
    let out = relapse()
        .args(["plot", HOURS, "--height", "400"])
        .args(&six)
        .arg("--out")
        .arg(dir.path().join("x.png"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("too small"));
}

#[test]
fn the_shipped_model_shows_its_cell_populations() {
    let text = std::fs::read_to_string("models/hibernation_rigi.toml").unwrap();
    let model = relapse::model::load(&text).unwrap();
    let plot = model.plot.expect("[plot] section");
    let series: Vec<Vec<String>> = plot.panels.iter().map(|p| p.series.clone()).collect();
    assert_eq!(series, [["S"], ["P"], ["R"]]);
    assert!(
        plot.panels
            .iter()
            .all(|p| p.scale == relapse::model::AxisScale::Log)
    );
}

/// Observations are drawn as one point and one ring each (SVG circles), bars as lines.
#[test]
fn data_points_are_drawn_on_their_panels() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("obs.csv");
    std::fs::write(
        &data,
        "# synthetic\ntime,value,regimen,output,lower,upper\n0,1e9,bolus,,,\n1200,2e8,bolus,,1e8,4e8\n24,50,,A,,\n",
    )
    .unwrap();
    let count_circles = |args: &[&str]| {
        let svg = dir.path().join("c.svg");
        let out = relapse()
            .args(["plot", HOURS])
            .args(args)
            .arg("--out")
            .arg(&svg)
            .output()
            .unwrap();
        assert_success(&out);
        std::fs::read_to_string(&svg).unwrap().matches("<circle").count()
    };
    let late = dir.path().join("late.csv");
    std::fs::write(&late, "time,value\n5000,1e9\n6000,1e9\n").unwrap();
    let out = plot_data(&late, &dir.path().join("l.svg"));
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("2 measurements after t_end = 2400 are not shown"),
        "{stderr}"
    );
    let without = count_circles(&[]);
    let with = count_circles(&["--data", data.to_str().unwrap()]);
    assert_eq!(with - without, 2 * 3);
    // compare --plot takes --data as well.
    let out = relapse()
        .args(["compare", HOURS, "--time-unit", "day", "--data"])
        .arg(&data)
        .arg("--plot")
        .arg(dir.path().join("p.png"))
        .output()
        .unwrap();
    assert_success(&out);
}

#[test]
fn bad_data_rows_are_all_located() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bad.csv");
    std::fs::write(
        &data,
        "time,value,regimen,output\n0,1e9,bolus,\nx,2,bolus,\n5,,bolus,\n6,3,bolsu,\n7,3,bolus,Z\n",
    )
    .unwrap();
    let out = plot_data(&data, &dir.path().join("x.svg"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let name = data.display().to_string();
    for located in [format!("{name}:3:1"), format!("{name}:4:3")] {
        assert!(stderr.contains(&located), "{located} in {stderr}");
    }
    assert!(
        stderr.contains("`time` must be a finite number, found `x`"),
        "{stderr}"
    );
    assert!(stderr.contains("empty `value`"), "{stderr}");
    // CSV problems stop before the model checks; fix them and the model checks report theirs.
    std::fs::write(&data, "time,value,regimen,output\n6,3,bolsu,\n7,3,bolus,Z\n").unwrap();
    let out = plot_data(&data, &dir.path().join("x.svg"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{name}:2:5")) && stderr.contains("did you mean `bolus`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:3:11")) && stderr.contains("output `Z` is not drawn"),
        "{stderr}"
    );
    assert!(!dir.path().join("x.svg").exists());
}

#[test]
fn the_shipped_data_set_plots() {
    let dir = tempfile::tempdir().unwrap();
    let out = relapse()
        .args([
            "plot",
            "models/hibernation_rigi.toml",
            "--data",
            "models/data/hibernation_observed.csv",
            "--regimen",
            "targeted",
            "--regimen",
            "combination",
            "--out",
        ])
        .arg(dir.path().join("h.svg"))
        .output()
        .unwrap();
    assert_success(&out);
}

/// Hostile measurements (NaN, ±inf, 1e308, ≤ 0 on a log axis, reversed or infinite error
/// bars, times far off the axis) in the main and an extra panel render without panicking.
#[test]
fn hostile_observations_render() {
    use relapse::plot::{Curve, Figure, Observation, Panel, render};
    let hostile = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e308,
        -1e308,
        -5.0,
        0.0,
        1e-320,
        3.0,
    ];
    let observations: Vec<Observation> = hostile
        .iter()
        .flat_map(|&v| {
            hostile.iter().map(move |&t| Observation {
                time: t,
                value: v,
                bounds: Some((v * 2.0, -v)),
                colour: if t > 1.0 { Some(3) } else { None },
            })
        })
        .collect();
    let panel = |log_y| Panel {
        y_label: "y".to_string(),
        log_y,
        curves: vec![Curve {
            label: "c".to_string(),
            colour: 0,
            points: vec![(0.0, 1.0), (10.0, 2.0)],
        }],
        observations: observations.clone(),
        ..Panel::default()
    };
    let dir = tempfile::tempdir().unwrap();
    for log_y in [false, true] {
        let figure = Figure {
            title: "hostile".to_string(),
            x_label: "time".to_string(),
            t_end: 10.0,
            main: panel(log_y),
            exposure: Some(panel(!log_y)),
            panels: vec![panel(log_y), panel(!log_y)],
            doses: Vec::new(),
            size: (800, 900),
        };
        for name in ["h.png", "h.svg"] {
            render(&figure, &dir.path().join(name)).unwrap();
        }
    }
}

/// A data file beyond 16 MiB, or not UTF-8, is refused before it is parsed.
#[test]
fn oversized_or_binary_data_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    let mut text = String::from("time,value\n");
    text.push_str(&"1,1\n".repeat((16 << 20) / 4 + 1));
    std::fs::write(&big, text).unwrap();
    let binary = dir.path().join("binary.csv");
    std::fs::write(&binary, b"time,value\n1,\xff\n").unwrap();
    for (file, message) in [(&big, "larger than 16 MiB"), (&binary, "not UTF-8")] {
        let out = relapse()
            .args(["plot", HOURS, "--data"])
            .arg(file)
            .arg("--out")
            .arg(dir.path().join("x.svg"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8(out.stderr).unwrap().contains(message));
    }
}

/// An observation on a straight curve is drawn on it: in the SVG, the centre of its circles is
/// the midpoint of the curve's polyline (the axis maps linearly, so (5, 5) on the line from
/// (0, 0) to (10, 10) is the pixel midpoint), to the pixel rounding of the backend.
#[test]
fn an_observation_is_drawn_where_the_curve_passes() {
    use relapse::plot::{Curve, Figure, Observation, Panel, render};
    for log_y in [false, true] {
        let (a, b, mid) = if log_y {
            ((0.0, 1.0), (10.0, 100.0), 10.0)
        } else {
            ((0.0, 0.0), (10.0, 10.0), 5.0)
        };
        let figure = Figure {
            title: "t".to_string(),
            x_label: "time".to_string(),
            t_end: 10.0,
            main: Panel {
                y_label: "y".to_string(),
                log_y,
                curves: vec![Curve {
                    label: "c".to_string(),
                    colour: 0,
                    points: vec![a, b],
                }],
                observations: vec![Observation {
                    time: 5.0,
                    value: mid,
                    bounds: None,
                    colour: Some(0),
                }],
                ..Panel::default()
            },
            exposure: None,
            panels: Vec::new(),
            doses: Vec::new(),
            size: (800, 600),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.svg");
        render(&figure, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let attr = |element: &str, name: &str| -> f64 {
            let start = element.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            element[start..].split('"').next().unwrap().parse().unwrap()
        };
        // The curve: palette colour 0 (#0072B2) at width 2 (the legend's sample is width 3).
        let polyline = svg
            .split("<polyline")
            .find(|p| p.contains("stroke=\"#0072B2\" stroke-width=\"2\""))
            .unwrap();
        let start = polyline.find("points=\"").unwrap() + 8;
        let points: Vec<(f64, f64)> = polyline[start..]
            .split('"')
            .next()
            .unwrap()
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        let (first, last) = (points[0], points[points.len() - 1]);
        let centre = ((first.0 + last.0) / 2.0, (first.1 + last.1) / 2.0);
        let circles: Vec<&str> = svg.split("<circle").skip(1).collect();
        assert_eq!(circles.len(), 2, "a point and its ring");
        for circle in circles {
            let (cx, cy) = (attr(circle, "cx"), attr(circle, "cy"));
            assert!(
                (cx - centre.0).abs() <= 1.0 && (cy - centre.1).abs() <= 1.0,
                "log {log_y}: ({cx}, {cy}) vs {centre:?}"
            );
        }
    }
}
