//! `relapse population`: every patient × regimen, relapse-free survival per regimen.
//!
//! Order of work: every input is checked (flags, model, regimens, patients, landmarks, grid,
//! figure name) before the output folder is created; the patients run in parallel blocks whose
//! rows are streamed to temporary files in patient order; the summary is computed at the end and
//! every file is renamed into place together. With `--shard K/N` the folder holds the shard's
//! patients and a manifest for `relapse merge` instead of the summary.

mod describe;
mod execute;
pub(crate) mod figure;
pub(crate) mod finish;
mod inputs;
pub(crate) mod manifest;
pub(crate) mod outdir;

use rayon::{ThreadPool, ThreadPoolBuilder};

use super::args::PopulationArgs;
use super::outputs::{self, Output};
use super::{CliError, console};
pub(crate) use execute::Collected;
use execute::{Streams, execute};
use finish::{ObservableFile, finish};
use manifest::{MANIFEST, ShardManifest};
use outdir::{OBSERVABLES, OutDir};

pub(crate) fn run(args: &PopulationArgs) -> Result<(), CliError> {
    run_with(args, figure::write)
}

/// [`run`], with `draw` making the figure of `--plot` (the tests look at the figure's layout).
pub(crate) fn run_with(
    args: &PopulationArgs,
    draw: impl FnOnce(&manifest::RunDescription, &finish::Finished, &std::path::Path) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let (shard, jobs) = inputs::check_flags(args)?;
    outdir::check(&args.out)?;
    let pool = thread_pool(jobs)?;
    let inputs = inputs::gather(args, (shard, jobs), &pool)?;
    if args.plot.is_some() {
        figure::check(&inputs.run)?;
    }
    let figure: Vec<Output<'_>> = args
        .plot
        .iter()
        .map(|path| Output::Figure { flag: "--plot", path })
        .collect();
    let _figure_place = outputs::reserve(&args.model, &figure)?;
    let out = OutDir::create(&args.out)?;
    let mut streams = Streams {
        patients: out.file("patients.csv")?,
        trajectories: args
            .trajectories
            .then(|| out.file("trajectories.csv"))
            .transpose()?,
        observables: inputs
            .plan
            .grid
            .is_some()
            .then(|| out.file(OBSERVABLES))
            .transpose()?,
    };
    let collected = execute(&inputs, &pool, &mut streams)?;
    let Streams {
        patients,
        trajectories,
        observables,
    } = streams;
    let mut files = vec![patients];
    files.extend(trajectories);
    if args.shard.is_some() {
        let mut manifest = out.file(MANIFEST)?;
        manifest.write(ShardManifest::new(shard, inputs.run.clone()).to_json().as_bytes())?;
        files.push(manifest);
        files.extend(observables);
        out.commit(files)?;
    } else {
        let mut observables = observables;
        let sources = match &mut observables {
            Some(file) => vec![ObservableFile {
                path: file.flushed_path()?.to_path_buf(),
                patients: inputs.run.patients,
            }],
            None => Vec::new(),
        };
        let mut finished = finish(&inputs.run, &collected.outcomes, &sources, (&out, &pool))?;
        files.append(&mut finished.files);
        out.commit(files)?;
        if let Some(plot) = &args.plot {
            draw(&inputs.run, &finished, plot)?;
        }
    }
    report(
        &collected,
        inputs.regimens.len() as u64 * inputs.shard.patients(inputs.run.patients).count() as u64,
    )
}

/// The worker threads of this run (never rayon's global pool, which a library user may own).
pub(crate) fn thread_pool(jobs: usize) -> Result<ThreadPool, CliError> {
    ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("relapse-worker-{i}"))
        .build()
        .map_err(|e| CliError::Io(format!("cannot start {jobs} worker threads: {e}")))
}

/// Prints the stiffness warning and returns the solver error (exit 3) if any run failed.
pub(crate) fn report(collected: &Collected, runs: u64) -> Result<(), CliError> {
    if let Some(first) = &collected.first_stiff {
        console::stderr(&format!(
            "warning: {} of {runs} runs looked stiff ({first}); explicit steps are small there: use --method auto (or rodas5p) to switch to the stiff method\n",
            collected.stiff
        ))?;
    }
    match &collected.first_failure {
        None => Ok(()),
        Some(first) => Err(CliError::Solver(format!(
            "{} of {runs} runs failed; they are in patients.csv with relapse_status `solver_failure` and left out of the survival statistics (first: {first})",
            collected.failures
        ))),
    }
}
