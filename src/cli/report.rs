//! `relapse report`: one self-contained HTML file with the model's figures, the regimen
//! comparison, the regimens in words, the parameters, the solver settings and the provenance.

use relapse::export::{MetricsReport, RunProvenance, format_float, metrics_table};
use relapse::metrics::{RegimenMetrics, set_delays};
use relapse::model::Model;
use relapse::plot::render_svg_string;
use relapse::regimen::Regimen;
use relapse::report::{
    ComparisonTable, DoseContext, ParameterRow, RegimenText, Report, ReportFigure, dose_in_words, render_html,
};

use super::args::ReportArgs;
use super::figure::{Context, DEFAULT_SIZE, build_figure, check_figure, plot_error};
use super::outputs::{self, Output};
use super::provenance::image_metadata;
use super::settings::RunSettings;
use super::simulate::report_warnings;
use super::{CliError, Prepared, prepare_with_provenance};

pub(crate) fn run(args: &ReportArgs) -> Result<(), CliError> {
    let early = (
        args.figure.width.unwrap_or(DEFAULT_SIZE.0),
        args.figure.height.unwrap_or(DEFAULT_SIZE.1),
    );
    relapse::plot::check_canvas(early.0, early.1).map_err(|e| CliError::Usage(e.to_string()))?;
    let planned = [Output::Data {
        flag: "--out",
        path: &args.out,
    }];
    let out = outputs::reserve(&args.model, &planned)?.pop();
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
    check_figure(&context, &args.figure)?;
    let shown = shown_time(&model, args)?;
    let baseline = baseline_index(args, &regimens)?;
    let watchlist = &compiled.monitor.watchlist;
    let comparable = watchlist.observable.is_some() || !watchlist.exposures.is_empty();
    let mut metrics = Vec::new();
    if comparable {
        for regimen in &regimens {
            let measured = compiled
                .measure(regimen, settings.t_end, &settings.options)
                .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
            report_warnings(&regimen.name, &measured.warnings, settings.options.method)?;
            metrics.push(measured.metrics);
        }
        set_delays(&mut metrics, baseline);
    }
    let figure = build_figure(&context, &args.figure, &metrics)?;
    let svg = render_svg_string(&figure, &image_metadata(provenance.to_json())).map_err(plot_error)?;
    // The table shows times (and time integrals) in the shown unit, as `compare` does.
    metrics.iter_mut().for_each(|m| m.scale_time(shown.0));
    let comparison = comparable.then(|| comparison(&context, &metrics, baseline, shown));
    let report = Report {
        title: figure.title.clone(),
        model_name: model.name.clone(),
        description: model.description.clone(),
        figures: vec![ReportFigure {
            svg,
            caption: caption(&model, &regimens),
        }],
        comparison,
        regimens: regimen_texts(&context),
        parameters: parameter_rows(&model, &settings),
        solver: solver_rows(&context),
        provenance: provenance_rows(&provenance),
    };
    outputs::write_or_print(out, render_html(&report).as_bytes())
}

fn baseline_index(args: &ReportArgs, regimens: &[Regimen]) -> Result<usize, CliError> {
    match &args.baseline {
        None => Ok(0),
        Some(name) => regimens.iter().position(|r| &r.name == name).ok_or_else(|| {
            CliError::Usage(format!(
                "`--baseline {name}` is not among the regimens in the report"
            ))
        }),
    }
}

/// The factor from model time to the shown time (`--time-unit`), and the shown unit's name.
fn shown_time<'a>(model: &'a Model, args: &ReportArgs) -> Result<(f64, Option<&'a str>), CliError> {
    match args.figure.time_unit {
        Some(unit) => {
            let factor = relapse::units::conversion(model.time_unit.as_deref(), unit.into())
                .map_err(|e| CliError::Usage(format!("`--time-unit`: {e}")))?;
            Ok((factor, Some(relapse::units::TimeUnit::from(unit).name())))
        }
        None => Ok((1.0, model.time_unit.as_deref())),
    }
}

fn comparison(
    context: &Context<'_>,
    metrics: &[RegimenMetrics],
    baseline: usize,
    (factor, time_unit): (f64, Option<&str>),
) -> ComparisonTable {
    let report = MetricsReport {
        model: &context.model.name,
        t_end: context.settings.t_end * factor,
        baseline: &context.regimens[baseline].name,
        time_unit,
        watchlist: &context.compiled.monitor.watchlist,
        regimens: metrics,
    };
    let (header, rows) = metrics_table(&report);
    ComparisonTable {
        baseline: context.regimens[baseline].name.clone(),
        header,
        rows,
    }
}

fn caption(model: &Model, regimens: &[Regimen]) -> String {
    let names: Vec<&str> = regimens
        .iter()
        .map(|r| r.title.as_deref().unwrap_or(&r.name))
        .collect();
    let what = if model.relapse.is_some() {
        "Relapse curves with the dose rug and exposure"
    } else {
        "Outputs with the dose rug"
    };
    format!("{what}: {}.", names.join("; "))
}

fn regimen_texts(context: &Context<'_>) -> Vec<RegimenText> {
    let model = context.model;
    context
        .regimens
        .iter()
        .map(|regimen| RegimenText {
            name: regimen.name.clone(),
            title: regimen.title.clone(),
            doses: regimen
                .doses
                .iter()
                .map(|dose| {
                    let state = model.states.get(dose.target);
                    let target = context
                        .compiled
                        .state_names
                        .get(dose.target)
                        .map_or("?", String::as_str);
                    dose_in_words(
                        dose,
                        DoseContext {
                            target,
                            amount_unit: state.and_then(|s| s.unit.as_deref()),
                            time_unit: model.time_unit.as_deref(),
                        },
                    )
                })
                .collect(),
        })
        .collect()
}

fn parameter_rows(model: &Model, settings: &RunSettings) -> Vec<ParameterRow> {
    model
        .parameters
        .iter()
        .map(|p| {
            let set = settings.overrides.iter().rev().find(|o| o.name == p.name);
            ParameterRow {
                name: p.name.clone(),
                value: set.map_or(p.value, |o| o.value),
                file_value: set.map(|_| p.value),
                unit: p.unit.clone(),
                description: p.description.clone(),
                source: p.source.clone(),
            }
        })
        .collect()
}

fn solver_rows(context: &Context<'_>) -> Vec<(String, String)> {
    let options = &context.settings.options;
    let unit = context
        .model
        .time_unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let atol = match options.atol.split_first() {
        Some((first, rest)) if rest.iter().all(|a| a == first) => {
            format!("{} (every state)", format_float(*first))
        }
        _ => context
            .compiled
            .state_names
            .iter()
            .zip(&options.atol)
            .map(|(s, a)| format!("{s}: {}", format_float(*a)))
            .collect::<Vec<_>>()
            .join(", "),
    };
    vec![
        ("method".to_string(), options.method.name().to_string()),
        ("rtol".to_string(), format_float(options.rtol)),
        ("atol".to_string(), atol),
        ("max steps per run".to_string(), options.max_steps.to_string()),
        (
            "end time".to_string(),
            format!("{}{unit}", format_float(context.settings.t_end)),
        ),
    ]
}

fn provenance_rows(provenance: &RunProvenance) -> Vec<(String, String)> {
    let overrides = if provenance.overrides.is_empty() {
        "none".to_string()
    } else {
        provenance
            .overrides
            .iter()
            .map(|(name, value)| format!("{name}={}", format_float(*value)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        ("relapse version".to_string(), provenance.relapse_version.clone()),
        ("model file SHA-256".to_string(), provenance.model_sha256.clone()),
        ("--set overrides".to_string(), overrides),
        ("date".to_string(), super::clock::utc_now()),
        ("command line".to_string(), super::clock::command_line()),
    ]
}
