//! Every input of `relapse population` checked before anything is written: flags, the model,
//! the regimens, the patients (a parameters file read, or every patient of the shard sampled
//! once), landmarks and the output grid.

use std::path::Path;

use rayon::ThreadPool;
use relapse::diagnostic::{Diagnostic, Diagnostics};
use relapse::model::{CompiledModel, Model};
use relapse::population::{MAX_PATIENTS, Patients, Population, PopulationError, read_parameters_csv};
use relapse::sim::RunPlan;

use super::describe::{Choices, Sources, describe, sha256_hex};
use super::manifest::{RunDescription, Shard};
use crate::cli::args::PopulationArgs;
use crate::cli::{CliError, EXIT_USAGE, Prepared, prepare_with_source, print_diagnostics};

/// Patients when neither `--patients` nor `[population] size` says.
pub(crate) const DEFAULT_PATIENTS: u64 = 100;
/// Seed when neither `--seed` nor `[population] seed` says.
pub(crate) const DEFAULT_SEED: u64 = 1;

/// Most worker threads `--jobs` may ask for (more only costs memory and start-up time).
const MAX_JOBS: usize = 1024;

/// A population run, checked and ready.
pub(crate) struct Inputs {
    pub(crate) model: Model,
    pub(crate) compiled: CompiledModel,
    /// Indices of the selected regimens among `compiled.regimens`.
    pub(crate) regimens: Vec<usize>,
    pub(crate) patients: Patients,
    pub(crate) shard: Shard,
    pub(crate) jobs: usize,
    pub(crate) plan: RunPlan,
    pub(crate) run: RunDescription,
}

/// Flags that can be checked without the model.
pub(crate) fn check_flags(args: &PopulationArgs) -> Result<(Shard, usize), CliError> {
    let shard = args.shard.as_deref().map_or(Ok(Shard::WHOLE), Shard::parse)?;
    if args.shard.is_some() && args.plot.is_some() {
        return Err(CliError::Usage(
            "`--plot` draws the whole population: give it to `relapse merge`, not to a shard".to_string(),
        ));
    }
    let jobs = match args.jobs {
        Some(j) if !(1..=MAX_JOBS).contains(&j) => {
            return Err(CliError::Usage(format!(
                "`--jobs` must be between 1 and {MAX_JOBS}, found {j}; the default is one per core"
            )));
        }
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    if let Some(n) = args.patients
        && !(1..=MAX_PATIENTS).contains(&n)
    {
        return Err(CliError::Usage(format!(
            "`--patients` must be between 1 and {MAX_PATIENTS}, found {n}"
        )));
    }
    Ok((shard, jobs))
}

/// Reads and checks everything; prints located problems (model, parameters file) to stderr.
pub(crate) fn gather(
    args: &PopulationArgs,
    (shard, jobs): (Shard, usize),
    pool: &ThreadPool,
) -> Result<Inputs, CliError> {
    let (prepared, source) = prepare_with_source(&args.model, &args.solver, &[])?;
    let Prepared {
        model,
        settings,
        compiled,
        ..
    } = prepared;
    if compiled.monitor.watchlist.observable.is_none() {
        return Err(CliError::Usage(format!(
            "`{}` has no [relapse] section: a population run needs the relapse observable and its threshold",
            args.model.display()
        )));
    }
    let regimens = regimen_indices(&compiled, &args.solver.regimens)?;
    let baseline = match &args.baseline {
        None => 0,
        Some(name) => regimens
            .iter()
            .position(|&r| &compiled.regimens[r].name == name)
            .ok_or_else(|| {
                CliError::Usage(format!("`--baseline {name}` is not among the regimens being run"))
            })?,
    };
    let landmarks = landmarks(args.landmarks.as_deref(), settings.t_end)?;
    let (patients, parameters_sha256) = patients(args, &model, &compiled, &source)?;
    let range = shard.patients(patients.count());
    pool.install(|| presample(&patients, range, &model, (&args.model, &source)))?;
    let grid = (args.trajectories || args.plot.is_some())
        .then(|| settings.output_times())
        .transpose()?;
    let run = describe(
        &Sources {
            model: &model,
            compiled: &compiled,
            settings: &settings,
            source: &source,
            patients: &patients,
        },
        Choices {
            regimens: &regimens,
            baseline,
            landmarks,
            grid: grid.clone(),
            trajectories: args.trajectories,
            parameters_sha256,
        },
    );
    let plan = RunPlan {
        t_end: settings.t_end,
        options: settings.options.clone(),
        grid,
        // Each patient compiles its own model and runs several regimens on it: compiling
        // before solving pays off, and a worker thread is already busy on every core.
        engine: match settings.engine {
            relapse::model::Engine::Auto => relapse::model::Engine::Jit,
            other => other,
        },
        pinned: settings
            .overrides
            .iter()
            .filter_map(|o| model.parameter_index(&o.name))
            .collect(),
    };
    Ok(Inputs {
        model,
        compiled,
        regimens,
        patients,
        shard,
        jobs,
        plan,
        run,
    })
}

fn regimen_indices(compiled: &CompiledModel, names: &[String]) -> Result<Vec<usize>, CliError> {
    // The same checks and messages as every other command.
    let selected = crate::cli::simulate::select_regimens(compiled, names)?;
    Ok(selected
        .iter()
        .map(|s| {
            compiled
                .regimens
                .iter()
                .position(|r| r.name == s.name)
                .expect("selected from these regimens")
        })
        .collect())
}

/// The landmark times: as given (within [0, t_end], increasing) or the quarters of t_end.
pub(crate) fn landmarks(given: Option<&[f64]>, t_end: f64) -> Result<Vec<f64>, CliError> {
    let Some(times) = given else {
        return Ok(vec![t_end / 4.0, t_end / 2.0, 0.75 * t_end, t_end]);
    };
    if let Some(bad) = times.iter().find(|t| !(0.0..=t_end).contains(*t)) {
        return Err(CliError::Usage(format!(
            "landmark {bad} is outside [0, t_end = {t_end}]"
        )));
    }
    if times.windows(2).any(|w| w[1] <= w[0]) {
        return Err(CliError::Usage(
            "`--landmarks` must be strictly increasing".to_string(),
        ));
    }
    Ok(times.to_vec())
}

/// The patients: a parameters file, or sampled from `[population]`.
fn patients(
    args: &PopulationArgs,
    model: &Model,
    compiled: &CompiledModel,
    source: &str,
) -> Result<(Patients, Option<String>), CliError> {
    let typical = compiled.parameter_values.clone();
    if let Some(path) = &args.parameters {
        let bytes = std::fs::read(path)
            .map_err(|e| CliError::Io(format!("cannot read `{}`: {e}", path.display())))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            CliError::Usage(format!(
                "`{}` is not UTF-8 text (byte offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        let names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
        let table = read_parameters_csv(&text, &names).map_err(|diagnostics| {
            match print_diagnostics(path, &text, &diagnostics) {
                Ok(()) => CliError::Reported(EXIT_USAGE),
                Err(e) => e,
            }
        })?;
        return Ok((
            Patients::Table { table, typical },
            Some(sha256_hex(text.as_bytes())),
        ));
    }
    let Some(spec) = &model.population else {
        return Err(CliError::Usage(format!(
            "`{}` has no [population] section: add one (see the README) or give the patients with `--parameters FILE.csv`",
            args.model.display()
        )));
    };
    let count = args.patients.or(spec.size).unwrap_or(DEFAULT_PATIENTS);
    let seed = args.seed.or(spec.seed).unwrap_or(DEFAULT_SEED);
    let population = Population::new(spec, &typical, seed).map_err(|e| match &e {
        PopulationError::TypicalValueOutOfDomain { name, .. }
            if args
                .solver
                .set
                .iter()
                .any(|s| s.split('=').next().map(str::trim) == Some(name)) =>
        {
            CliError::Usage(format!("`--set`: {e}"))
        }
        _ => located(model, None, e.to_string(), (&args.model, source)),
    })?;
    Ok((Patients::Sampled { population, count }, None))
}

/// A model problem at the `[population.parameters]` entry of `parameter` (or the section),
/// printed; the returned error carries the exit code.
fn located(
    model: &Model,
    parameter: Option<usize>,
    message: String,
    (path, source): (&Path, &str),
) -> CliError {
    let spec = model.population.as_ref();
    let span = parameter
        .and_then(|p| spec.and_then(|s| s.variability_of(p)))
        .map(|v| v.span)
        .or(spec.map(|s| s.span));
    let mut diagnostics = Diagnostics::new();
    diagnostics.push(Diagnostic::error(span, message));
    match print_diagnostics(path, source, &diagnostics) {
        Ok(()) => CliError::InvalidModel,
        Err(e) => e,
    }
}

/// Samples every patient of `range` once, so that a value that overflows is a located model
/// error before anything is written rather than a failure in the middle of the run.
fn presample(
    patients: &Patients,
    range: std::ops::Range<u64>,
    model: &Model,
    file: (&Path, &str),
) -> Result<(), CliError> {
    use rayon::prelude::{IntoParallelIterator, ParallelIterator};
    if matches!(patients, Patients::Table { .. }) {
        return Ok(());
    }
    let count = (range.end - range.start) as usize;
    let first_error = (0..count)
        .into_par_iter()
        .find_map_first(|k| patients.values(range.start + k as u64).err());
    match first_error {
        None => Ok(()),
        Some(e) => {
            let parameter = match &e {
                relapse::population::SampleError::NonFinite { parameter, .. }
                | relapse::population::SampleError::Saturated { parameter, .. } => *parameter,
            };
            Err(located(model, Some(parameter), e.to_string(), file))
        }
    }
}
