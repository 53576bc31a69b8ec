//! Running the patients of a run (or shard) in parallel, block by block, and streaming their
//! rows into the output files in patient order, so memory stays bounded however many patients.

use rayon::ThreadPool;
use rayon::prelude::{IntoParallelIterator, ParallelIterator};
use relapse::export::{PatientColumns, PatientRow, trajectory_header, trajectory_rows};
use relapse::sim::{Cohort, Outcome, PatientResult, RegimenRun, grid_width};
use relapse::solve::SolverWarning;

use super::inputs::Inputs;
use super::outdir::OutFile;
use crate::cli::CliError;
use crate::cli::console::Progress;

/// Most memory the results of one block of patients may take (their grid values dominate).
const BLOCK_BYTES: u64 = 64 << 20;
/// Blocks hold at most this many patients per thread: enough that threads rarely wait for
/// the slowest patient of a block.
const PATIENTS_PER_THREAD: u64 = 64;

/// The streams a run writes as it goes.
pub(crate) struct Streams {
    pub(crate) patients: OutFile,
    pub(crate) trajectories: Option<OutFile>,
    /// Observable values on the grid (with --trajectories or --plot).
    pub(crate) observables: Option<OutFile>,
}

/// What the run leaves for the summary and the messages.
#[derive(Default)]
pub(crate) struct Collected {
    /// One vector per regimen, one outcome per patient in patient order.
    pub(crate) outcomes: Vec<Vec<Outcome>>,
    /// Runs whose problem looked stiff, and the first of them.
    pub(crate) stiff: u64,
    pub(crate) first_stiff: Option<String>,
    /// Failed runs, and the first failure's message.
    pub(crate) failures: u64,
    pub(crate) first_failure: Option<String>,
}

/// One patient's rows, formatted on a worker thread.
struct Formatted {
    patients_csv: Vec<u8>,
    trajectories_csv: Vec<u8>,
    observables: Vec<u8>,
    outcomes: Vec<Outcome>,
    stiff: Vec<String>,
    failures: Vec<String>,
}

/// Writes the headers, then runs the shard's patients in blocks and streams their rows.
pub(crate) fn execute(
    inputs: &Inputs,
    pool: &ThreadPool,
    streams: &mut Streams,
) -> Result<Collected, CliError> {
    let columns = PatientColumns {
        parameters: &inputs.run.parameters,
        watchlist: &inputs.compiled.monitor.watchlist,
    };
    streams.patients.write(&csv_bytes([columns.header()]))?;
    if let Some(t) = &mut streams.trajectories {
        t.write(&csv_bytes([trajectory_header(&inputs.run.outputs)]))?;
    }
    let cohort = Cohort {
        model: &inputs.model,
        patients: &inputs.patients,
        regimens: &inputs.regimens,
        plan: &inputs.plan,
    };
    let range = inputs.shard.patients(inputs.patients.count());
    let progress = Progress::new(range.end - range.start, "patients");
    let block = block_size(inputs);
    let mut collected = Collected {
        outcomes: vec![Vec::new(); inputs.regimens.len()],
        ..Collected::default()
    };
    let mut start = range.start;
    while start < range.end {
        let end = range.end.min(start.saturating_add(block));
        let formatted: Vec<Formatted> = pool.install(|| {
            ((start - range.start)..(end - range.start))
                .into_par_iter()
                .map(|offset| {
                    let result = cohort.run_one(range.start + offset);
                    progress.inc();
                    format(inputs, &columns, &result)
                })
                .collect()
        });
        for f in formatted {
            write(streams, &f)?;
            collect(&mut collected, f);
        }
        start = end;
    }
    Ok(collected)
}

/// Patients per block: bounded by [`BLOCK_BYTES`] of grid values and by
/// [`PATIENTS_PER_THREAD`] per thread, and at least one per thread.
fn block_size(inputs: &Inputs) -> u64 {
    let jobs = inputs.jobs as u64;
    let times = inputs.plan.grid.as_ref().map_or(0, Vec::len) as u64;
    let per_patient = 8 * times * grid_width(&inputs.compiled) as u64 * inputs.regimens.len() as u64 + 1024;
    (BLOCK_BYTES / per_patient).clamp(jobs, PATIENTS_PER_THREAD * jobs)
}

fn csv_bytes<I: IntoIterator<Item = Vec<String>>>(rows: I) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row).expect("writing to memory");
    }
    writer.into_inner().expect("flushing to memory")
}

fn format(inputs: &Inputs, columns: &PatientColumns<'_>, result: &PatientResult) -> Formatted {
    let reported: Option<Vec<f64>> = result.values.as_ref().ok().map(|values| {
        inputs
            .patients
            .reported_parameters()
            .iter()
            .map(|&p| values[p])
            .collect()
    });
    let mut f = Formatted {
        patients_csv: Vec::new(),
        trajectories_csv: Vec::new(),
        observables: Vec::new(),
        outcomes: Vec::with_capacity(result.runs.len()),
        stiff: Vec::new(),
        failures: Vec::new(),
    };
    let mut rows = Vec::with_capacity(result.runs.len());
    for (label, run) in inputs.run.regimens.iter().zip(&result.runs) {
        let regimen = label.name.as_str();
        let message = run.as_ref().err().map(|e| e.to_string());
        rows.push(columns.row(&PatientRow {
            patient: &result.id,
            regimen,
            parameters: reported.as_deref(),
            run: match (run, &message) {
                (Ok(r), _) => Ok(&r.metrics),
                (Err(_), Some(m)) => Err(m.as_str()),
                (Err(_), None) => unreachable!("a failed run has a message"),
            },
        }));
        match (run, message) {
            (Ok(r), _) => {
                f.outcomes.push(Outcome::of(&r.metrics));
                f.stiff.extend(stiff_message(r, &result.id, regimen));
            }
            (Err(_), message) => {
                f.outcomes.push(Outcome::FAILED);
                let message = message.unwrap_or_default();
                f.failures
                    .push(format!("patient {}, regimen `{regimen}`: {message}", result.id));
            }
        }
        grid_rows(inputs, (&result.id, regimen), run.as_ref().ok(), &mut f);
    }
    f.patients_csv = csv_bytes(rows);
    f
}

/// The run's trajectory rows and observable values (NaN for a failed run, whose bands skip it).
fn grid_rows(inputs: &Inputs, labels: (&str, &str), run: Option<&RegimenRun>, f: &mut Formatted) {
    let Some(times) = &inputs.plan.grid else {
        return;
    };
    let width = grid_width(&inputs.compiled);
    match run {
        Some(r) => {
            for row in r.grid_values.chunks_exact(width) {
                f.observables.extend(row[width - 1].to_le_bytes());
            }
            if inputs.run.trajectories {
                let outputs = inputs.run.outputs.len();
                let rows = trajectory_rows(labels, times, &r.grid_values, (outputs, width));
                f.trajectories_csv.extend(csv_bytes(rows));
            }
        }
        None => {
            for _ in times {
                f.observables.extend(f64::NAN.to_le_bytes());
            }
        }
    }
}

fn stiff_message(run: &RegimenRun, patient: &str, regimen: &str) -> Option<String> {
    run.warnings.first().map(|w| match w {
        SolverWarning::Stiff { t } => {
            format!("patient {patient}, regimen `{regimen}` looks stiff from t = {t} on")
        }
    })
}

fn write(streams: &mut Streams, f: &Formatted) -> Result<(), CliError> {
    streams.patients.write(&f.patients_csv)?;
    if let Some(t) = &mut streams.trajectories {
        t.write(&f.trajectories_csv)?;
    }
    if let Some(o) = &mut streams.observables {
        o.write(&f.observables)?;
    }
    Ok(())
}

fn collect(collected: &mut Collected, f: Formatted) {
    for (arm, outcome) in collected.outcomes.iter_mut().zip(f.outcomes) {
        arm.push(outcome);
    }
    collected.stiff += f.stiff.len() as u64;
    if collected.first_stiff.is_none() {
        collected.first_stiff = f.stiff.into_iter().next();
    }
    collected.failures += f.failures.len() as u64;
    if collected.first_failure.is_none() {
        collected.first_failure = f.failures.into_iter().next();
    }
}
