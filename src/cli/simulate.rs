//! `relapse simulate`: run regimens and write outputs as CSV.

use relapse::export::trajectory_csv;
use relapse::model::CompiledModel;
use relapse::regimen::Regimen;
use relapse::solve::SolverWarning;

use super::args::SimulateArgs;
use super::outputs::{self, Output};
use super::settings::RunSettings;
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
        settings,
        compiled,
        regimens,
        ..
    } = prepare(&args.model, &args.solver)?;
    let columns = select_columns(&compiled, args.outputs.as_deref())?;
    let mut tables = Vec::with_capacity(regimens.len());
    for regimen in regimens {
        tables.push(run_regimen(&compiled, &regimen, &settings, args.stats, &columns)?);
    }
    let names: Vec<String> = columns
        .iter()
        .map(|&i| compiled.output_names[i].clone())
        .collect();
    let csv = trajectory_csv(&names, &tables).map_err(|e| CliError::Io(format!("cannot format CSV: {e}")))?;
    outputs::write_or_print(out, &csv)
}

fn run_regimen(
    compiled: &CompiledModel,
    regimen: &Regimen,
    settings: &RunSettings,
    print_stats: bool,
    columns: &[usize],
) -> Result<relapse::export::OutputTable, CliError> {
    let solution = compiled
        .simulate(
            regimen,
            settings.t_end,
            &settings.output_times()?,
            &settings.options,
        )
        .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
    report_warnings(&regimen.name, &solution.warnings, settings.options.method)?;
    if print_stats {
        let s = solution.stats;
        console::stderr(&format!(
            "stats: regimen `{}`: {} accepted steps, {} rejected, {} RHS evaluations, {} segments, {} doses{}\n",
            regimen.name,
            s.accepted_steps,
            s.rejected_steps,
            s.rhs_evaluations,
            s.segments,
            regimen.administrations_until(settings.t_end),
            implicit_stats(&s)
        ))?;
        if s.steady_state_iterations > 0 {
            console::stderr(&format!(
                "stats: regimen `{}`: steady state found in {} iterations\n",
                regimen.name, s.steady_state_iterations
            ))?;
        }
    }
    let rows = compiled
        .output_rows(regimen, &solution, columns)
        .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
    Ok(relapse::export::OutputTable {
        regimen: regimen.name.clone(),
        times: solution.times,
        rows,
    })
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

fn select_columns(compiled: &CompiledModel, wanted: Option<&[String]>) -> Result<Vec<usize>, CliError> {
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
                .ok_or_else(|| {
                    let hint =
                        relapse::suggest::closest(name, compiled.output_names.iter().map(String::as_str))
                            .map(|s| format!("did you mean `{s}`? "))
                            .unwrap_or_default();
                    CliError::Usage(format!(
                        "unknown output `{name}`; {hint}outputs: {}",
                        compiled.output_names.join(", ")
                    ))
                })
        })
        .collect()
}
