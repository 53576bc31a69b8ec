//! Hostile plot requests (issue 8): canvases too large for memory or too small for the layout,
//! values that overflow the axis arithmetic (±1e308, infinities, NaN, all equal, nothing
//! positive on a log axis), and 2·10⁵ infusions in the dose rug. Each must end quickly with
//! exit 0 or a usage error (2), never a panic, hang or runaway allocation. Every run of the
//! binary is killed after a time limit, which fails the test.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use relapse::plot::{Curve, DoseMark, Figure, Layout, Level, Panel, SizeError, render};

/// Generous for a debug build on a loaded machine; the hangs fixed here ran for minutes.
const LIMIT: Duration = Duration::from_secs(20);

struct Run {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
}

/// Runs `relapse args…` with stderr in a file (so a long report cannot block on a full pipe),
/// killing it and failing the test after `limit`.
fn relapse_within(args: &[&str], limit: Duration) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("stderr");
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_relapse"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Run {
                code: status.code(),
                stderr: std::fs::read_to_string(&stderr_path).unwrap(),
                elapsed: start.elapsed(),
            };
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("`relapse {}` still running after {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(File::open(path).unwrap());
    let reader = decoder.read_info().expect("a valid PNG");
    (reader.info().width, reader.info().height)
}

/// The minimum canvas stated in a "too small" message.
fn stated_minimum(stderr: &str) -> (u32, u32) {
    let after = stderr
        .split("needs at least ")
        .nth(1)
        .unwrap_or_else(|| panic!("no minimum in {stderr:?}"));
    let size = after.split(' ').next().unwrap();
    let (w, h) = size.split_once('×').unwrap();
    (w.parse().unwrap(), h.parse().unwrap())
}

/// A canvas beyond 16,384 px a side or 64 Mpx used to overflow u32 in the bitmap backend
/// (65536×65537: panic) or allocate gigabytes (40000×30000: 3.5 GB). `--max-steps 1` makes
/// solving fail (exit 3), so exit 2 shows that the size is refused before any solving.
#[test]
fn huge_canvases_are_usage_errors_before_solving() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.png");
    for (w, h) in [
        ("65536", "65537"),
        ("40000", "30000"),
        ("16385", "200"),
        ("8193", "8192"),
    ] {
        let run = relapse_within(
            &[
                "plot",
                "models/stein_regrowth.toml",
                "--max-steps",
                "1",
                "--width",
                w,
                "--height",
                h,
                "--out",
                text(&out),
            ],
            LIMIT,
        );
        assert_eq!(run.code, Some(2), "{w}×{h}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("too large: at most 16384 pixels a side and 67108864 pixels"),
            "{}",
            run.stderr
        );
        assert!(!out.exists(), "nothing written");
    }
}

/// Canvases below what the layout needs (`--height 10`, 1×1) used to spin in plotters'
/// polygon fill for minutes (release) or panic on overflow (debug). They are refused before
/// solving, with the minimum in the message.
#[test]
fn tiny_canvases_are_usage_errors_that_state_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.png");
    for model in [
        "models/simeoni2004_tgi.toml",
        "models/hibernation_rigi.toml",
        "models/stein_regrowth.toml",
    ] {
        for (w, h) in [("1", "1"), ("1200", "10"), ("10", "750"), ("0", "0")] {
            let run = relapse_within(
                &[
                    "plot",
                    model,
                    "--max-steps",
                    "1",
                    "--width",
                    w,
                    "--height",
                    h,
                    "--out",
                    text(&out),
                ],
                LIMIT,
            );
            assert_eq!(run.code, Some(2), "{model} {w}×{h}: {}", run.stderr);
            assert!(
                run.stderr.contains("is too small for this figure"),
                "{}",
                run.stderr
            );
            let (min_w, min_h) = stated_minimum(&run.stderr);
            // The model's default canvas fits: 750 px tall, or its `[plot] height` (1250 for
            // hibernation_rigi, whose three extra panels need more than 750).
            let default_height = if model.contains("hibernation") { 1250 } else { 750 };
            assert!(
                (254..=1200).contains(&min_w) && (100..=default_height).contains(&min_h),
                "{min_w}×{min_h}"
            );
            assert!(!out.exists(), "nothing written");
        }
    }
}

/// A model with one state and `regimens` regimens dosing each of its two states: 2·regimens
/// dose-rug rows.
fn many_rows_model(dir: &Path, regimens: usize) -> PathBuf {
    let mut toml = String::from(
        "[model]\nname = \"rows\"\n[states]\na = 0\nb = 0\n[equations]\na = \"-a\"\nb = \"-b\"\n\
         [relapse]\nobservable = \"a + b + 1\"\nthreshold = 2\n[solver]\nt_end = 10\n",
    );
    for i in 0..regimens {
        toml.push_str(&format!(
            "[regimens.r{i}]\ndoses = [ {{ target = \"a\", amount = 1, start = {i} }}, \
             {{ target = \"b\", amount = 1, duration = 1 }} ]\n"
        ));
    }
    let path = dir.join("rows.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// The stated minimum is exact: one pixel less in either direction is refused, and the minimum
/// itself renders (PNG of that size, and SVG) well within the time limit, for layouts without
/// rug or exposure panel, with both, and with 60 rug rows (whose minimum depends on the rows).
#[test]
fn the_minimum_canvas_renders_and_one_pixel_less_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let rows = many_rows_model(dir.path(), 30);
    let models = [
        "models/stein_regrowth.toml".to_string(),
        "models/pk_iv_2cpt_infusion.toml".to_string(),
        "models/simeoni2004_tgi.toml".to_string(),
        text(&rows).to_string(),
    ];
    let png = dir.path().join("min.png");
    let svg = dir.path().join("min.svg");
    for model in &models {
        let probe = relapse_within(
            &[
                "plot",
                model,
                "--width",
                "1",
                "--height",
                "1",
                "--out",
                text(&png),
            ],
            LIMIT,
        );
        let (w, h) = stated_minimum(&probe.stderr);
        for (ww, hh) in [(w - 1, h), (w, h - 1)] {
            let run = relapse_within(
                &[
                    "plot",
                    model,
                    "--width",
                    &ww.to_string(),
                    "--height",
                    &hh.to_string(),
                    "--out",
                    text(&png),
                ],
                LIMIT,
            );
            assert_eq!(run.code, Some(2), "{model} {ww}×{hh}: {}", run.stderr);
        }
        for out in [&png, &svg] {
            let run = relapse_within(
                &[
                    "plot",
                    model,
                    "--width",
                    &w.to_string(),
                    "--height",
                    &h.to_string(),
                    "--out",
                    text(out),
                ],
                LIMIT,
            );
            assert_eq!(run.code, Some(0), "{model} {w}×{h}: {}", run.stderr);
        }
        assert_eq!(png_size(&png), (w, h), "{model}");
    }
}

/// Outputs of ±1e308: on a linear axis the span overflowed to infinity and plotters' tick search
/// looped forever; on a log axis the negative curve is clipped. PNG and SVG, both axes.
#[test]
fn outputs_near_the_largest_double_plot_on_both_axes() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("huge.toml");
    std::fs::write(
        &model,
        "[model]\nname = \"huge\"\n[states]\nx = 1e308\n[equations]\nx = \"0\"\n\
         [outputs]\nup = \"x\"\ndown = \"-x\"\n[solver]\nt_end = 1\n",
    )
    .unwrap();
    for axis in ["--linear-y", "--log-y"] {
        for ext in ["png", "svg"] {
            let out = dir.path().join(format!("huge{axis}.{ext}"));
            let run = relapse_within(&["plot", text(&model), axis, "--out", text(&out)], LIMIT);
            assert_eq!(run.code, Some(0), "{axis} {ext}: {}", run.stderr);
            if ext == "svg" {
                let svg = std::fs::read_to_string(&out).unwrap();
                // The legend says what could not be drawn where it is: a linear axis spans at
                // most ±1e300 (2e308 overflows), a log axis cannot show values ≤ 0.
                let expected: &[&str] = if axis == "--log-y" {
                    &["down (values ≤ 0 clipped to axis floor)"]
                } else {
                    &[
                        "up (values beyond ±1e300 clipped)",
                        "down (values beyond ±1e300 clipped)",
                    ]
                };
                for label in expected {
                    assert!(svg.contains(label), "{axis}: legend lacks {label:?}");
                }
            }
        }
    }
}

/// A relapse observable falling from 1e308 to about -1e308 on the main panel (log by default,
/// and `--linear-y`, which used to hang), with the threshold at -5e307.
#[test]
fn an_observable_near_the_largest_double_plots_on_both_axes() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("huge_obs.toml");
    std::fs::write(
        &model,
        "[model]\nname = \"huge\"\n[states]\nx = 1\n[equations]\nx = \"-5 * x\"\n\
         [relapse]\nobservable = \"1e308 * x - 1e308 * (1 - x)\"\nthreshold = -5e307\n\
         [solver]\nt_end = 1\n[regimens.none]\ndoses = []\n",
    )
    .unwrap();
    for axis in ["--linear-y", "--log-y"] {
        for ext in ["png", "svg"] {
            let out = dir.path().join(format!("obs{axis}.{ext}"));
            let run = relapse_within(&["plot", text(&model), axis, "--out", text(&out)], LIMIT);
            assert_eq!(run.code, Some(0), "{axis} {ext}: {}", run.stderr);
        }
    }
}

/// 2·10⁵ infusions: the rug looked up each infusion's stop with a linear search of the whole
/// schedule (45 s in release, minutes in debug). The whole plot, solving 4·10⁵ segments
/// included, now takes about 10 s in a debug build; the rug itself is merged to at most a few
/// elements per pixel column, which keeps the SVG small.
#[test]
fn two_hundred_thousand_infusions_plot_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("many.toml");
    std::fs::write(
        &model,
        "[model]\nname = \"many\"\n[states]\nx = 0\n[equations]\nx = \"-x\"\n\
         [solver]\nt_end = 200000\nmax_steps = 100000000\nrtol = 1e-3\n\
         [regimens.many]\ndoses = [ { target = \"x\", amount = 1, duration = 0.5, interval = 1, count = 200000 } ]\n",
    )
    .unwrap();
    let out = dir.path().join("many.png");
    let run = relapse_within(
        &["plot", text(&model), "--out", text(&out)],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(png_size(&out), (1200, 750));
    eprintln!("2e5 infusions plotted in {:?}", run.elapsed);
}

/// A figure whose rug holds `marks` one-unit infusions and as many boluses, in one row.
fn rug_figure(marks: usize, size: (u32, u32)) -> Figure {
    let doses = (0..marks)
        .flat_map(|i| {
            let t = i as f64;
            [
                DoseMark {
                    row: "r → x".to_string(),
                    colour: 0,
                    start: t,
                    end: Some(t + 0.5),
                },
                DoseMark {
                    row: "r → x".to_string(),
                    colour: 0,
                    start: t + 0.5,
                    end: None,
                },
            ]
        })
        .collect();
    Figure {
        title: "rug".to_string(),
        x_label: "time".to_string(),
        t_end: marks as f64,
        main: panel(false, vec![(0.0, 1.0), (marks as f64, 2.0)]),
        exposure: None,
        panels: Vec::new(),
        doses,
        size,
    }
}

fn panel(log_y: bool, points: Vec<(f64, f64)>) -> Panel {
    Panel {
        y_label: "y".to_string(),
        log_y,
        curves: vec![Curve {
            label: "curve".to_string(),
            colour: 0,
            points,
        }],
        levels: Vec::new(),
        markers: Vec::new(),
        observations: Vec::new(),
    }
}

/// Renders on another thread; fails if it does not finish within `limit` (the thread is left
/// spinning, and the test process ends with the failure).
fn render_within(figure: Figure, path: PathBuf, limit: Duration) -> Result<(), relapse::plot::PlotError> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(render(&figure, &path));
    });
    receive
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("rendering still running after {limit:?}"))
}

/// 4·10⁵ dose marks in one row render quickly, and the SVG holds at most about one element per
/// pixel column instead of one per mark (was 4·10⁵ elements, ~40 MB).
#[test]
fn four_hundred_thousand_dose_marks_draw_quickly_and_compactly() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["png", "svg"] {
        let path = dir.path().join(format!("rug.{ext}"));
        render_within(rug_figure(200_000, (1200, 750)), path.clone(), LIMIT).unwrap();
        if ext == "svg" {
            let bytes = std::fs::metadata(&path).unwrap().len();
            assert!(bytes < 1_000_000, "{bytes} bytes of SVG");
        }
    }
}

/// Values plotters cannot place: each figure renders (PNG and SVG) within the limit.
#[test]
fn non_finite_overflowing_and_degenerate_values_render() {
    type Case = (&'static str, bool, Vec<(f64, f64)>);
    let cases: Vec<Case> = vec![
        ("±1e308 linear", false, vec![(0.0, 1e308), (1.0, -1e308)]),
        ("±max linear", false, vec![(0.0, f64::MAX), (1.0, f64::MIN)]),
        ("±1e308 log", true, vec![(0.0, 1e308), (1.0, -1e308)]),
        (
            "inf and NaN linear",
            false,
            vec![(0.0, f64::INFINITY), (0.5, f64::NAN), (1.0, f64::NEG_INFINITY)],
        ),
        (
            "inf and NaN log",
            true,
            vec![(0.0, f64::INFINITY), (0.5, f64::NAN), (1.0, 1.0)],
        ),
        ("only NaN", false, vec![(0.0, f64::NAN), (1.0, f64::NAN)]),
        ("all equal", false, vec![(0.0, 3.0), (1.0, 3.0)]),
        ("all equal negative", false, vec![(0.0, -1e20), (1.0, -1e20)]),
        ("all zero", false, vec![(0.0, 0.0), (1.0, 0.0)]),
        ("all zero log", true, vec![(0.0, 0.0), (1.0, -5.0)]),
        ("all equal log", true, vec![(0.0, 7.0), (1.0, 7.0)]),
        ("subnormal linear", false, vec![(0.0, 5e-324), (1.0, 1e-320)]),
        ("subnormal log", true, vec![(0.0, 5e-324), (1.0, 1e-320)]),
        ("nearly equal", false, vec![(0.0, -1e20), (1.0, -1e20 + 16384.0)]),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, log_y, points) in cases {
        for ext in ["png", "svg"] {
            let mut figure = rug_figure(0, (600, 400));
            figure.t_end = 1.0;
            figure.main = panel(log_y, points.clone());
            figure.main.levels.push(Level {
                label: "level".to_string(),
                value: points[0].1,
            });
            let path = dir.path().join(format!("case.{ext}"));
            render_within(figure, path, LIMIT).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

/// The library refuses what the CLI refuses, with typed errors and nothing written.
#[test]
fn render_checks_the_canvas_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.png");
    let too_large = render_within(rug_figure(3, (65536, 65537)), path.clone(), LIMIT);
    assert!(matches!(
        too_large,
        Err(relapse::plot::PlotError::Size(SizeError::TooLarge { .. }))
    ));
    let layout = Layout {
        rug_rows: 1,
        exposure: false,
        panels: 0,
    };
    let (w, h) = layout.minimum_size().unwrap();
    let too_small = render_within(rug_figure(3, (w, h - 1)), path.clone(), LIMIT);
    assert_eq!(
        too_small.unwrap_err().to_string(),
        SizeError::TooSmall {
            width: w,
            height: h - 1,
            min_width: w,
            min_height: h,
            rug_rows: 1
        }
        .to_string()
    );
    assert!(!path.exists());
    render_within(rug_figure(3, (w, h)), path.clone(), LIMIT).unwrap();
    assert_eq!(png_size(&path), (w, h));
}

/// A 300-character regimen name used to widen the label area past the canvas; the row label is
/// now shortened (with an ellipsis) to fit half the canvas, while the legend keeps the full name.
#[test]
fn a_long_rug_row_name_is_shortened_to_half_the_canvas() {
    let dir = tempfile::tempdir().unwrap();
    let name = "r".repeat(300);
    let model = dir.path().join("long.toml");
    std::fs::write(
        &model,
        format!(
            "[model]\nname = \"long\"\n[states]\nx = 0\n[equations]\nx = \"-x\"\n[solver]\nt_end = 10\n\
             [regimens.{name}]\ndoses = [ {{ target = \"x\", amount = 1 }} ]\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("long.svg");
    let run = relapse_within(&["plot", text(&model), "--out", text(&out)], LIMIT);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let svg = std::fs::read_to_string(&out).unwrap();
    // Half of 1200 px at 7 px a character, less 16 px of padding: 83 characters, the last `…`.
    let short = format!("\n{}…\n", "r".repeat(82));
    assert!(svg.contains(&short), "shortened row label");
    assert!(svg.contains(&format!("\n{name}\n")), "full name in the legend");
}
