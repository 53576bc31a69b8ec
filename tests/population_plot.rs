//! The population figure (issue 11) through the library: Kaplan–Meier panels with a
//! number-at-risk table and population relapse bands render as PNG (decoded, size checked) and
//! SVG (the table's numbers as text, one step polyline per arm) for 1, 2 and 6 arms, quickly;
//! degenerate and hostile inputs (no events, identical arms, NaN limits, zeros on a log axis,
//! tiny and huge time axes) render without panicking; canvases outside the limits are typed
//! errors that write nothing.
//!
//! The arms are simulated here: each patient's tumour burden is A·e^(−k t) + B·e^(g t) with
//! log-normal A, k, B, g drawn from a fixed-seed splitmix64 stream, relapse is the return above
//! the threshold after falling below it, and the survival statistics come from
//! `relapse::survival` (its own tests check them against published tables).
//!
//! `RELAPSE_POPPLOT_EXAMPLE=/tmp/popplot_example.png cargo test --test population_plot example`
//! writes the two-arm example figure there for looking at; otherwise it goes to a temporary
//! folder. `RELAPSE_POPPLOT_KEEP=DIR` copies every figure rendered into DIR.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use relapse::plot::{
    PlotError, PopulationFigure, PopulationLayout, SizeError, SurvivalArm, nice_times, render_population,
};
use relapse::survival::{IntervalKind, KaplanMeier, Observation, SortedSample, SurvivalSample};

/// Generous for a debug build on a shared two-core machine; a figure takes well under a second
/// in release.
const LIMIT: Duration = Duration::from_secs(30);
/// Relapse threshold and detection limit of the simulated arms (cells).
const THRESHOLD: f64 = 1e8;
const DETECTION: f64 = 1e4;

/// splitmix64 (Steele, Lea & Flood 2014): a small, fixed, seedable stream for test data.
struct Stream(u64);

impl Stream {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn log_normal(&mut self, median: f64, omega: f64) -> f64 {
        median * (omega * self.normal()).exp()
    }
}

/// What distinguishes the simulated regimens.
struct Regimen {
    label: &'static str,
    colour: usize,
    /// Median kill rate (1/day).
    kill: f64,
    patients: usize,
    seed: u64,
}

/// One arm: `patients` simulated to `t_end` days, the table at `at_risk_times`.
fn simulated_arm(regimen: &Regimen, t_end: f64, at_risk_times: &[f64]) -> SurvivalArm {
    let mut stream = Stream(regimen.seed);
    let grid: Vec<f64> = (0..=400).map(|i| t_end * f64::from(i) / 400.0).collect();
    let mut burdens: Vec<Vec<f64>> = vec![Vec::new(); grid.len()];
    let mut observations = Vec::new();
    for _ in 0..regimen.patients {
        let a = stream.log_normal(1e9, 0.5);
        let k = stream.log_normal(regimen.kill, 0.5);
        let b = stream.log_normal(10.0, 1.5);
        let g = stream.log_normal(0.08, 0.3);
        // Regrowth saturates at a carrying capacity of 1e11 cells.
        let burden = |t: f64| {
            let regrowth = b * (g * t).exp();
            a * (-k * t).exp() + regrowth / (1.0 + regrowth / 1e11)
        };
        // Some patients leave the study early (censored at a uniform time).
        let dropout = (stream.uniform() < 0.15).then(|| t_end * stream.uniform());
        let mut responded = false;
        let mut relapse = None;
        for (i, &t) in grid.iter().enumerate() {
            let n = burden(t);
            burdens[i].push(n);
            if n < THRESHOLD {
                responded = true;
            } else if responded && relapse.is_none() {
                relapse = Some(t);
            }
        }
        observations.push(match (responded, relapse, dropout) {
            (false, _, _) => Observation::event(0.0),
            (true, Some(t), Some(d)) if d < t => Observation::censored(d),
            (true, Some(t), _) => Observation::event(t),
            (true, None, d) => Observation::censored(d.unwrap_or(t_end)),
        });
    }
    let sample = SurvivalSample::new(observations.iter().copied()).unwrap();
    let km = KaplanMeier::estimate(&sample);
    let mut steps = vec![(0.0, 1.0, 1.0, 1.0)];
    steps.extend(km.event_steps().map(|s| {
        let ci = s.interval(IntervalKind::LogLog);
        (
            s.time,
            s.survival,
            ci.map_or(f64::NAN, |c| c.lower),
            ci.map_or(f64::NAN, |c| c.upper),
        )
    }));
    let quantiles: Vec<SortedSample> = burdens
        .into_iter()
        .map(|values| SortedSample::new(values).unwrap())
        .collect();
    let percentiles = [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| {
        quantiles
            .iter()
            .map(|q| q.quantile(p).unwrap().unwrap())
            .collect::<Vec<f64>>()
    });
    SurvivalArm {
        label: regimen.label.to_string(),
        colour: regimen.colour,
        steps,
        censored: observations
            .iter()
            .filter(|o| !o.is_event())
            .map(|o| o.time)
            .collect(),
        median: km.median(IntervalKind::LogLog).value,
        at_risk: at_risk_times
            .iter()
            .map(|&t| km.number_at_risk(t).unwrap())
            .collect(),
        band_times: grid,
        percentiles,
    }
}

const REGIMENS: [Regimen; 6] = [
    Regimen {
        label: "continuous 100 mg daily",
        colour: 0,
        kill: 0.25,
        patients: 300,
        seed: 1,
    },
    Regimen {
        label: "intermittent 1 week on / 1 week off",
        colour: 1,
        kill: 0.12,
        patients: 300,
        seed: 2,
    },
    Regimen {
        label: "high dose",
        colour: 2,
        kill: 0.4,
        patients: 120,
        seed: 3,
    },
    Regimen {
        label: "low dose",
        colour: 3,
        kill: 0.06,
        patients: 120,
        seed: 4,
    },
    Regimen {
        label: "adaptive",
        colour: 4,
        kill: 0.18,
        patients: 120,
        seed: 5,
    },
    Regimen {
        label: "drug holiday",
        colour: 5,
        kill: 0.1,
        patients: 120,
        seed: 6,
    },
];

fn figure(arms: usize, t_end: f64) -> PopulationFigure {
    let at_risk_times = nice_times(t_end, 6);
    PopulationFigure {
        title: "hibernation_rigi: relapse-free survival of 300 virtual patients".to_string(),
        x_label: "time [day]".to_string(),
        t_end,
        arms: REGIMENS[..arms]
            .iter()
            .map(|r| simulated_arm(r, t_end, &at_risk_times))
            .collect(),
        at_risk_times,
        y_label: "tumour burden [cells]".to_string(),
        log_y: true,
        threshold: Some(("relapse threshold".to_string(), THRESHOLD)),
        detection_limit: Some(("detection limit".to_string(), DETECTION)),
        size: PopulationFigure::DEFAULT_SIZE,
    }
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(File::open(path).unwrap());
    let mut reader = decoder.read_info().expect("a valid PNG");
    let mut buffer = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buffer).expect("decodable image data");
    (reader.info().width, reader.info().height)
}

/// Renders `figure` to `name` in `dir` within [`LIMIT`], returning the path.
#[track_caller]
fn render_within(figure: &PopulationFigure, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let start = Instant::now();
    render_population(figure, &path).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(start.elapsed() < LIMIT, "{name} took {:?}", start.elapsed());
    if name.ends_with(".png") {
        assert_eq!(png_size(&path), figure.size, "{name}");
    }
    if let Some(keep) = std::env::var_os("RELAPSE_POPPLOT_KEEP") {
        std::fs::copy(&path, Path::new(&keep).join(name)).unwrap();
    }
    path
}

#[test]
fn one_two_and_six_arms_render_as_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    for arms in [1, 2, 6] {
        let figure = figure(arms, 365.0);
        render_within(&figure, dir.path(), &format!("{arms}.png"));
        render_within(&figure, dir.path(), &format!("{arms}.svg"));
    }
}

/// The example figure to look at (see the file header).
#[test]
fn example() {
    let dir = tempfile::tempdir().unwrap();
    let figure = figure(2, 365.0);
    let path = render_within(&figure, dir.path(), "example.png");
    if let Some(target) = std::env::var_os("RELAPSE_POPPLOT_EXAMPLE") {
        std::fs::copy(&path, target).unwrap();
    }
}

/// The attribute `name` of an SVG tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[start..].split('"').next()
}

/// The points of every polyline drawn in `colour` (`#RRGGBB`).
fn polylines(svg: &str, colour: &str) -> Vec<Vec<(i32, i32)>> {
    svg.split("<polyline")
        .skip(1)
        .filter(|tag| attribute(tag, "stroke") == Some(colour))
        .map(|tag| {
            attribute(tag, "points")
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

/// The contents of every text element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|tag| {
            let content = tag.split_once('>')?.1;
            Some(content.split("</text>").next()?.trim().to_string())
        })
        .collect()
}

/// Polylines of three or more points whose every segment is horizontal or vertical.
fn step_curves(svg: &str, colour: &str) -> usize {
    polylines(svg, colour)
        .iter()
        .filter(|points| points.len() >= 3)
        .filter(|points| points.windows(2).all(|w| w[0].0 == w[1].0 || w[0].1 == w[1].1))
        .count()
}

#[test]
fn the_svg_has_one_step_curve_per_arm_and_the_numbers_at_risk_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let figure = figure(2, 365.0);
    let svg = std::fs::read_to_string(render_within(&figure, dir.path(), "two.svg")).unwrap();
    let texts = texts(&svg);
    for (arm, colour) in figure.arms.iter().zip(["#0072B2", "#D55E00"]) {
        assert_eq!(step_curves(&svg, colour), 1, "{}", arm.label);
        assert!(svg.contains(&arm.label), "{}: label", arm.label);
        for n in &arm.at_risk {
            assert!(texts.contains(&n.to_string()), "{}: {n} at risk", arm.label);
        }
        assert!(arm.at_risk[0] > arm.at_risk[3], "patients relapse");
    }
    for text in [
        "number at risk",
        "relapse-free fraction",
        "time [day]",
        "tumour burden [cells]",
        "relapse threshold",
        "detection limit",
        "95 % confidence band",
        "5–95 % of patients",
    ] {
        assert!(svg.contains(text), "{text}");
    }
    let median = figure.arms[0]
        .median
        .expect("the continuous arm reaches its median");
    assert!(texts.contains(&short(median)), "median label {median}");
}

/// The median's label: 4 significant digits.
fn short(v: f64) -> String {
    let digits = 3 - v.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits);
    let rounded = (v * factor).round() / factor;
    let text = format!("{rounded}");
    text.strip_suffix(".0").unwrap_or(&text).to_string()
}

/// A small hand-made arm: S falls by a tenth at days 10, 20, 30.
fn plain_arm(label: &str, colour: usize) -> SurvivalArm {
    SurvivalArm {
        label: label.to_string(),
        colour,
        steps: vec![
            (0.0, 1.0, 1.0, 1.0),
            (10.0, 0.9, 0.8, 0.95),
            (20.0, 0.8, 0.7, 0.9),
            (30.0, 0.4, 0.3, 0.5),
        ],
        censored: vec![15.0, 40.0],
        median: Some(30.0),
        at_risk: vec![10, 7, 2],
        band_times: vec![0.0, 10.0, 20.0, 40.0],
        percentiles: [
            vec![1.0, 0.1, 0.5, 2.0],
            vec![2.0, 0.5, 1.0, 5.0],
            vec![3.0, 1.0, 2.0, 10.0],
            vec![4.0, 2.0, 4.0, 20.0],
            vec![5.0, 4.0, 8.0, 50.0],
        ],
    }
}

fn plain_figure(arms: Vec<SurvivalArm>) -> PopulationFigure {
    PopulationFigure {
        title: "degenerate".to_string(),
        x_label: "time [day]".to_string(),
        t_end: 40.0,
        arms,
        at_risk_times: vec![0.0, 20.0, 40.0],
        y_label: "N [cells]".to_string(),
        threshold: Some(("relapse threshold".to_string(), 10.0)),
        detection_limit: Some(("detection limit".to_string(), 0.5)),
        // Smaller than the default, to keep the debug-build test quick.
        size: (700, 560),
        ..PopulationFigure::default()
    }
}

/// Every degenerate figure renders in both formats, quickly, without panicking.
#[test]
fn degenerate_figures_render() {
    let dir = tempfile::tempdir().unwrap();
    let no_events = SurvivalArm {
        steps: vec![(0.0, 1.0, 1.0, 1.0)],
        median: None,
        ..plain_arm("no events", 1)
    };
    let nan_limits = SurvivalArm {
        steps: vec![
            (0.0, 1.0, f64::NAN, f64::NAN),
            (5.0, 0.5, f64::NAN, 0.7),
            (8.0, 0.0, f64::NAN, f64::NAN),
        ],
        median: Some(5.0),
        ..plain_arm("NaN limits", 2)
    };
    let mut zeros = plain_arm("zeros on a log axis", 3);
    zeros.percentiles[0] = vec![0.0; 4];
    zeros.percentiles[1] = vec![0.0, -1.0, 0.0, f64::NAN];
    zeros.percentiles[4] = vec![f64::INFINITY, 1e308, f64::MAX, f64::NAN];
    let hostile = SurvivalArm {
        label: "x".repeat(5000),
        colour: usize::MAX,
        steps: vec![
            (f64::NAN, 0.5, 0.1, 0.9),
            (-5.0, 2.0, -1.0, 3.0),
            (1e300, 0.1, 0.0, 0.2),
            (f64::INFINITY, 0.0, 0.0, 0.0),
            (25.0, f64::NAN, 0.5, 0.5),
        ],
        censored: vec![f64::NAN, -1.0, f64::INFINITY, 1e300, 40.0, 40.0],
        median: Some(f64::NAN),
        at_risk: vec![usize::MAX],
        band_times: vec![f64::NAN, 5.0, 1.0, f64::INFINITY],
        percentiles: [vec![1.0], vec![], vec![1.0; 9], vec![f64::NAN; 4], vec![2.0; 4]],
    };
    let cases: Vec<(&str, PopulationFigure)> = vec![
        ("no_events", plain_figure(vec![no_events])),
        (
            "identical",
            plain_figure((0..6).map(|i| plain_arm("same", i)).collect()),
        ),
        ("nan_limits", plain_figure(vec![nan_limits])),
        (
            "no_censoring",
            plain_figure(vec![SurvivalArm {
                censored: Vec::new(),
                ..plain_arm("nobody censored", 0)
            }]),
        ),
        ("zeros_log", plain_figure(vec![zeros.clone()])),
        (
            "zeros_linear",
            PopulationFigure {
                log_y: false,
                ..plain_figure(vec![zeros])
            },
        ),
        ("hostile", plain_figure(vec![hostile, SurvivalArm::default()])),
        ("no_arms", plain_figure(Vec::new())),
        (
            "no_at_risk_times",
            PopulationFigure {
                at_risk_times: Vec::new(),
                ..plain_figure(vec![plain_arm("a", 0)])
            },
        ),
        (
            "dense_at_risk_times",
            PopulationFigure {
                at_risk_times: (0..=100_000).map(|i| f64::from(i) * 4e-4).collect(),
                ..plain_figure(vec![plain_arm("a", 0)])
            },
        ),
        (
            "bad_levels",
            PopulationFigure {
                threshold: Some(("nan".to_string(), f64::NAN)),
                detection_limit: Some(("-inf".to_string(), f64::NEG_INFINITY)),
                ..plain_figure(vec![plain_arm("a", 0)])
            },
        ),
    ];
    for (name, figure) in &cases {
        render_within(figure, dir.path(), &format!("{name}.png"));
        render_within(figure, dir.path(), &format!("{name}.svg"));
    }
}

/// A time axis ending at 1e-300 or at f64::MAX still has finite, increasing ticks and renders.
#[test]
fn tiny_and_huge_time_axes_render() {
    let dir = tempfile::tempdir().unwrap();
    for t_end in [5e-324, 1e-300, 1e-9, 1e9, 1e300, f64::MAX] {
        let scale = t_end / 40.0;
        let mut arm = plain_arm("scaled", 0);
        for step in &mut arm.steps {
            step.0 *= scale;
        }
        arm.censored = arm.censored.iter().map(|t| t * scale).collect();
        arm.median = arm.median.map(|m| m * scale);
        arm.band_times = arm.band_times.iter().map(|t| t * scale).collect();
        let figure = PopulationFigure {
            t_end,
            at_risk_times: nice_times(t_end, 6),
            ..plain_figure(vec![arm])
        };
        render_within(&figure, dir.path(), &format!("{t_end:e}.png"));
        render_within(&figure, dir.path(), &format!("{t_end:e}.svg"));
    }
}

/// An arm with no events: a flat S = 1 curve, and no median drawn.
#[test]
fn an_arm_without_events_is_a_flat_curve_at_one() {
    let dir = tempfile::tempdir().unwrap();
    let figure = plain_figure(vec![SurvivalArm {
        steps: vec![(0.0, 1.0, 1.0, 1.0)],
        median: None,
        censored: vec![40.0],
        ..plain_arm("no events", 0)
    }]);
    let svg = std::fs::read_to_string(render_within(&figure, dir.path(), "flat.svg")).unwrap();
    let curves: Vec<Vec<(i32, i32)>> = polylines(&svg, "#0072B2")
        .into_iter()
        .filter(|points| points.len() >= 2 && points.iter().all(|p| p.1 == points[0].1))
        .filter(|points| points[points.len() - 1].0 - points[0].0 > 500)
        .collect();
    assert_eq!(curves.len(), 1, "one flat line across the axis: {curves:?}");
    assert!(!texts(&svg).iter().any(|t| t == "30"), "no median label");
}

#[test]
fn canvases_outside_the_limits_are_typed_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("figure.png");
    let arms: Vec<SurvivalArm> = (0..6).map(|i| plain_arm("arm", i)).collect();
    let layout = PopulationLayout { arms: 6 };
    let (min_width, min_height) = layout.minimum_size().unwrap();
    let refused = |size: (u32, u32)| {
        let figure = PopulationFigure {
            size,
            ..plain_figure(arms.clone())
        };
        render_population(&figure, &path).unwrap_err()
    };
    assert!(matches!(
        refused((20_000, 100)),
        PlotError::Size(SizeError::TooLarge {
            width: 20_000,
            height: 100
        })
    ));
    assert!(matches!(
        refused((9000, 9000)),
        PlotError::Size(SizeError::TooLarge { .. })
    ));
    for size in [(min_width - 1, min_height), (min_width, min_height - 1), (0, 0)] {
        match refused(size) {
            PlotError::Size(SizeError::PopulationTooSmall {
                min_width: w,
                min_height: h,
                arms: 6,
                ..
            }) => assert_eq!((w, h), (min_width, min_height)),
            other => panic!("{size:?}: {other}"),
        }
    }
    let message = refused((100, 100)).to_string();
    assert!(
        message.contains(&format!("needs at least {min_width}×{min_height}")),
        "{message}"
    );
    let many: Vec<SurvivalArm> = (0..2000).map(|i| plain_arm("arm", i)).collect();
    let figure = PopulationFigure {
        size: (1200, 16_000),
        ..plain_figure(many)
    };
    assert!(matches!(
        render_population(&figure, &path),
        Err(PlotError::Size(SizeError::TooManyArms { arms: 2000 }))
    ));
    let figure = PopulationFigure {
        t_end: f64::INFINITY,
        ..plain_figure(arms.clone())
    };
    assert!(matches!(
        render_population(&figure, &path),
        Err(PlotError::TimeAxis(_))
    ));
    let gif = dir.path().join("figure.gif");
    assert!(matches!(
        render_population(&plain_figure(arms.clone()), &gif),
        Err(PlotError::UnknownFormat(_))
    ));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
    // The smallest accepted canvas renders.
    let figure = PopulationFigure {
        size: (min_width, min_height),
        ..plain_figure(arms)
    };
    render_within(&figure, dir.path(), "smallest.png");
    render_within(&figure, dir.path(), "smallest.svg");
}

/// A cohort of a million patients: a million Kaplan–Meier steps, censoring times and band
/// times are thinned to the pixels, so the figure is quick and the SVG small.
#[test]
fn a_million_steps_render_quickly_and_the_svg_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let n = 1_000_000;
    let t_end = 365.0;
    let time = |i: usize| t_end * i as f64 / n as f64;
    let steps: Vec<(f64, f64, f64, f64)> = (0..n)
        .map(|i| {
            let s = 1.0 - 0.9 * i as f64 / n as f64;
            (time(i), s, s - 0.001, (s + 0.001).min(1.0))
        })
        .collect();
    let band_times: Vec<f64> = (0..n).map(time).collect();
    let curve: Vec<f64> = band_times
        .iter()
        .map(|t| 1e9 * (-t / 30.0).exp() + 10.0)
        .collect();
    let arm = SurvivalArm {
        label: "a million".to_string(),
        colour: 0,
        steps,
        censored: (0..n).map(|i| time(i) + 1e-3).collect(),
        median: Some(202.8),
        at_risk: vec![n, 800_000, 500_000, 200_000],
        percentiles: [0.1, 0.5, 1.0, 2.0, 10.0].map(|f| curve.iter().map(|v| v * f).collect()),
        band_times,
    };
    let figure = PopulationFigure {
        t_end,
        at_risk_times: nice_times(t_end, 4),
        ..plain_figure(vec![arm])
    };
    render_within(&figure, dir.path(), "million.png");
    let svg = render_within(&figure, dir.path(), "million.svg");
    let size = std::fs::metadata(&svg).unwrap().len();
    assert!(size < 2_000_000, "{size} bytes");
}
