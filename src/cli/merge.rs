//! `relapse merge`: the shard folders of one population run combined into exactly the files a
//! single run writes (byte for byte): patients.csv and trajectories.csv are the shards' rows
//! concatenated in shard order (the shards are contiguous blocks of patients), and the summary
//! and bands are computed from them by the same code as a single run's.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use relapse::export::outcome_from_cells;
use relapse::sim::Outcome;

use super::CliError;
use super::args::MergeArgs;
use super::outputs::{self, Output};
use super::population::figure;
use super::population::finish::{ObservableFile, finish};
use super::population::manifest::{MANIFEST, RunDescription, ShardManifest};
use super::population::outdir::{self, OBSERVABLES, OutDir, OutFile};
use super::population::{Collected, report, thread_pool};

pub(crate) fn run(args: &MergeArgs) -> Result<(), CliError> {
    outdir::check(&args.out)?;
    let shards = read_shards(&args.shards)?;
    if let Some(dir) = args.shards.iter().find(|d| same_folder(d, &args.out)) {
        return Err(CliError::Usage(format!(
            "`--out {}` is the shard folder `{}`; write the merged files into another folder",
            args.out.display(),
            dir.display()
        )));
    }
    let run = shards[0].1.run.clone();
    if args.plot.is_some() {
        figure::check(&run)?;
    }
    let figure: Vec<Output<'_>> = args
        .plot
        .iter()
        .map(|path| Output::Figure { flag: "--plot", path })
        .collect();
    let _figure_place = outputs::reserve(&shards[0].0.join(MANIFEST), &figure)?;
    let pool = thread_pool(std::thread::available_parallelism().map_or(1, usize::from))?;
    let out = OutDir::create(&args.out)?;
    let mut patients = out.file("patients.csv")?;
    let mut collected = Collected::default();
    let outcomes = concatenate_patients(&shards, &run, (&mut patients, &mut collected))?;
    let mut files = vec![patients];
    if run.trajectories {
        let mut trajectories = out.file("trajectories.csv")?;
        trajectories.write(&first_line(&shards[0].0.join("trajectories.csv"))?)?;
        for (dir, _) in &shards {
            copy_rows(&dir.join("trajectories.csv"), &mut trajectories)?;
        }
        files.push(trajectories);
    }
    let observables: Vec<ObservableFile> = match run.grid {
        Some(_) => shards
            .iter()
            .map(|(dir, m)| ObservableFile {
                path: dir.join(OBSERVABLES),
                patients: m.patient_count,
            })
            .collect(),
        None => Vec::new(),
    };
    let mut finished = finish(&run, &outcomes, &observables, (&out, &pool))?;
    files.append(&mut finished.files);
    out.commit(files)?;
    if let Some(plot) = &args.plot {
        figure::write(&run, &finished, plot)?;
    }
    report(&collected, outcomes.iter().map(|arm| arm.len() as u64).sum())
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reads every manifest and checks that the shards are the N shards of one run, each once, with
/// their files; returns them in shard order.
fn read_shards(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, ShardManifest)>, CliError> {
    let mut shards: Vec<(PathBuf, ShardManifest)> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let manifest = ShardManifest::read(dir)?;
        if let Some((first, m)) = shards.first() {
            check_same_run(first, &m.run, dir, &manifest.run)?;
            if manifest.shards != m.shards {
                return Err(CliError::Usage(format!(
                    "`{}` is a shard of {} but `{}` of {}: they are not shards of one run",
                    dir.display(),
                    manifest.shards,
                    first.display(),
                    m.shards
                )));
            }
        }
        if let Some((other, _)) = shards.iter().find(|(_, m)| m.shard == manifest.shard) {
            return Err(CliError::Usage(format!(
                "`{}` and `{}` are both shard {}/{}; give each shard once",
                other.display(),
                dir.display(),
                manifest.shard,
                manifest.shards
            )));
        }
        shards.push((dir.clone(), manifest));
    }
    shards.sort_by_key(|(_, m)| m.shard);
    let expected = shards[0].1.shards;
    if shards.len() as u64 != expected {
        let missing: Vec<String> = (0..expected)
            .filter(|k| !shards.iter().any(|(_, m)| m.shard == *k))
            .take(10)
            .map(|k| k.to_string())
            .collect();
        return Err(CliError::Usage(format!(
            "{} of {expected} shards given; missing shard {}{}",
            shards.len(),
            missing.join(", "),
            if missing.len() == 10 { ", …" } else { "" }
        )));
    }
    for (dir, m) in &shards {
        check_files(dir, m)?;
    }
    Ok(shards)
}

fn check_same_run(first: &Path, a: &RunDescription, dir: &Path, b: &RunDescription) -> Result<(), CliError> {
    if a == b {
        return Ok(());
    }
    let what = if a.provenance.model_sha256 != b.provenance.model_sha256 {
        "model files"
    } else if a.provenance != b.provenance {
        "solver settings, seeds, --set values or parameters files"
    } else if a.patients != b.patients {
        "patient counts"
    } else {
        "regimens, landmarks, outputs or options"
    };
    Err(CliError::Usage(format!(
        "`{}` and `{}` come from different runs (different {what}); merge the shards of one run",
        first.display(),
        dir.display()
    )))
}

/// The shard's patient range is the one its index gives, and its files are there and complete.
fn check_files(dir: &Path, m: &ShardManifest) -> Result<(), CliError> {
    let range = super::population::manifest::Shard {
        index: m.shard,
        count: m.shards,
    }
    .patients(m.run.patients);
    if range.start != m.first_patient || range.end - range.start != m.patient_count {
        return Err(CliError::Usage(format!(
            "`{}`: its manifest's patient range does not match shard {}/{}",
            dir.display(),
            m.shard,
            m.shards
        )));
    }
    let mut needed = vec!["patients.csv"];
    if m.run.trajectories {
        needed.push("trajectories.csv");
    }
    if m.run.grid.is_some() {
        needed.push(OBSERVABLES);
        let size = std::fs::metadata(dir.join(OBSERVABLES))
            .map(|meta| meta.len())
            .ok();
        let expected = m.patient_count * m.run.observable_bytes_per_patient();
        if size.is_some_and(|s| s != expected) {
            return Err(CliError::Usage(format!(
                "`{}` holds {} bytes, expected {expected}: the shard is incomplete",
                dir.join(OBSERVABLES).display(),
                size.unwrap_or(0)
            )));
        }
    }
    match needed.iter().find(|name| !dir.join(name).is_file()) {
        Some(name) => Err(CliError::Usage(format!(
            "`{}` has no {name}: the shard is incomplete",
            dir.display()
        ))),
        None => Ok(()),
    }
}

/// Writes the header once and every shard's rows, and reads the outcomes back from them.
fn concatenate_patients(
    shards: &[(PathBuf, ShardManifest)],
    run: &RunDescription,
    (out, collected): (&mut OutFile, &mut Collected),
) -> Result<Vec<Vec<Outcome>>, CliError> {
    let regimens = run.regimens.len();
    let mut outcomes = vec![Vec::new(); regimens];
    let mut header: Option<Vec<u8>> = None;
    for (dir, m) in shards {
        let path = dir.join("patients.csv");
        let shard_header = first_line(&path)?;
        match &header {
            None => {
                out.write(&shard_header)?;
                header = Some(shard_header);
            }
            Some(h) if *h != shard_header => {
                return Err(CliError::Usage(format!(
                    "`{}` has other columns than the first shard's",
                    path.display()
                )));
            }
            Some(_) => {}
        }
        let rows = read_outcomes(&path, run, &mut outcomes, collected)?;
        if rows != m.patient_count * regimens as u64 {
            return Err(CliError::Usage(format!(
                "`{}` has {rows} rows, expected {} patients × {regimens} regimens: the shard is incomplete",
                path.display(),
                m.patient_count
            )));
        }
        copy_rows(&path, out)?;
    }
    Ok(outcomes)
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::Io(format!("cannot read `{}`: {e}", path.display()))
}

fn first_line(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut line = Vec::new();
    BufReader::new(File::open(path).map_err(io_error(path))?)
        .read_until(b'\n', &mut line)
        .map_err(io_error(path))?;
    Ok(line)
}

/// Appends everything after the header line of `path`.
fn copy_rows(path: &Path, out: &mut OutFile) -> Result<(), CliError> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(io_error(path))?);
    reader
        .read_until(b'\n', &mut Vec::new())
        .map_err(io_error(path))?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buffer).map_err(io_error(path))?;
        if n == 0 {
            return Ok(());
        }
        out.write(&buffer[..n])?;
    }
}

/// The outcome of every row of a shard's patients.csv, appended per regimen; the row count.
fn read_outcomes(
    path: &Path,
    run: &RunDescription,
    outcomes: &mut [Vec<Outcome>],
    collected: &mut Collected,
) -> Result<u64, CliError> {
    let column = 2 + run.parameters.len();
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| CliError::Io(format!("cannot read `{}`: {e}", path.display())))?;
    let mut rows = 0u64;
    for record in reader.records() {
        let record = record.map_err(|e| CliError::Usage(format!("`{}`: {e}", path.display())))?;
        let regimen = (rows % outcomes.len() as u64) as usize;
        let outcome = match (record.get(1), record.get(column), record.get(column + 1)) {
            (Some(name), Some(time), Some(status)) if name == run.regimens[regimen].name => {
                outcome_from_cells(time, status)
            }
            _ => None,
        };
        let Some(outcome) = outcome else {
            let line = record.position().map_or(0, |p| p.line());
            return Err(CliError::Usage(format!(
                "`{}`:{line}: not a row this run wrote (regimen, relapse_time or relapse_status)",
                path.display()
            )));
        };
        if outcome == Outcome::FAILED {
            collected.failures += 1;
            if collected.first_failure.is_none() {
                let (patient, message) = (&record[0], record.get(record.len() - 1).unwrap_or(""));
                let name = &run.regimens[regimen].name;
                collected.first_failure = Some(format!("patient {patient}, regimen `{name}`: {message}"));
            }
        }
        outcomes[regimen].push(outcome);
        rows += 1;
    }
    Ok(rows)
}
