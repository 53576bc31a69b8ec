//! The files made from a whole population, by a single run and by a merge alike (one code path,
//! so that both write the same bytes): `summary.csv`, `summary.json` and `bands.csv`.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use rayon::ThreadPool;
use rayon::prelude::{IntoParallelIterator, ParallelIterator};
use relapse::export::{BANDS_HEADER, SurvivalReport, band_row, summary_csv, summary_json};
use relapse::sim::{Outcome, RegimenSummary, SummaryPlan, percentiles, summarize};

use super::manifest::RunDescription;
use super::outdir::{OutDir, OutFile};
use crate::cli::CliError;

/// Most memory the observable values being ranked may take at once: the bands are computed a
/// group of (regimen, time) columns at a time, re-reading the values once per group.
const BAND_BYTES: u64 = 256 << 20;

/// A file of observable values (see [`super::outdir::OBSERVABLES`]) and how many patients it holds.
pub(crate) struct ObservableFile {
    pub(crate) path: PathBuf,
    pub(crate) patients: u64,
}

/// Percentiles per regimen and output time (`None` where no patient has a finite value).
pub(crate) type Bands = Vec<Vec<Option<[f64; 5]>>>;

/// What the summary step made, for the figure.
pub(crate) struct Finished {
    pub(crate) summaries: Vec<RegimenSummary>,
    pub(crate) bands: Option<Bands>,
    pub(crate) files: Vec<OutFile>,
}

/// Summarises `outcomes` (one vector per regimen) and computes the bands from `observables` (in
/// patient order) when the run recorded a grid; writes the summary files (and `bands.csv` with
/// --trajectories) into `out`, uncommitted.
pub(crate) fn finish(
    run: &RunDescription,
    outcomes: &[Vec<Outcome>],
    observables: &[ObservableFile],
    (out, pool): (&OutDir, &ThreadPool),
) -> Result<Finished, CliError> {
    let plan = SummaryPlan {
        t_end: run.t_end,
        landmarks: run.landmarks.clone(),
        baseline: run.baseline,
    };
    let summaries = summarize(outcomes, &plan)
        .map_err(|e| CliError::Solver(format!("cannot summarise the runs: {e}")))?;
    let names: Vec<String> = run.regimens.iter().map(|r| r.name.clone()).collect();
    let report = SurvivalReport {
        model: &run.model,
        time_unit: run.time_unit.as_deref(),
        t_end: run.t_end,
        patients: run.patients,
        baseline: &names[run.baseline],
        provenance: &run.provenance,
        regimens: &names,
        summaries: &summaries,
    };
    let mut csv = out.file("summary.csv")?;
    csv.write(&summary_csv(&report).map_err(|e| CliError::Io(format!("cannot format CSV: {e}")))?)?;
    let mut json = out.file("summary.json")?;
    json.write(summary_json(&report).as_bytes())?;
    let mut files = vec![csv, json];
    let bands = match &run.grid {
        Some(times) => Some(pool.install(|| bands(run, times, observables))?),
        None => None,
    };
    if let (true, Some(bands), Some(times)) = (run.trajectories, &bands, &run.grid) {
        let mut file = out.file("bands.csv")?;
        file.write(
            &bands_csv(&names, times, bands).map_err(|e| CliError::Io(format!("cannot format CSV: {e}")))?,
        )?;
        files.push(file);
    }
    Ok(Finished {
        summaries,
        bands,
        files,
    })
}

/// `bands.csv`: a row per regimen and output time.
fn bands_csv(names: &[String], times: &[f64], bands: &Bands) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(BANDS_HEADER)?;
    for (name, arm) in names.iter().zip(bands) {
        for (&t, p) in times.iter().zip(arm) {
            writer.write_record(band_row(name, t, *p))?;
        }
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// The percentile bands, a group of columns at a time within [`BAND_BYTES`].
fn bands(run: &RunDescription, times: &[f64], observables: &[ObservableFile]) -> Result<Bands, CliError> {
    let columns = run.regimens.len() * times.len();
    let patients: u64 = observables.iter().map(|f| f.patients).sum();
    let group = (BAND_BYTES / (8 * patients.max(1))).clamp(1, columns.max(1) as u64) as usize;
    let mut all = Vec::with_capacity(columns);
    for first in (0..columns).step_by(group) {
        let wanted = first..columns.min(first + group);
        let values = read_columns(observables, columns, wanted, patients)?;
        let computed: Vec<Option<[f64; 5]>> = values.into_par_iter().map(percentiles).collect();
        all.extend(computed);
    }
    Ok(all.chunks(times.len().max(1)).map(<[_]>::to_vec).collect())
}

/// Columns `wanted` of every patient's record (`columns` values each), one vector per column.
fn read_columns(
    observables: &[ObservableFile],
    columns: usize,
    wanted: std::ops::Range<usize>,
    patients: u64,
) -> Result<Vec<Vec<f64>>, CliError> {
    let mut values = vec![Vec::with_capacity(patients as usize); wanted.len()];
    let mut record = vec![0u8; columns * 8];
    for file in observables {
        let io = |e: std::io::Error| CliError::Io(format!("cannot read `{}`: {e}", file.path.display()));
        let mut reader = BufReader::with_capacity(1 << 20, File::open(&file.path).map_err(io)?);
        for _ in 0..file.patients {
            reader.read_exact(&mut record).map_err(io)?;
            for (column, bytes) in values
                .iter_mut()
                .zip(record[wanted.start * 8..wanted.end * 8].chunks_exact(8))
            {
                column.push(f64::from_le_bytes(bytes.try_into().expect("8 bytes")));
            }
        }
    }
    Ok(values)
}
