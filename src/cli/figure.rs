//! `relapse plot` and `compare --plot`: from a model's traces and metrics to a [`Figure`].

use std::collections::HashMap;
use std::path::Path;

use relapse::export::RunProvenance;
use relapse::metrics::RegimenMetrics;
use relapse::model::{CompiledModel, Model, RelapseSpec, Trace};
use relapse::plot::{
    Curve, DoseMark, Figure, Layout, Level, Marker, Panel, PlotError, render_with_metadata, rug_row_count,
};
use relapse::regimen::{EventKind, Regimen};

use super::args::{FigureArgs, PlotArgs};
pub(crate) use super::figure_extras::{DEFAULT_SIZE, Extras, shown_time_unit};
use super::provenance::image_metadata;
use super::settings::RunSettings;
use super::simulate::{refuse_to_overwrite, report_warnings};
use super::{CliError, Prepared, prepare_with_provenance};

/// Uniform points per curve, on top of every step end and both sides of every dose.
pub(crate) const GRID_POINTS: usize = 1500;

pub(crate) fn run(args: &PlotArgs) -> Result<(), CliError> {
    let early = (
        args.figure.width.unwrap_or(DEFAULT_SIZE.0),
        args.figure.height.unwrap_or(DEFAULT_SIZE.1),
    );
    relapse::plot::check_canvas(early.0, early.1).map_err(usage)?;
    let _reserved = super::outputs::reserve_figure(&args.model, &args.out)?;
    let (
        Prepared {
            model,
            settings,
            compiled,
            regimens,
        },
        provenance,
    ) = prepare_with_provenance(
        &args.model,
        &args.solver,
        args.figure.outputs.as_deref().unwrap_or_default(),
    )?;
    let context = Context {
        model: &model,
        compiled: &compiled,
        settings: &settings,
        regimens: &regimens,
        provenance: &provenance,
    };
    // The minimum canvas depends on the figure's rows and panels, known before any solving.
    check_figure(&context, &args.figure)?;
    let mut metrics = Vec::new();
    if compiled.monitor.watchlist.observable.is_some() {
        for regimen in &regimens {
            let measured = compiled
                .measure(regimen, settings.t_end, &settings.options)
                .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
            report_warnings(&regimen.name, &measured.warnings, settings.options.method)?;
            metrics.push(measured.metrics);
        }
    }
    write_figure(&context, &args.figure, &metrics, (&args.out, &args.model))
}

/// What a figure is drawn from.
pub(crate) struct Context<'a> {
    pub(crate) model: &'a Model,
    pub(crate) compiled: &'a CompiledModel,
    pub(crate) settings: &'a RunSettings,
    pub(crate) regimens: &'a [Regimen],
    /// Embedded in the image's metadata.
    pub(crate) provenance: &'a RunProvenance,
}

/// Builds and writes the figure; `metrics` (one per regimen, or empty) place the markers.
pub(crate) fn write_figure(
    context: &Context<'_>,
    args: &FigureArgs,
    metrics: &[RegimenMetrics],
    (out, model_path): (&Path, &Path),
) -> Result<(), CliError> {
    refuse_to_overwrite(out, model_path)?;
    let figure = build_figure(context, args, metrics)?;
    let metadata = image_metadata(context.provenance.to_json());
    render_with_metadata(&figure, out, &metadata).map_err(plot_error)
}

/// The figure of `context`'s regimens: each is traced, `metrics` (one per regimen, or empty)
/// place the markers.
pub(crate) fn build_figure(
    context: &Context<'_>,
    args: &FigureArgs,
    metrics: &[RegimenMetrics],
) -> Result<Figure, CliError> {
    let extras = check_figure(context, args)?;
    let factor = extras.time_factor;
    let mut traces = traces(context, metrics.is_empty())?;
    for trace in &mut traces {
        trace.times.iter_mut().for_each(|t| *t *= factor);
    }
    let mut shown_metrics = metrics.to_vec();
    shown_metrics.iter_mut().for_each(|m| m.scale_time(factor));
    let mut figure = figure(context, args, &traces, &shown_metrics)?;
    extras.apply(context, &mut figure)?;
    Ok(figure)
}

/// Each regimen's trace for the figure (times in the model's unit); prints the solver warnings
/// if `report` (no measured runs reported them already).
fn traces(context: &Context<'_>, report: bool) -> Result<Vec<Trace>, CliError> {
    let mut traces = Vec::with_capacity(context.regimens.len());
    for regimen in context.regimens {
        let trace = context
            .compiled
            .trace(
                regimen,
                context.settings.t_end,
                &context.settings.options,
                GRID_POINTS,
            )
            .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
        // The same steps as the measured runs: their warnings were reported with the metrics.
        if report {
            report_warnings(&regimen.name, &trace.warnings, context.settings.options.method)?;
        }
        traces.push(trace);
    }
    Ok(traces)
}

/// A plot error as a usage error (format, canvas, time axis) or an I/O error.
pub(crate) fn plot_error(e: PlotError) -> CliError {
    match e {
        PlotError::UnknownFormat(_) | PlotError::Size(_) | PlotError::TimeAxis(_) => usage(e),
        other => CliError::Io(other.to_string()),
    }
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

/// Refuses a canvas outside the limits or too small for the figure's layout, unknown
/// `--outputs` and `--panels` series, an unknown time unit and bad `--data`, without solving
/// anything; returns what the figure adds to the curves.
pub(crate) fn check_figure(context: &Context<'_>, args: &FigureArgs) -> Result<Extras, CliError> {
    let selected = selected_outputs(context.model, args.outputs.as_deref())?;
    let extras = Extras::new(context.model, args, &selected)?;
    let layout = Layout {
        rug_rows: rug_row_count(&dose_marks(context, false)?),
        exposure: context.compiled.monitor.watchlist.observable.is_some() && !selected.is_empty(),
        panels: extras.specs.len(),
    };
    layout.check(extras.size).map_err(usage)?;
    Ok(extras)
}

fn with_unit(name: &str, unit: Option<&str>) -> String {
    unit.map_or_else(|| name.to_string(), |u| format!("{name} [{u}]"))
}

fn column(trace: &Trace, index: usize) -> Vec<(f64, f64)> {
    trace
        .times
        .iter()
        .zip(&trace.rows)
        .map(|(&t, row)| (t, row[index]))
        .collect()
}

fn figure(
    context: &Context<'_>,
    args: &FigureArgs,
    traces: &[Trace],
    metrics: &[RegimenMetrics],
) -> Result<Figure, CliError> {
    let model = context.model;
    let selected = selected_outputs(model, args.outputs.as_deref())?;
    let log_y = !args.linear_y;
    let (main, exposure) = match &context.compiled.monitor.watchlist.observable {
        Some(observable) => {
            let obs_column = model.outputs.len();
            let curves = context
                .regimens
                .iter()
                .zip(traces)
                .enumerate()
                .map(|(i, (r, trace))| Curve {
                    label: legend_name(r),
                    colour: i,
                    points: column(trace, obs_column),
                })
                .collect();
            let spec = model.relapse.as_ref();
            let mut levels = vec![Level {
                label: spec
                    .map_or(RelapseSpec::DEFAULT_THRESHOLD_LABEL, RelapseSpec::threshold_label)
                    .to_string(),
                value: observable.threshold,
            }];
            if let Some(limit) = observable.detection_limit {
                levels.push(Level {
                    label: spec
                        .map_or(RelapseSpec::DEFAULT_DETECTION_LABEL, RelapseSpec::detection_label)
                        .to_string(),
                    value: limit,
                });
            }
            let main = Panel {
                observations: Vec::new(),
                y_label: with_unit(&observable.name, observable.unit.as_deref()),
                log_y,
                curves,
                levels,
                markers: markers(metrics, observable.threshold, shown_time_unit(model, args)),
            };
            let exposure = (!selected.is_empty()).then(|| output_panel(context, traces, &selected, false));
            (main, exposure)
        }
        // Concentrations read better on a linear axis unless asked otherwise.
        None => (output_panel(context, traces, &selected, args.log_y), None),
    };
    Ok(Figure {
        title: args
            .title
            .clone()
            .or_else(|| model.title.clone())
            .unwrap_or_else(|| model.name.clone()),
        x_label: with_unit("time", shown_time_unit(model, args)),
        t_end: context.settings.t_end,
        main,
        exposure,
        panels: Vec::new(),
        doses: dose_marks(context, true)?,
        size: DEFAULT_SIZE,
    })
}

/// Output indices to draw: the named ones, else the exposure outputs, else (for a model
/// without [relapse]) every output.
pub(crate) fn selected_outputs(model: &Model, names: Option<&[String]>) -> Result<Vec<usize>, CliError> {
    match names {
        Some(names) => names
            .iter()
            .map(|n| {
                model
                    .outputs
                    .iter()
                    .position(|o| &o.name == n)
                    .ok_or_else(|| super::simulate::unknown_series("output", n, model))
            })
            .collect(),
        None => {
            let exposures: Vec<usize> = model
                .outputs
                .iter()
                .enumerate()
                .filter(|(_, o)| o.exposure)
                .map(|(i, _)| i)
                .collect();
            if exposures.is_empty() && model.relapse.is_none() {
                Ok((0..model.outputs.len()).collect())
            } else {
                Ok(exposures)
            }
        }
    }
}

fn output_panel(context: &Context<'_>, traces: &[Trace], selected: &[usize], log_y: bool) -> Panel {
    let outputs = &context.model.outputs;
    let mut curves = Vec::new();
    for (i, (regimen, trace)) in context.regimens.iter().zip(traces).enumerate() {
        for (k, &o) in selected.iter().enumerate() {
            let label = if selected.len() == 1 {
                legend_name(regimen)
            } else {
                format!("{}: {}", legend_name(regimen), outputs[o].name)
            };
            curves.push(Curve {
                label,
                colour: i * selected.len() + k,
                points: column(trace, o),
            });
        }
    }
    let units: Vec<Option<&str>> = selected.iter().map(|&o| outputs[o].unit.as_deref()).collect();
    let names: Vec<&str> = selected.iter().map(|&o| outputs[o].name.as_str()).collect();
    // A unit on the axis only if every curve has it.
    let unit = units
        .first()
        .copied()
        .flatten()
        .filter(|u| units.iter().all(|v| *v == Some(*u)));
    Panel {
        y_label: with_unit(&names.join(", "), unit),
        log_y,
        curves,
        levels: selected
            .iter()
            .filter_map(|&o| {
                context.compiled.monitor.output_targets[o].map(|t| Level {
                    label: format!("target {}", outputs[o].name),
                    value: t,
                })
            })
            .collect(),
        markers: Vec::new(),
        observations: Vec::new(),
    }
}

/// A regimen as the legend names it: its `title`, else its name.
fn legend_name(regimen: &Regimen) -> String {
    regimen.title.clone().unwrap_or_else(|| regimen.name.clone())
}

fn markers(metrics: &[RegimenMetrics], threshold: f64, time_unit: Option<&str>) -> Vec<Marker> {
    let unit = time_unit.map(|u| format!(" {u}")).unwrap_or_default();
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
                label: format!(" relapse {t:.0}{unit}"),
                colour: i,
                at: (t, threshold),
            });
        }
    }
    markers
}

/// One mark per administration up to t_end; an infusion's bar ends at its stop (or at t_end).
/// Only administrations up to t_end are expanded (a `count` of 1e9 must not be stored).
/// With `only_given`, an adaptive regimen is run to leave out the administrations it skipped.
fn dose_marks(context: &Context<'_>, only_given: bool) -> Result<Vec<DoseMark>, CliError> {
    let names = &context.compiled.state_names;
    let mut marks = Vec::new();
    for (i, regimen) in context.regimens.iter().enumerate() {
        let events = regimen
            .schedule_until(context.settings.t_end)
            .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
        // One pass for all stops: searching the schedule per infusion was quadratic.
        let stops: HashMap<usize, f64> = events
            .iter()
            .filter_map(|s| match s.kind {
                EventKind::InfusionStop { id } => Some((id, s.time)),
                _ => None,
            })
            .collect();
        let given = match &regimen.adaptive {
            Some(_) if only_given => Some(given_administrations(context, regimen)?),
            _ => None,
        };
        for e in &events {
            if given
                .as_ref()
                .is_some_and(|g| !g.contains(&(e.dose, e.time.to_bits())))
            {
                continue;
            }
            let (target, end) = match e.kind {
                EventKind::Bolus { target, .. } => (target, None),
                EventKind::InfusionStart { id, target, .. } => (
                    target,
                    Some(stops.get(&id).copied().unwrap_or(context.settings.t_end)),
                ),
                EventKind::InfusionStop { .. } => continue,
            };
            if e.time <= context.settings.t_end {
                marks.push(DoseMark {
                    row: format!("{} → {}", regimen.name, names[target]),
                    colour: i,
                    start: e.time,
                    end,
                });
            }
        }
    }
    Ok(marks)
}

/// The (dose line, time) of every administration an adaptive regimen gave.
fn given_administrations(
    context: &Context<'_>,
    regimen: &Regimen,
) -> Result<std::collections::HashSet<(usize, u64)>, CliError> {
    let measured = context
        .compiled
        .measure(regimen, context.settings.t_end, &context.settings.options)
        .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
    Ok(measured
        .metrics
        .dosing
        .given_at
        .iter()
        .map(|&(t, dose)| (dose, t.to_bits()))
        .collect())
}

#[cfg(test)]
#[path = "figure_tests.rs"]
mod tests;
