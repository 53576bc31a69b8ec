//! `relapse compare`: metrics per regimen as a table, Markdown, CSV or JSON.

use std::path::Path;

use relapse::export::{MetricsFormat, MetricsReport, render_metrics_with};
use relapse::metrics::set_delays;

use super::args::{CompareArgs, FigureArgs};
use super::figure::{Context, check_figure, write_figure};
use super::outputs::{self, Output};
use super::overrides::{annotate, regimen_overrides};
use super::simulate::report_warnings;
use super::{CliError, Prepared, prepare_with_provenance};

pub(crate) fn run(args: &CompareArgs) -> Result<(), CliError> {
    let planned: Vec<Output<'_>> = (args
        .plot
        .iter()
        .map(|path| Output::Figure { flag: "--plot", path }))
    .chain(args.cycle_nadirs.iter().map(|path| Output::Data {
        flag: "--cycle-nadirs",
        path,
    }))
    .chain(args.out.iter().map(|path| Output::Data { flag: "--out", path }))
    .collect();
    let mut reserved = outputs::reserve(&args.model, &planned)?;
    // The data outputs are planned last; a figure's reservation is held until the end.
    let out = if args.out.is_some() { reserved.pop() } else { None };
    let nadirs_out = if args.cycle_nadirs.is_some() {
        reserved.pop()
    } else {
        None
    };
    let (
        Prepared {
            model,
            settings,
            compiled,
            regimens,
        },
        provenance,
    ) = prepare_with_provenance(&args.model, &args.solver, &[])?;
    let watchlist = &compiled.monitor.watchlist;
    if args.cycle_nadirs.is_some() && watchlist.observable.is_none() {
        return Err(CliError::Usage(format!(
            "`--cycle-nadirs`: `{}` has no [relapse] observable to take nadirs of",
            args.model.display()
        )));
    }
    if watchlist.observable.is_none() && watchlist.exposures.is_empty() {
        return Err(CliError::Usage(format!(
            "`{}` has no [relapse] section and no output with `exposure = true`: nothing to compare",
            args.model.display()
        )));
    }
    let baseline = match &args.baseline {
        None => 0,
        Some(name) => regimens.iter().position(|r| &r.name == name).ok_or_else(|| {
            CliError::Usage(format!(
                "`--baseline {name}` is not among the regimens being compared"
            ))
        })?,
    };
    let context = Context {
        model: &model,
        compiled: &compiled,
        settings: &settings,
        regimens: &regimens,
        provenance: &provenance,
    };
    let figure_args = FigureArgs {
        time_unit: args.time_unit,
        panels: args.panels.clone(),
        data: args.data.clone(),
        ..FigureArgs::default()
    };
    // Checked before any solving: the unit, and a figure too small for its rug and panels.
    let time_factor = match args.time_unit {
        Some(unit) => relapse::units::conversion(model.time_unit.as_deref(), unit.into())
            .map_err(|e| CliError::Usage(format!("`--time-unit`: {e}")))?,
        None => 1.0,
    };
    if args.plot.is_some() {
        check_figure(&context, &figure_args)?;
    }
    let mut results = Vec::with_capacity(regimens.len());
    for regimen in &regimens {
        let measured = compiled
            .measure(regimen, settings.t_end, &settings.options)
            .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
        report_warnings(&regimen.name, &measured.warnings, settings.options.method)?;
        results.push(measured.metrics);
    }
    set_delays(&mut results, baseline);
    if let Some(plot) = &args.plot {
        write_figure(&context, &figure_args, &results, (plot, &args.model))?;
    }
    // Tables, CSV and JSON alike show times (and time integrals) in the shown unit.
    results.iter_mut().for_each(|m| m.scale_time(time_factor));
    let report = MetricsReport {
        model: &model.name,
        t_end: settings.t_end * time_factor,
        baseline: &regimens[baseline].name,
        time_unit: match args.time_unit {
            Some(unit) => Some(relapse::units::TimeUnit::from(unit).name()),
            None => model.time_unit.as_deref(),
        },
        watchlist,
        regimens: &results,
    };
    let format = args
        .format
        .map(Into::into)
        .unwrap_or_else(|| format_from_extension(args.out.as_deref()));
    let overrides: Vec<(String, Vec<(String, f64)>)> = regimens
        .iter()
        .map(|r| (r.name.clone(), regimen_overrides(&model, &compiled, r)))
        .collect();
    let text = annotate(
        render_metrics_with(&report, format, Some(&provenance)),
        format,
        &overrides,
    );
    if let Some(file) = nadirs_out {
        file.write(relapse::export::cycle_nadirs_csv(&results).as_bytes())?;
    }
    outputs::write_or_print(out, text.as_bytes())
}

fn format_from_extension(out: Option<&Path>) -> MetricsFormat {
    match out.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some("md" | "markdown") => MetricsFormat::Markdown,
        Some("csv") => MetricsFormat::Csv,
        Some("json") => MetricsFormat::Json,
        _ => MetricsFormat::Table,
    }
}
