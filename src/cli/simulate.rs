//! `relapse simulate`: run regimens and write outputs as CSV.

use std::io::Write;
use std::path::Path;

use relapse::export::trajectory_csv;
use relapse::model::CompiledModel;
use relapse::regimen::Regimen;
use relapse::solve::SolverWarning;

use super::args::SimulateArgs;
use super::settings::RunSettings;
use super::{CliError, Prepared, prepare};

pub(crate) fn run(args: &SimulateArgs) -> Result<(), CliError> {
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
    match &args.out {
        Some(path) => write_atomically(path, &csv, &args.model),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&csv).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| CliError::Io(format!("cannot write to standard output: {e}"))),
            }
        }
    }
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
    report_warnings(&regimen.name, &solution.warnings);
    if print_stats {
        let s = solution.stats;
        eprintln!(
            "stats: regimen `{}`: {} accepted steps, {} rejected, {} RHS evaluations, {} segments",
            regimen.name, s.accepted_steps, s.rejected_steps, s.rhs_evaluations, s.segments
        );
    }
    let rows = compiled
        .output_rows(&solution, columns)
        .map_err(|e| CliError::Solver(format!("regimen `{}`: {e}", regimen.name)))?;
    Ok(relapse::export::OutputTable {
        regimen: regimen.name.clone(),
        times: solution.times,
        rows,
    })
}

/// A usage error if `out` is the model file `input` itself (never overwrite an input).
pub(crate) fn refuse_to_overwrite(out: &Path, input: &Path) -> Result<(), CliError> {
    match (out.canonicalize(), input.canonicalize()) {
        (Ok(a), Ok(b)) if a == b => Err(CliError::Usage(format!(
            "`{}` is the model file; choose another output name",
            out.display()
        ))),
        _ => Ok(()),
    }
}

/// Prints solver warnings of one regimen run to stderr.
pub(crate) fn report_warnings(regimen: &str, warnings: &[SolverWarning]) {
    for warning in warnings {
        match warning {
            SolverWarning::Stiff { t } => eprintln!(
                "warning: regimen `{regimen}`: the problem looks stiff from t = {t} on; explicit steps will be small (a stiff method is planned)"
            ),
        }
    }
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

/// Writes through a temporary file in the same folder, then renames, so a reader never sees a
/// partial file; refuses to overwrite the model itself.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], input: &Path) -> Result<(), CliError> {
    refuse_to_overwrite(path, input)?;
    let io = |e: std::io::Error| CliError::Io(format!("cannot write `{}`: {e}", path.display()));
    relapse::atomic::write_atomically(path, |tmp| std::fs::write(tmp, bytes)).map_err(io)
}
