//! Extra figure panels (`--panels`, `[plot] panels`): parsing the flag, checking the names,
//! and drawing any output, state or derived value of each regimen. The series are traced by a
//! copy of the model whose outputs are exactly the series, so states and derived values need
//! no separate machinery.

use relapse::model::{AxisScale, MAX_PANELS, MAX_SERIES, Model, PanelSpec, Trace};
use relapse::plot::{Curve, Panel};

use super::CliError;
use super::figure::{Context, GRID_POINTS};

/// Parses one `--panels` value: `A,B` or `A,B:log` / `A,B:linear`; names are checked against
/// `model` (outputs, states, derived values), with a suggestion for a misspelt one.
pub(crate) fn parse_flag(text: &str, model: &Model) -> Result<PanelSpec, CliError> {
    let usage = |message: String| CliError::Usage(format!("`--panels {text}`: {message}"));
    let (names, scale) = match text.rsplit_once(':') {
        Some((names, scale)) => {
            let scale = AxisScale::parse(scale.trim()).ok_or_else(|| {
                usage(format!(
                    "unknown scale `{scale}`; write `:log` or `:linear` after the names"
                ))
            })?;
            (names, scale)
        }
        None => (text, AxisScale::default()),
    };
    let series: Vec<String> = names.split(',').map(|n| n.trim().to_string()).collect();
    if series.iter().any(String::is_empty) {
        return Err(usage(
            "an empty series name; separate names with single commas, e.g. `S,P,R:log`".into(),
        ));
    }
    if series.len() > MAX_SERIES {
        return Err(usage(format!(
            "{} series, at most {MAX_SERIES} per panel; split them over panels",
            series.len()
        )));
    }
    let unknown: Vec<String> = series
        .iter()
        .filter(|n| model.series_source(n).is_none())
        .map(|n| {
            let hint = relapse::suggest::closest(n, model.series_names())
                .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
            format!("`{n}`{hint}")
        })
        .collect();
    if !unknown.is_empty() {
        return Err(usage(format!(
            "unknown series {}; a series is an output, state or derived value: {}",
            unknown.join(", "),
            model.series_names().join(", ")
        )));
    }
    Ok(PanelSpec {
        series,
        scale,
        title: None,
    })
}

/// The panels to draw: the `--panels` flags if any, else the model's `[plot] panels`.
pub(crate) fn specs(model: &Model, flags: &[String]) -> Result<Vec<PanelSpec>, CliError> {
    if flags.is_empty() {
        return Ok(model.plot.as_ref().map(|p| p.panels.clone()).unwrap_or_default());
    }
    if flags.len() > MAX_PANELS {
        return Err(CliError::Usage(format!(
            "{} `--panels`, at most {MAX_PANELS}: put several series in one panel, e.g. `--panels S,P,R:log`",
            flags.len()
        )));
    }
    flags.iter().map(|f| parse_flag(f, model)).collect()
}

/// The distinct series of `specs`, in order of first appearance.
fn distinct_series(specs: &[PanelSpec]) -> Vec<&str> {
    let mut all: Vec<&str> = Vec::new();
    for name in specs.iter().flat_map(|s| &s.series) {
        if !all.contains(&name.as_str()) {
            all.push(name);
        }
    }
    all
}

/// `model` with its outputs replaced by `series` (and no relapse, exposure or population
/// sections, which a panel does not need).
fn series_model(model: &Model, series: &[&str]) -> Result<Model, CliError> {
    let outputs = series
        .iter()
        .map(|&name| {
            model
                .series_output(name)
                .ok_or_else(|| CliError::Usage(format!("unknown series `{name}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut copy = model.clone();
    copy.outputs = outputs;
    copy.relapse = None;
    copy.population = None;
    Ok(copy)
}

/// One trace per regimen with the values of every series of `specs` (columns in
/// [`distinct_series`] order), and the units of the series.
fn series_traces(
    context: &Context<'_>,
    specs: &[PanelSpec],
) -> Result<(Vec<Trace>, Vec<Option<String>>), CliError> {
    let series = distinct_series(specs);
    let model = series_model(context.model, &series)?;
    let compiled = model.compile(&context.settings.overrides).map_err(|_| {
        CliError::Usage("the panel series cannot be compiled with these `--set` values".into())
    })?;
    let mut traces = Vec::with_capacity(context.regimens.len());
    for regimen in context.regimens {
        let trace = compiled
            .trace(
                regimen,
                context.settings.t_end,
                &context.settings.options,
                GRID_POINTS,
            )
            .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
        traces.push(trace);
    }
    Ok((traces, model.outputs.into_iter().map(|o| o.unit).collect()))
}

/// The extra panels of `specs`, one curve per regimen and series; times multiplied by
/// `time_factor` (the shown time unit).
pub(crate) fn panels(
    context: &Context<'_>,
    specs: &[PanelSpec],
    time_factor: f64,
) -> Result<Vec<Panel>, CliError> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let (traces, units) = series_traces(context, specs)?;
    let series = distinct_series(specs);
    Ok(specs
        .iter()
        .map(|spec| panel(context, spec, (&traces, &series, &units), time_factor))
        .collect())
}

type Columns<'a> = (&'a [Trace], &'a [&'a str], &'a [Option<String>]);

fn panel(
    context: &Context<'_>,
    spec: &PanelSpec,
    (traces, series, units): Columns<'_>,
    time_factor: f64,
) -> Panel {
    let columns: Vec<usize> = spec
        .series
        .iter()
        .map(|n| series.iter().position(|s| s == n).unwrap_or(0))
        .collect();
    let n = columns.len();
    let mut curves = Vec::with_capacity(context.regimens.len() * n);
    for (i, (regimen, trace)) in context.regimens.iter().zip(traces).enumerate() {
        for (k, &column) in columns.iter().enumerate() {
            // As in the main panel's legend: the regimen's title when it has one.
            let name = regimen.title.as_ref().unwrap_or(&regimen.name);
            let label = if n == 1 {
                name.clone()
            } else {
                format!("{name}: {}", series[column])
            };
            let points = trace
                .times
                .iter()
                .zip(&trace.rows)
                .map(|(&t, row)| (t * time_factor, row[column]));
            curves.push(Curve {
                label,
                colour: i * n + k,
                points: points.collect(),
            });
        }
    }
    Panel {
        y_label: spec
            .title
            .clone()
            .unwrap_or_else(|| axis_title(&spec.series, &columns, units)),
        log_y: spec.scale == AxisScale::Log,
        curves,
        ..Panel::default()
    }
}

/// The series names, with their unit when all share one: `S, P, R [cells]`.
fn axis_title(names: &[String], columns: &[usize], units: &[Option<String>]) -> String {
    let first = columns.first().and_then(|&c| units[c].as_deref());
    let common = first.filter(|u| columns.iter().all(|&c| units[c].as_deref() == Some(*u)));
    let names = names.join(", ");
    common.map_or_else(|| names.clone(), |u| format!("{names} [{u}]"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::SolverArgs;
    use crate::cli::observed::{Targets, attach};
    use crate::cli::settings;
    use relapse::observed::read_observations;
    use relapse::plot::Figure;

    /// x' = −k·x, x(0) = 1: x = e^(−k·t) (closed form); y = 2·x is derived, z = x an output.
    const DECAY: &str = "[model]\nname = \"decay\"\ntime_unit = \"hour\"\n[parameters]\nk = 0.1\n\
        [states]\nx = { initial = 1.0, unit = \"mg\" }\n[derived]\ny = \"2 * x\"\n[equations]\nx = \"-k * x\"\n\
        [outputs]\nz = { expr = \"x\", unit = \"mg\" }\n[solver]\nrtol = 1e-10\natol = 1e-14\nt_end = 24\n";

    fn with_context(f: impl FnOnce(&Context<'_>)) {
        let model = relapse::model::load(DECAY).unwrap();
        let settings = settings::resolve(&model, &SolverArgs::default()).unwrap();
        let compiled = model.compile(&settings.overrides).unwrap();
        let regimens = compiled.regimens.clone();
        let provenance = crate::cli::provenance::run_provenance(DECAY, &settings, &compiled);
        f(&Context {
            model: &model,
            compiled: &compiled,
            settings: &settings,
            regimens: &regimens,
            provenance: &provenance,
        });
    }

    /// Each panel has one curve per regimen and series, on the shown time axis (hours → days),
    /// with the values of the closed form to the solver's tolerance (rtol 1e-10; 1e-8 allows
    /// for the dense-output interpolation between steps).
    #[test]
    fn panels_hold_the_requested_series() {
        with_context(|context| {
            let specs = [
                parse_flag("x,y:log", context.model).unwrap(),
                parse_flag("z", context.model).unwrap(),
            ];
            let panels = panels(context, &specs, 1.0 / 24.0).unwrap();
            assert_eq!(panels.len(), 2);
            let labels: Vec<&str> = panels[0].curves.iter().map(|c| c.label.as_str()).collect();
            assert_eq!(labels, ["untreated: x", "untreated: y"]);
            assert!(panels[0].log_y && !panels[1].log_y);
            assert_eq!(panels[0].y_label, "x, y");
            assert_eq!(panels[1].y_label, "z [mg]");
            for (curve, factor) in [
                (&panels[0].curves[0], 1.0),
                (&panels[0].curves[1], 2.0),
                (&panels[1].curves[0], 1.0),
            ] {
                let last = curve.points.last().unwrap();
                assert!((last.0 - 1.0).abs() < 1e-12, "24 h is 1 day: {last:?}");
                for &(day, value) in &curve.points {
                    let exact = factor * (-0.1 * day * 24.0_f64).exp();
                    assert!(
                        (value - exact).abs() <= 1e-8 * exact,
                        "{} at {day}: {value} vs {exact}",
                        curve.label
                    );
                }
            }
        });
    }

    #[test]
    fn flags_are_checked_against_the_model() {
        with_context(|context| {
            let e = parse_flag("x,yy", context.model).unwrap_err().to_string();
            assert!(e.contains("unknown series `yy` (did you mean `y`?)"), "{e}");
            assert!(parse_flag("x,,y", context.model).is_err());
            assert!(parse_flag("x:loglog", context.model).is_err());
            let nine = ["x"; 9].join(",");
            assert!(
                parse_flag(&nine, context.model)
                    .unwrap_err()
                    .to_string()
                    .contains("at most 8")
            );
        });
    }

    /// Rows go to the panel of their `output` (none: the main panel), at the shown time, in
    /// their regimen's colour (none: neutral); rows of regimens not plotted are left out.
    #[test]
    #[allow(clippy::float_cmp)]
    fn observations_go_to_their_panels() {
        with_context(|context| {
            let specs = [parse_flag("x", context.model).unwrap()];
            let targets = Targets::new(context.model, &[0], &specs);
            let rows =
                read_observations("time,value,regimen,output\n12,0.3,untreated,\n24,0.1,,x\n6,1,other,\n")
                    .unwrap();
            let mut figure = Figure {
                title: String::new(),
                x_label: String::new(),
                t_end: 1.0,
                main: relapse::plot::Panel::default(),
                exposure: None,
                panels: vec![relapse::plot::Panel::default()],
                doses: Vec::new(),
                size: (1200, 750),
            };
            attach(&mut figure, &rows, &targets, (context.regimens, 1.0 / 24.0));
            let main = &figure.main.observations;
            assert_eq!(main.len(), 1);
            assert_eq!((main[0].time, main[0].value, main[0].colour), (0.5, 0.3, Some(0)));
            let extra = &figure.panels[0].observations;
            assert_eq!((extra[0].time, extra[0].value, extra[0].colour), (1.0, 0.1, None));
        });
    }
}
