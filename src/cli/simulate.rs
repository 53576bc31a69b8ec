//! `relapse simulate`: run regimens and write outputs as CSV.

use std::io::Write;

use relapse::export::TrajectoryWriter;
use relapse::model::{CompiledModel, Model, StreamError};
use relapse::regimen::Regimen;
use relapse::solve::SolverWarning;

use super::args::SimulateArgs;
use super::outputs::{self, Output};
use super::settings::{Grid, RunSettings};
use super::{CliError, Prepared, console, prepare};

pub(crate) use super::outputs::refuse_to_overwrite;

pub(crate) fn run(args: &SimulateArgs) -> Result<(), CliError> {
    let planned: Vec<Output<'_>> = args
        .out
        .iter()
        .map(|path| Output::Data { flag: "--out", path })
        .collect();
    let out = outputs::reserve(&args.model, &planned)?.pop();
    let Prepared {
        model,
        settings,
        compiled,
        regimens,
    } = prepare(
        &args.model,
        &args.solver,
        args.outputs.as_deref().unwrap_or_default(),
    )?;
    let columns = select_columns(&model, &compiled, args.outputs.as_deref())?;
    let names: Vec<String> = columns
        .iter()
        .map(|&i| compiled.output_names[i].clone())
        .collect();
    let output_times = settings.output_grid()?;
    // Rows go out as the integrator reaches them into the reserved temporary file (dropped, so
    // removed, if the run fails); standard output gets them only once every regimen has run.
    let (sink, target) = outputs::stream(out)?;
    let mut csv = TrajectoryWriter::new(target, &names).map_err(|e| sink.error(&e.into()))?;
    for regimen in &regimens {
        let run = Run {
            compiled: &compiled,
            regimen,
            settings: &settings,
            output_times: output_times.clone(),
            columns: &columns,
        };
        run.write(&mut csv, args.stats).map_err(|e| e.into_cli(&sink))?;
    }
    let target = csv.finish().map_err(|e| sink.error(&e.into()))?;
    sink.finish(target)
}

/// One regimen's run, written as it goes.
struct Run<'a> {
    compiled: &'a CompiledModel,
    regimen: &'a Regimen,
    settings: &'a RunSettings,
    output_times: Grid<'a>,
    columns: &'a [usize],
}

impl Run<'_> {
    fn write<W: Write>(&self, csv: &mut TrajectoryWriter<W>, print_stats: bool) -> Result<(), RunError> {
        let name = &self.regimen.name;
        let summary = self
            .compiled
            .simulate_rows_over(
                self.regimen,
                (self.settings.t_end, self.output_times.clone()),
                (&self.settings.options, self.columns),
                |t, row| csv.row(name, t, row),
            )
            .map_err(|e| match e {
                StreamError::Consumer(e) => RunError::Write(e.into()),
                other => RunError::Cli(CliError::Solver(format!("regimen `{name}`: {other}"))),
            })?;
        report_warnings(name, &summary.warnings, self.settings.options.method).map_err(RunError::Cli)?;
        if print_stats {
            let s = summary.stats;
            console::stderr(&format!(
                "stats: regimen `{}`: {} accepted steps, {} rejected, {} RHS evaluations, {} segments, {} doses{}\n",
                name,
                s.accepted_steps,
                s.rejected_steps,
                s.rhs_evaluations,
                s.segments,
                self.regimen.administrations_until(self.settings.t_end),
                implicit_stats(&s)
            ))
            .map_err(RunError::Cli)?;
            if s.steady_state_iterations > 0 {
                console::stderr(&format!(
                    "stats: regimen `{name}`: steady state found in {} iterations\n",
                    s.steady_state_iterations
                ))
                .map_err(RunError::Cli)?;
            }
        }
        Ok(())
    }
}

/// A failed regimen run: the solve or a message (already a CLI error), or writing the CSV.
enum RunError {
    Cli(CliError),
    Write(std::io::Error),
}

impl RunError {
    fn into_cli(self, sink: &outputs::Stream<'_>) -> CliError {
        match self {
            Self::Cli(e) => e,
            Self::Write(e) => sink.error(&e),
        }
    }
}

/// The stiff method's share of the work, if it took any steps or the run could switch.
fn implicit_stats(s: &relapse::solve::SolverStats) -> String {
    if s.implicit_steps == 0 && s.method_switches == 0 {
        return String::new();
    }
    format!(
        "; {} explicit and {} Rosenbrock steps, {} switches, {} Jacobian evaluations, {} LU factorisations",
        s.accepted_steps - s.implicit_steps,
        s.implicit_steps,
        s.method_switches,
        s.jacobian_evaluations,
        s.factorisations
    )
}

/// Prints solver warnings of one regimen run (made with `method`) to stderr.
pub(crate) fn report_warnings(
    regimen: &str,
    warnings: &[SolverWarning],
    method: relapse::solve::Method,
) -> Result<(), CliError> {
    for warning in warnings {
        console::stderr(&format!(
            "warning: regimen `{regimen}`: {}\n",
            warning.describe(method)
        ))?;
    }
    Ok(())
}

/// The regimens named on the command line (all of the model's when none are named).
pub(crate) fn select_regimens(compiled: &CompiledModel, names: &[String]) -> Result<Vec<Regimen>, CliError> {
    let available = &compiled.regimens;
    if names.is_empty() {
        return Ok(available.clone());
    }
    names
        .iter()
        .map(|name| {
            available
                .iter()
                .find(|r| &r.name == name)
                .cloned()
                .ok_or_else(|| {
                    let known: Vec<&str> = available.iter().map(|r| r.name.as_str()).collect();
                    let hint = relapse::suggest::closest(name, known.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    CliError::Usage(format!(
                        "unknown regimen `{name}`; {hint}regimens: {}",
                        known.join(", ")
                    ))
                })
        })
        .collect()
}

/// The output columns named by `--outputs` (outputs, states or derived values, which
/// [`prepare`] made outputs), else every output.
fn select_columns(
    model: &Model,
    compiled: &CompiledModel,
    wanted: Option<&[String]>,
) -> Result<Vec<usize>, CliError> {
    let Some(wanted) = wanted else {
        return Ok((0..compiled.output_names.len()).collect());
    };
    wanted
        .iter()
        .map(|name| {
            compiled
                .output_names
                .iter()
                .position(|o| o == name)
                .ok_or_else(|| unknown_series("output", name, model))
        })
        .collect()
}

/// The usage error for `--outputs NAME` naming no output, state or derived value of `model`.
pub(crate) fn unknown_series(what: &str, name: &str, model: &Model) -> CliError {
    let names = model.series_names();
    let hint = relapse::suggest::closest(name, names.iter().copied())
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    CliError::Usage(format!(
        "unknown {what} `{name}`; {hint}outputs, states and derived values: {}",
        names.join(", ")
    ))
}
