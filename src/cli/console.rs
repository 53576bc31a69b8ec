//! Standard output and standard error: every byte the CLI prints goes through here.
//!
//! A closed pipe (`relapse check --format json … | head -c1`) ends the command quietly with exit
//! code 0, as the reading end asked for no more. Any other write error (a full disk, a device
//! error) is an I/O error, exit code 4. Never a panic.

use std::io::{self, IsTerminal, Write};

use super::{CliError, EXIT_IO, EXIT_USAGE};

/// Writes `bytes` to standard output and flushes.
pub(crate) fn stdout(bytes: &[u8]) -> Result<(), CliError> {
    write_all(io::stdout().lock(), bytes, "standard output")
}

/// Writes `text` to standard error.
pub(crate) fn stderr(text: &str) -> Result<(), CliError> {
    write_all(io::stderr().lock(), text.as_bytes(), "standard error")
}

fn write_all(mut stream: impl Write, bytes: &[u8], name: &str) -> Result<(), CliError> {
    stream
        .write_all(bytes)
        .and_then(|()| stream.flush())
        .map_err(|e| match e.kind() {
            io::ErrorKind::BrokenPipe => CliError::BrokenPipe,
            _ => CliError::Io(format!("cannot write to {name}: {e}")),
        })
}

/// True if diagnostics on standard error should be coloured.
pub(crate) fn styled_stderr() -> bool {
    io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints `error: …` for a failed command. Best effort: when standard error itself is what
/// failed, there is nowhere left to say so, and the command's exit code stands.
pub(crate) fn report(error: &CliError) {
    if let CliError::Usage(_) | CliError::Solver(_) | CliError::Io(_) = error {
        let _ = stderr(&format!("error: {error}\n"));
    }
}

/// Prints clap's message (help and version on standard output, usage errors on standard error)
/// and returns the exit code: 0 for help and version, 2 for a usage error, 4 if help or version
/// could not be written (0 if the reader closed the pipe).
pub(crate) fn clap_message(error: &clap::Error) -> u8 {
    let to_stderr = error.use_stderr();
    let terminal = if to_stderr {
        io::stderr().is_terminal()
    } else {
        io::stdout().is_terminal()
    };
    let rendered = error.render();
    let text = if terminal && std::env::var_os("NO_COLOR").is_none() {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    if to_stderr {
        let _ = stderr(&text);
        return EXIT_USAGE;
    }
    match stdout(text.as_bytes()) {
        Ok(()) | Err(CliError::BrokenPipe) => 0,
        Err(e) => {
            report(&e);
            EXIT_IO
        }
    }
}

/// A progress bar on standard error while a terminal shows it; does nothing otherwise (a log
/// file or a pipe gets no control characters).
pub(crate) struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A bar counting up to `total` `unit`s.
    pub(crate) fn new(total: u64, unit: &str) -> Self {
        if !io::stderr().is_terminal() {
            return Self(None);
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
        let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{elapsed}}, about {{eta}} left)");
        if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("█▌ "));
        }
        Self(Some(bar))
    }

    /// Counts one more done (from any thread).
    pub(crate) fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
