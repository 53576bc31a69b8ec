//! Fuzz harnesses shared by the cargo-fuzz targets in `fuzz/fuzz_targets/` and by the regression
//! test `tests/fuzz_regressions.rs`, which includes this file with `#[path]`: a saved crashing
//! input is replayed through exactly the code that found it.
//!
//! Every harness takes arbitrary bytes and must return without panicking, hanging or allocating
//! without bound; errors from the library are fine. Work is bounded here by *options* (step
//! budget, number of output times, doses per dose line, regimens run, canvas size), the way a
//! user would bound it with flags, never by rejecting inputs.
#![allow(dead_code, unreachable_pub)]

// The binary's diagnostic renderer and clap types: they depend only on `relapse::` paths and
// on crates the library already uses, so they can be compiled here unchanged.
#[path = "../../src/cli/args.rs"]
mod args;
#[path = "../../src/cli/render.rs"]
mod render;

use std::collections::HashMap;
use std::path::Path;

use clap::Parser;
use relapse::diagnostic::{Diagnostics, line_column};
use relapse::export::{MetricsFormat, MetricsReport, OutputTable, render_metrics, trajectory_csv};
use relapse::metrics::{RegimenMetrics, set_delays};
use relapse::model::{CompiledModel, Model, OutputGrid, Trace};
use relapse::plot::{Curve, DoseMark, Figure, Level, Marker, Observation, Panel};
use relapse::regimen::{EventKind, Regimen};
use relapse::solve::SolverOptions;

/// Step budget per run (the CLI's `--max-steps`).
pub const MAX_STEPS: u64 = 20_000;
/// Output times per run (the CLI's `--output-step` / `--times`).
pub const MAX_OUTPUT_TIMES: usize = 1_000;
/// Administrations kept per dose line (`count`).
pub const MAX_DOSES_PER_LINE: u32 = 50;
/// Regimens run per model (the CLI's `--regimen`).
pub const MAX_REGIMENS: usize = 4;
/// Uniform points per plotted curve (the CLI uses 1500).
pub const TRACE_POINTS: usize = 200;
/// End time when the file gives none (the CLI would ask for `--t-end`).
pub const DEFAULT_T_END: f64 = 10.0;

/// The model text: lossy UTF-8, so invalid bytes still reach the parser.
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Target `diagnostics`: bytes → load → every diagnostic format.
// ---------------------------------------------------------------------------------------------

/// Loads `data` as a model and renders its diagnostics (errors or warnings) in every format the
/// CLI has: annotated snippets, one line each, JSON.
pub fn diagnostics(data: &[u8]) {
    let source = text(data);
    let diagnostics = match relapse::model::load(&source) {
        Ok(model) => {
            let mut d = Diagnostics::new();
            d.extend(model.warnings);
            d
        }
        Err(d) => d,
    };
    for d in diagnostics.iter() {
        if let Some(span) = d.span {
            // A span must point into the file, or rendering it points at nothing.
            assert!(
                span.start <= span.end && span.end <= source.len(),
                "span {span:?} outside a {}-byte file: {}",
                source.len(),
                d.message
            );
            assert!(
                source.is_char_boundary(span.start) && source.is_char_boundary(span.end),
                "span {span:?} splits a character: {}",
                d.message
            );
            let (line, column) = line_column(&source, span.start);
            assert!(line >= 1 && column >= 1);
        }
    }
    let report = render::FileReport {
        path: "fuzz.toml",
        source: &source,
        diagnostics: &diagnostics,
    };
    // Plain only: styling adds escape codes to the same layout, at twice the fuzzing cost.
    let plain = render::human(&report, false);
    let short = render::short(&report);
    let json = render::json_file(&report);
    assert_eq!(json["valid"].as_bool(), Some(!diagnostics.has_errors()));
    if !diagnostics.is_empty() {
        assert!(!plain.is_empty() && !short.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Target `pipeline`: load → compile → simulate → measure → CSV / metrics in every format.
// ---------------------------------------------------------------------------------------------

/// A model that loaded and compiled, with its run settings bounded by the harness options.
pub struct Bounded {
    /// The validated model.
    pub model: Model,
    /// Compiled, with each dose line cut to [`MAX_DOSES_PER_LINE`] administrations and at most
    /// [`MAX_REGIMENS`] regimens.
    pub compiled: CompiledModel,
    /// End time.
    pub t_end: f64,
    /// Solver options with the step budget capped.
    pub options: SolverOptions,
    /// Output times, strictly increasing within [0, t_end], at most [`MAX_OUTPUT_TIMES`].
    pub output_times: Vec<f64>,
}

/// Loads and compiles `data`; `None` if the model is invalid (a fine outcome).
pub fn prepare(data: &[u8]) -> Option<Bounded> {
    let source = text(data);
    let model = relapse::model::load(&source).ok()?;
    let mut compiled = model.compile(&[]).ok()?;
    compiled.regimens.truncate(MAX_REGIMENS);
    for dose in compiled.regimens.iter_mut().flat_map(|r| r.doses.iter_mut()) {
        dose.count = dose.count.min(MAX_DOSES_PER_LINE);
    }
    let t_end = model.solver.t_end.unwrap_or(DEFAULT_T_END);
    let options = options(&model);
    let output_times = output_times(model.solver.output.as_ref(), t_end);
    Some(Bounded {
        model,
        compiled,
        t_end,
        options,
        output_times,
    })
}

/// The file's solver settings (as the CLI resolves them without flags), step budget capped.
fn options(model: &Model) -> SolverOptions {
    let file = &model.solver;
    let n = model.states.len();
    let mut options = SolverOptions::new(n);
    options.method = file.method.unwrap_or_default();
    options.rtol = file.rtol.unwrap_or(options.rtol);
    if let Some(atol) = &file.atol {
        options.atol = atol.to_vec(n);
    }
    options.max_steps = file.max_steps.unwrap_or(MAX_STEPS).min(MAX_STEPS);
    options
}

/// The file's output grid (default: 100 intervals), as at most [`MAX_OUTPUT_TIMES`] strictly
/// increasing times within [0, t_end].
fn output_times(grid: Option<&OutputGrid>, t_end: f64) -> Vec<f64> {
    let mut times: Vec<f64> = match grid {
        Some(OutputGrid::Times(times)) => times.clone(),
        Some(OutputGrid::Step(step)) => step_grid(*step, t_end),
        None => step_grid(t_end / 100.0, t_end),
    };
    let mut kept = Vec::with_capacity(times.len().min(MAX_OUTPUT_TIMES));
    for t in times.drain(..) {
        if kept.len() == MAX_OUTPUT_TIMES {
            break;
        }
        if (0.0..=t_end).contains(&t) && kept.last().is_none_or(|&last| t > last) {
            kept.push(t);
        }
    }
    kept
}

/// `i * step` up to t_end, at most [`MAX_OUTPUT_TIMES`] of them, then t_end.
fn step_grid(step: f64, t_end: f64) -> Vec<f64> {
    let intervals = if step > 0.0 { (t_end / step).floor() } else { 0.0 };
    let count = if intervals.is_finite() {
        (intervals as usize).min(MAX_OUTPUT_TIMES)
    } else {
        0
    };
    let mut times: Vec<f64> = (0..=count).map(|i| (i as f64 * step).min(t_end)).collect();
    times.push(t_end);
    times
}

/// Runs every (bounded) regimen through `simulate` and `measure` and renders the CSV and the
/// metrics in every format, checking what the README promises about them.
pub fn pipeline(data: &[u8]) {
    let Some(run) = prepare(data) else { return };
    let compiled = &run.compiled;
    let mut tables = Vec::new();
    let mut results = Vec::new();
    for regimen in &compiled.regimens {
        if let Ok(solution) = compiled.simulate(regimen, run.t_end, &run.output_times, &run.options) {
            // README: one row per output time.
            assert_eq!(
                solution.times.len(),
                run.output_times.len(),
                "regimen `{}`: rows lost",
                regimen.name
            );
            // A NaN or infinite output is a reported failure (exit 3), not a row.
            let columns: Vec<usize> = (0..compiled.output_names.len()).collect();
            if let Ok(rows) = compiled.output_rows(regimen, &solution, &columns) {
                tables.push(OutputTable {
                    regimen: regimen.name.clone(),
                    times: solution.times,
                    rows,
                });
            }
        }
        if let Ok(measured) = compiled.measure(regimen, run.t_end, &run.options) {
            results.push(measured.metrics);
        }
    }
    if let Ok(csv) = trajectory_csv(&compiled.output_names, &tables) {
        let rows = csv.iter().filter(|&&b| b == b'\n').count();
        let expected: usize = tables.iter().map(|t| t.times.len()).sum();
        assert_eq!(rows, expected + 1, "CSV: header plus one line per row");
    }
    render_all_metrics(&run, &mut results);
}

fn render_all_metrics(run: &Bounded, results: &mut [RegimenMetrics]) {
    let watchlist = &run.compiled.monitor.watchlist;
    if results.is_empty() || (watchlist.observable.is_none() && watchlist.exposures.is_empty()) {
        return;
    }
    set_delays(results, 0);
    let baseline = results[0].regimen.clone();
    let report = MetricsReport {
        model: &run.model.name,
        t_end: run.t_end,
        baseline: &baseline,
        time_unit: run.model.time_unit.as_deref(),
        watchlist,
        regimens: results,
    };
    for format in [MetricsFormat::Table, MetricsFormat::Markdown, MetricsFormat::Csv] {
        assert!(!render_metrics(&report, format).is_empty());
    }
    let json = render_metrics(&report, MetricsFormat::Json);
    // README: non-finite numbers are `null`, so the document always parses.
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&json) {
        panic!("metrics JSON does not parse ({e}):\n{json}");
    }
}

// ---------------------------------------------------------------------------------------------
// Target `plot`: a model's traces → Figure (as `relapse plot` builds it) → SVG or PNG.
// ---------------------------------------------------------------------------------------------

/// Smallest canvas the harness draws on; well above any layout minimum.
pub const MIN_CANVAS: (u32, u32) = (320, 240);

/// A cheap hash of the input choosing canvas size and format, so the corpus stays plain models.
fn selector(data: &[u8]) -> u32 {
    data.iter().fold(2_166_136_261_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}

/// Draws the model's relapse curves (or outputs) on a small canvas, as `relapse plot` does.
pub fn plot(data: &[u8]) {
    let Some(run) = prepare(data) else { return };
    let compiled = &run.compiled;
    let mut traces = Vec::new();
    let mut metrics = Vec::new();
    for regimen in &compiled.regimens {
        let Ok(trace) = compiled.trace(regimen, run.t_end, &run.options, TRACE_POINTS) else {
            return;
        };
        traces.push(trace);
        if compiled.monitor.watchlist.observable.is_some()
            && let Ok(measured) = compiled.measure(regimen, run.t_end, &run.options)
        {
            metrics.push(measured.metrics);
        }
    }
    let h = selector(data);
    let size = (MIN_CANVAS.0 + (h % 11) * 48, MIN_CANVAS.1 + (h / 11 % 8) * 45);
    let figure = model_figure(&run, &traces, &metrics, size, h & 0x100 != 0);
    draw(&figure, h & 0x200 != 0);
}

fn column(trace: &Trace, index: usize) -> Vec<(f64, f64)> {
    trace
        .times
        .iter()
        .zip(&trace.rows)
        .map(|(&t, row)| (t, row[index]))
        .collect()
}

/// The figure `relapse plot` draws (see `src/cli/figure.rs`), built from library values only.
fn model_figure(
    run: &Bounded,
    traces: &[Trace],
    metrics: &[RegimenMetrics],
    size: (u32, u32),
    log_y: bool,
) -> Figure {
    let model = &run.model;
    let regimens = &run.compiled.regimens;
    let exposures: Vec<usize> = (0..model.outputs.len())
        .filter(|&o| model.outputs[o].exposure)
        .collect();
    let (main, exposure) = match &run.compiled.monitor.watchlist.observable {
        Some(observable) => {
            let obs = model.outputs.len();
            let curves = traces
                .iter()
                .zip(regimens)
                .enumerate()
                .map(|(i, (trace, r))| Curve {
                    label: r.name.clone(),
                    colour: i,
                    points: column(trace, obs),
                })
                .collect();
            let mut levels = vec![Level {
                label: "relapse threshold".to_string(),
                value: observable.threshold,
            }];
            levels.extend(observable.detection_limit.map(|value| Level {
                label: "detection limit".to_string(),
                value,
            }));
            let markers = markers(metrics, observable.threshold);
            let main = Panel {
                y_label: observable.name.clone(),
                log_y: !log_y,
                curves,
                levels,
                markers,
                observations: Vec::new(),
            };
            let exposure = (!exposures.is_empty()).then(|| output_panel(run, traces, &exposures, false));
            (main, exposure)
        }
        None => {
            let all: Vec<usize> = if exposures.is_empty() {
                (0..model.outputs.len()).collect()
            } else {
                exposures
            };
            (output_panel(run, traces, &all, log_y), None)
        }
    };
    Figure {
        title: model.title.clone().unwrap_or_else(|| model.name.clone()),
        x_label: model.time_unit.clone().unwrap_or_else(|| "time".to_string()),
        t_end: run.t_end,
        main,
        exposure,
        panels: Vec::new(),
        doses: dose_marks(regimens, &run.compiled.state_names, run.t_end),
        size,
    }
}

fn output_panel(run: &Bounded, traces: &[Trace], selected: &[usize], log_y: bool) -> Panel {
    let outputs = &run.model.outputs;
    let mut curves = Vec::new();
    for (i, (regimen, trace)) in run.compiled.regimens.iter().zip(traces).enumerate() {
        for (k, &o) in selected.iter().enumerate() {
            curves.push(Curve {
                label: format!("{}: {}", regimen.name, outputs[o].name),
                colour: i * selected.len() + k,
                points: column(trace, o),
            });
        }
    }
    Panel {
        y_label: selected
            .iter()
            .map(|&o| outputs[o].name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        log_y,
        curves,
        levels: selected
            .iter()
            .filter_map(|&o| {
                run.compiled.monitor.output_targets[o].map(|value| Level {
                    label: format!("target {}", outputs[o].name),
                    value,
                })
            })
            .collect(),
        markers: Vec::new(),
        observations: Vec::new(),
    }
}

fn markers(metrics: &[RegimenMetrics], threshold: f64) -> Vec<Marker> {
    let mut markers = Vec::new();
    for (i, m) in metrics.iter().enumerate() {
        let Some(o) = &m.observable else { continue };
        markers.push(Marker {
            label: " nadir".to_string(),
            colour: i,
            at: (o.nadir.time, o.nadir.value),
        });
        if let Some(t) = o.relapse_time {
            markers.push(Marker {
                label: format!(" relapse {t:.0}"),
                colour: i,
                at: (t, threshold),
            });
        }
    }
    markers
}

fn dose_marks(regimens: &[Regimen], state_names: &[String], t_end: f64) -> Vec<DoseMark> {
    let mut marks = Vec::new();
    for (i, regimen) in regimens.iter().enumerate() {
        let events = regimen.schedule();
        let stops: HashMap<usize, f64> = events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::InfusionStop { id } => Some((id, e.time)),
                _ => None,
            })
            .collect();
        for e in &events {
            let (target, end) = match e.kind {
                EventKind::Bolus { target, .. } => (target, None),
                EventKind::InfusionStart { id, target, .. } => {
                    (target, Some(stops.get(&id).copied().unwrap_or(t_end)))
                }
                EventKind::InfusionStop { .. } => continue,
            };
            if e.time <= t_end {
                marks.push(DoseMark {
                    row: format!("{} → {}", regimen.name, state_names[target]),
                    colour: i,
                    start: e.time,
                    end,
                });
            }
        }
    }
    marks
}

/// Renders `figure` into a fresh temporary directory as PNG or SVG; errors are fine.
fn draw(figure: &Figure, png: bool) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join(if png { "fuzz.png" } else { "fuzz.svg" });
    if relapse::plot::render(figure, &path).is_ok() {
        assert!(Path::new(&path).is_file(), "render returned Ok without a file");
    }
}

// ---------------------------------------------------------------------------------------------
// Target `figure`: arbitrary Figure data (any f64, empty curves, many marks) → SVG or PNG.
// ---------------------------------------------------------------------------------------------

/// Reads values from the fuzz input; past its end every read gives zero.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A number: half the time a raw bit pattern (NaN, ±inf, subnormals, ±1e308), else a
    /// "plausible" value from a small table scaled by a power of ten.
    fn number(&mut self) -> f64 {
        let tag = self.byte();
        if tag & 1 == 1 {
            let mut bits = [0u8; 8];
            bits.iter_mut().for_each(|b| *b = self.byte());
            f64::from_le_bytes(bits)
        } else {
            const BASE: [f64; 8] = [0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 7.0, -0.25];
            let exponent = i32::from(self.byte() % 64) - 32;
            BASE[usize::from(tag >> 1) % BASE.len()] * 10f64.powi(exponent)
        }
    }

    fn small(&mut self, below: u8) -> usize {
        usize::from(self.byte() % below)
    }

    fn label(&mut self) -> String {
        const WORDS: [&str; 6] = ["", "x", "tumour cells [cells]", "C → Ag", "ünïcödé ✓", "a|b\nc"];
        WORDS[self.small(WORDS.len() as u8)].to_string()
    }
}

fn arbitrary_panel(bytes: &mut Bytes<'_>) -> Panel {
    let flags = bytes.byte();
    let curves = (0..bytes.small(4))
        .map(|colour| Curve {
            label: bytes.label(),
            colour,
            points: (0..bytes.small(40))
                .map(|_| (bytes.number(), bytes.number()))
                .collect(),
        })
        .collect();
    let levels = (0..bytes.small(3))
        .map(|_| Level {
            label: bytes.label(),
            value: bytes.number(),
        })
        .collect();
    let markers = (0..bytes.small(3))
        .map(|colour| Marker {
            label: bytes.label(),
            colour,
            at: (bytes.number(), bytes.number()),
        })
        .collect();
    Panel {
        y_label: bytes.label(),
        log_y: flags & 1 == 1,
        curves,
        levels,
        markers,
        observations: Vec::new(),
    }
}

/// Decodes a [`Figure`] from `data` (small canvas) and renders it as SVG or PNG.
pub fn figure(data: &[u8]) {
    let (figure, png) = decode_figure(data);
    draw(&figure, png);
}

/// The [`Figure`] that `data` describes, and whether to draw it as PNG (else SVG).
pub fn decode_figure(data: &[u8]) -> (Figure, bool) {
    let mut bytes = Bytes(data);
    let flags = bytes.byte();
    let size = (
        MIN_CANVAS.0 + u32::from(bytes.byte()) * 2,
        MIN_CANVAS.1 + u32::from(bytes.byte()) * 2,
    );
    let t_end = bytes.number();
    let main = arbitrary_panel(&mut bytes);
    let exposure = (flags & 1 == 1).then(|| arbitrary_panel(&mut bytes));
    let doses = (0..bytes.small(16))
        .map(|colour| DoseMark {
            row: bytes.label(),
            colour,
            start: bytes.number(),
            end: (bytes.byte() & 1 == 1).then(|| bytes.number()),
        })
        .collect();
    let mut figure = Figure {
        title: bytes.label(),
        x_label: bytes.label(),
        t_end,
        main,
        exposure,
        panels: Vec::new(),
        doses,
        size,
    };
    // Decoded last, so that earlier inputs keep decoding to the figures they did before.
    figure.main.observations = (0..bytes.small(8))
        .map(|colour| Observation {
            time: bytes.number(),
            value: bytes.number(),
            bounds: (bytes.byte() & 1 == 1).then(|| (bytes.number(), bytes.number())),
            colour: (colour % 2 == 0).then_some(colour),
        })
        .collect();
    figure.panels = (0..bytes.small(3)).map(|_| arbitrary_panel(&mut bytes)).collect();
    (figure, flags & 2 == 2)
}

// ---------------------------------------------------------------------------------------------
// Target `cli_args`: argv (NUL-separated) → clap.
// ---------------------------------------------------------------------------------------------

/// Parses `relapse` followed by the NUL-separated arguments in `data` with the binary's clap
/// types, and renders the error (usage, help, version) when parsing fails.
pub fn cli_args(data: &[u8]) {
    let text = text(data);
    let argv = std::iter::once("relapse").chain(text.split('\0'));
    match args::Cli::try_parse_from(argv) {
        Ok(cli) => {
            let _ = format!("{cli:?}");
        }
        Err(e) => {
            let _ = e.render().to_string();
            let _ = e.use_stderr();
        }
    }
}
