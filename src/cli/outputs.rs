//! The output files of a command, checked and reserved before any work, so that a bad output
//! path never costs a run nor leaves one output written and the other not.
//!
//! Refused with a usage error (exit 2): the model file as an output, two outputs naming the same
//! file (however spelled: `same.png`, `./same.png`, a link to it), a figure whose name is not
//! `.png` or `.svg`. Then each output is reserved with [`OutputFile::create`], which creates its
//! temporary file: a missing or read-only folder is an I/O error (exit 4) at this point.

use std::io;
use std::path::{Path, PathBuf};

use relapse::atomic::{OutputFile, resolve_links};
use relapse::plot::PlotError;

use super::{CliError, console};

/// What a command will write, and the flag that named it (for messages).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Output<'a> {
    /// Text or CSV, written by the command through the reserved file.
    Data { flag: &'static str, path: &'a Path },
    /// A PNG or SVG image, which the plot renderer writes itself.
    Figure { flag: &'static str, path: &'a Path },
}

impl<'a> Output<'a> {
    fn flag(self) -> &'static str {
        match self {
            Self::Data { flag, .. } | Self::Figure { flag, .. } => flag,
        }
    }

    fn path(self) -> &'a Path {
        match self {
            Self::Data { path, .. } | Self::Figure { path, .. } => path,
        }
    }
}

/// An output file reserved before the work: its temporary file exists (removed on drop unless
/// written), or it is a device, FIFO or socket that will be written straight through.
#[derive(Debug)]
pub(crate) struct Reserved<'a> {
    path: &'a Path,
    file: OutputFile,
}

impl Reserved<'_> {
    /// Writes `bytes` and puts the file in place.
    pub(crate) fn write(self, bytes: &[u8]) -> Result<(), CliError> {
        std::fs::write(self.file.path(), bytes)
            .and_then(|()| self.file.commit())
            .map_err(|e| cannot_write(self.path, &e))
    }
}

/// Writes `bytes` to the reserved file, or to standard output when there is none.
pub(crate) fn write_or_print(out: Option<Reserved<'_>>, bytes: &[u8]) -> Result<(), CliError> {
    match out {
        Some(file) => file.write(bytes),
        None => console::stdout(bytes),
    }
}

/// Where a streamed output goes: the reserved file, or standard output when there is none.
#[derive(Debug)]
pub(crate) struct Stream<'a> {
    reserved: Option<Reserved<'a>>,
}

/// The open destination of a [`Stream`]: the reserved (temporary) file, or the bytes for
/// standard output, printed only once the run has succeeded (a failed run prints nothing).
#[derive(Debug)]
pub(crate) enum Target {
    File(std::fs::File),
    Stdout(Vec<u8>),
}

impl io::Write for Target {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Self::File(f) => f.write(bytes),
            Self::Stdout(s) => s.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::File(f) => f.flush(),
            Self::Stdout(_) => Ok(()),
        }
    }
}

/// Opens `out` (its temporary file) for writing piece by piece, or a buffer for standard
/// output when there is none. Nothing is put in place until [`Stream::finish`]; dropping the stream instead (a
/// failed run) removes the temporary file.
pub(crate) fn stream(out: Option<Reserved<'_>>) -> Result<(Stream<'_>, Target), CliError> {
    let target = match &out {
        Some(r) => Target::File(std::fs::File::create(r.file.path()).map_err(|e| cannot_write(r.path, &e))?),
        None => Target::Stdout(Vec::new()),
    };
    Ok((Stream { reserved: out }, target))
}

impl Stream<'_> {
    /// The error for a failed write to this stream's destination.
    pub(crate) fn error(&self, error: &io::Error) -> CliError {
        match &self.reserved {
            Some(r) => cannot_write(r.path, error),
            None if error.kind() == io::ErrorKind::BrokenPipe => CliError::BrokenPipe,
            None => CliError::Io(format!("cannot write to standard output: {error}")),
        }
    }

    /// Flushes and closes `target` (written completely) and puts the file in place.
    pub(crate) fn finish(self, mut target: Target) -> Result<(), CliError> {
        io::Write::flush(&mut target).map_err(|e| self.error(&e))?;
        match (self.reserved, target) {
            (Some(r), target) => {
                drop(target);
                r.file.commit().map_err(|e| cannot_write(r.path, &e))
            }
            (None, Target::Stdout(bytes)) => console::stdout(&bytes),
            (None, Target::File(_)) => Ok(()),
        }
    }
}

/// Checks `outputs` against each other and the model file, then reserves each one, in order.
/// A figure's reservation only holds its place (and its temporary file, removed on drop); the
/// plot renderer writes the image itself.
pub(crate) fn reserve<'a>(model: &Path, outputs: &[Output<'a>]) -> Result<Vec<Reserved<'a>>, CliError> {
    for (i, output) in outputs.iter().enumerate() {
        refuse_to_overwrite(output.path(), model)?;
        if let Output::Figure { path, .. } = output {
            check_image_name(path)?;
        }
        if let Some(earlier) = outputs[..i].iter().find(|o| same_file(o.path(), output.path())) {
            return Err(CliError::Usage(format!(
                "`{} {}` and `{} {}` name the same file; choose different names",
                earlier.flag(),
                earlier.path().display(),
                output.flag(),
                output.path().display()
            )));
        }
    }
    outputs
        .iter()
        .map(|o| {
            let path = o.path();
            OutputFile::create(path)
                .map(|file| Reserved { path, file })
                .map_err(|e| cannot_write(path, &e))
        })
        .collect()
}

/// [`reserve`] for the one figure of `relapse plot` (its `--out`).
pub(crate) fn reserve_figure<'a>(model: &Path, path: &'a Path) -> Result<Reserved<'a>, CliError> {
    let mut reserved = reserve(model, &[Output::Figure { flag: "--out", path }])?;
    Ok(reserved.remove(0))
}

/// A usage error if `out` is the model file `input` itself (never overwrite an input).
pub(crate) fn refuse_to_overwrite(out: &Path, input: &Path) -> Result<(), CliError> {
    match input.canonicalize() {
        Ok(model) if identity(out) == model => Err(CliError::Usage(format!(
            "`{}` is the model file; choose another output name",
            out.display()
        ))),
        _ => Ok(()),
    }
}

/// The I/O error for an output that cannot be written, naming a missing folder plainly.
pub(crate) fn cannot_write(path: &Path, error: &io::Error) -> CliError {
    let missing_folder = resolve_links(path)
        .ok()
        .and_then(|target| target.parent().map(Path::to_path_buf))
        .filter(|dir| !dir.as_os_str().is_empty() && !dir.exists());
    match missing_folder {
        Some(dir) if error.kind() == io::ErrorKind::NotFound => CliError::Io(format!(
            "cannot write `{}`: the folder `{}` does not exist",
            path.display(),
            dir.display()
        )),
        _ => CliError::Io(format!("cannot write `{}`: {error}", path.display())),
    }
}

fn check_image_name(path: &Path) -> Result<(), CliError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("png" | "svg") => Ok(()),
        _ => Err(CliError::Usage(
            PlotError::UnknownFormat(path.display().to_string()).to_string(),
        )),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    identity(a) == identity(b)
}

/// The file that writing `path` replaces: links followed, the folder made absolute and
/// canonical; `path` with links followed when the folder does not exist.
fn identity(path: &Path) -> PathBuf {
    let target = resolve_links(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (dir.canonicalize(), target.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => target,
    }
}

#[cfg(test)]
mod tests {
    use super::{Output, reserve, same_file};
    use std::path::Path;

    #[test]
    fn spellings_of_one_file_are_the_same_file() {
        assert!(same_file(Path::new("same.png"), Path::new("./same.png")));
        assert!(same_file(Path::new("src/../same.png"), Path::new("same.png")));
        assert!(!same_file(Path::new("a.png"), Path::new("b.png")));
    }

    #[test]
    fn two_outputs_to_one_file_are_refused_before_any_is_reserved() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("same.png");
        let b = dir.path().join(".").join("same.png");
        let outputs = [
            Output::Figure {
                flag: "--plot",
                path: &a,
            },
            Output::Data {
                flag: "--out",
                path: &b,
            },
        ];
        let err = reserve(Path::new("Cargo.toml"), &outputs).unwrap_err();
        assert!(err.to_string().contains("name the same file"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
