//! The output folder of `population` and `merge`: created only once every input is checked;
//! each file written to a temporary file beside it and renamed into place at the end (so a
//! reader never sees a half-written file, and an interrupted run leaves the old files); files of
//! an earlier run that this run does not write are removed then, so the folder never mixes runs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use relapse::atomic::OutputFile;

use crate::cli::CliError;
use crate::cli::outputs::cannot_write;

/// Every file name a population run or merge may write into its folder.
pub(crate) const KNOWN_FILES: [&str; 7] = [
    "patients.csv",
    "summary.csv",
    "summary.json",
    "trajectories.csv",
    "bands.csv",
    super::manifest::MANIFEST,
    OBSERVABLES,
];

/// Observable values on the grid (f64, little-endian, patient by patient, regimen by regimen,
/// time by time): kept in a shard folder for the merge's bands, a temporary file otherwise.
pub(crate) const OBSERVABLES: &str = "observables.bin";

/// Checks that `path` can be an output folder (missing, or a folder), without creating it.
pub(crate) fn check(path: &Path) -> Result<(), CliError> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => Err(CliError::Usage(format!(
            "`--out {}` exists and is not a folder; name a folder to write the results into",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// An output folder being written.
pub(crate) struct OutDir {
    path: PathBuf,
    /// True if this run created the folder (removed again if the run fails before committing).
    created: bool,
    committed: bool,
}

impl OutDir {
    /// Creates the folder if it is missing.
    pub(crate) fn create(path: &Path) -> Result<Self, CliError> {
        check(path)?;
        let created = !path.exists();
        std::fs::create_dir_all(path)
            .map_err(|e| CliError::Io(format!("cannot create the folder `{}`: {e}", path.display())))?;
        Ok(Self {
            path: path.to_path_buf(),
            created,
            committed: false,
        })
    }

    /// Starts writing `name` in the folder.
    pub(crate) fn file(&self, name: &'static str) -> Result<OutFile, CliError> {
        let path = self.path.join(name);
        let file = OutputFile::create(&path).map_err(|e| cannot_write(&path, &e))?;
        let writer = File::options()
            .write(true)
            .truncate(true)
            .open(file.path())
            .map_err(|e| cannot_write(&path, &e))?;
        Ok(OutFile {
            name,
            path,
            writer: BufWriter::with_capacity(1 << 20, writer),
            file,
        })
    }

    /// Puts every file in place, then removes the known files of an earlier run that are not
    /// among them.
    pub(crate) fn commit(mut self, files: Vec<OutFile>) -> Result<(), CliError> {
        let mut written = Vec::with_capacity(files.len());
        for file in files {
            written.push(file.name);
            file.commit()?;
        }
        self.committed = true;
        for stale in KNOWN_FILES.iter().filter(|name| !written.contains(name)) {
            let path = self.path.join(stale);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(CliError::Io(format!(
                        "cannot remove `{}` of an earlier run: {e}",
                        path.display()
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if self.created && !self.committed {
            // Only if empty: the temporary files are gone by now (dropped before the folder).
            let _ = std::fs::remove_dir(&self.path);
        }
    }
}

/// One output file being written through a buffer into its temporary file.
pub(crate) struct OutFile {
    name: &'static str,
    path: PathBuf,
    writer: BufWriter<File>,
    file: OutputFile,
}

impl OutFile {
    /// Appends `bytes`.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        self.writer
            .write_all(bytes)
            .map_err(|e| cannot_write(&self.path, &e))
    }

    /// The temporary file holding what was written so far (flushed first).
    pub(crate) fn flushed_path(&mut self) -> Result<&Path, CliError> {
        self.writer.flush().map_err(|e| cannot_write(&self.path, &e))?;
        Ok(self.file.path())
    }

    fn commit(mut self) -> Result<(), CliError> {
        self.writer.flush().map_err(|e| cannot_write(&self.path, &e))?;
        self.file.commit().map_err(|e| cannot_write(&self.path, &e))
    }
}
