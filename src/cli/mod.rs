//! Orchestration of the `relapse` commands: read files, call the library, write results.
//! The only module that prints, and only through [`console`].

pub(crate) mod args;
mod clock;
mod compare;
pub(crate) mod console;
mod figure;
mod figure_extras;
#[cfg(test)]
mod layout_checks;
mod merge;
mod observed;
mod outputs;
mod overrides;
mod panels;
mod population;
mod provenance;
mod render;
mod report;
mod settings;
pub(crate) mod signals;
mod simulate;
mod watch;

use std::io::Read;
use std::path::Path;

use relapse::diagnostic::{Diagnostic, Diagnostics, Span};
use relapse::model::{self, CompiledModel, Model};
use relapse::regimen::Regimen;

use args::{CheckArgs, Cli, Command, DiagnosticFormat, SolverArgs};
use render::FileReport;
use settings::RunSettings;

/// Exit code for an invalid model.
pub(crate) const EXIT_INVALID_MODEL: u8 = 1;
/// Exit code for a usage error (bad flag, unknown regimen, times beyond t_end).
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code for a solver failure.
pub(crate) const EXIT_SOLVER: u8 = 3;
/// Exit code for an I/O error.
pub(crate) const EXIT_IO: u8 = 4;

/// Largest model file read; more is refused (an endless special file must not exhaust memory).
const MAX_MODEL_BYTES: u64 = 64 * 1024 * 1024;

/// A failed command; diagnostics have already been printed for `InvalidModel`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("model is invalid")]
    InvalidModel,
    #[error("{0}")]
    Solver(String),
    #[error("{0}")]
    Io(String),
    /// Whoever reads standard output or standard error closed it: stop quietly (exit 0).
    #[error("broken pipe")]
    BrokenPipe,
    /// A failure with this exit code whose messages have already been printed.
    #[error("failed (reported above)")]
    Reported(u8),
}

impl CliError {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::InvalidModel => EXIT_INVALID_MODEL,
            Self::Solver(_) => EXIT_SOLVER,
            Self::Io(_) => EXIT_IO,
            Self::BrokenPipe => 0,
            Self::Reported(code) => *code,
        }
    }

    /// Prints the message (for the variants not already reported).
    pub(crate) fn report(&self) {
        console::report(self);
    }
}

/// Runs one command.
pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Plot(args) => figure::run(&args),
        Command::Population(args) => population::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Watch(args) => watch::run(&args),
    }
}

/// Why a model file could not be used as text.
enum SourceError {
    /// It could not be read (exit 4).
    Io(CliError),
    /// It is not a model file: larger than [`MAX_MODEL_BYTES`] or not UTF-8 (exit 1). `text` is
    /// what the diagnostics point into.
    Invalid { text: String, diagnostics: Diagnostics },
}

/// Reads a model file: at most [`MAX_MODEL_BYTES`], and UTF-8.
fn read_source(path: &Path) -> Result<String, SourceError> {
    let io =
        |e: std::io::Error| SourceError::Io(CliError::Io(format!("cannot read `{}`: {e}", path.display())));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_MODEL_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        let diagnostic =
            Diagnostic::error(None, "the file is larger than 64 MiB, the limit for a model file")
                .with_hint("is this the right file? a model is a TOML text file");
        return Err(invalid_source(String::new(), diagnostic));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bad = e.as_bytes()[at];
        let text = with_placeholders(e.as_bytes());
        let diagnostic = Diagnostic::error(
            Span::new(at, at + 1),
            format!("the file is not valid UTF-8: byte 0x{bad:02X} at byte offset {at}"),
        )
        .with_label("not UTF-8")
        .with_hint("model files are UTF-8 text; save the file with UTF-8 encoding");
        invalid_source(text, diagnostic)
    })
}

/// `bytes` as text with each byte that is not part of valid UTF-8 shown as `?`, so that byte
/// offsets into the text are byte offsets into the file (U+FFFD would take three bytes).
fn with_placeholders(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    text
}

fn invalid_source(text: String, diagnostic: Diagnostic) -> SourceError {
    let mut diagnostics = Diagnostics::new();
    diagnostics.push(diagnostic);
    SourceError::Invalid { text, diagnostics }
}

pub(crate) fn print_diagnostics(
    path: &Path,
    source: &str,
    diagnostics: &Diagnostics,
) -> Result<(), CliError> {
    let path_text = path.display().to_string();
    let report = FileReport {
        path: &path_text,
        source,
        diagnostics,
    };
    console::stderr(&render::human(&report, console::styled_stderr()))
}

/// A model ready to run: loaded, settings resolved, compiled with the `--set` values, and the
/// regimens selected by `--regimen`.
pub(crate) struct Prepared {
    pub(crate) model: Model,
    pub(crate) settings: RunSettings,
    pub(crate) compiled: CompiledModel,
    pub(crate) regimens: Vec<Regimen>,
}

/// Loads, resolves and compiles the model at `path`, printing any diagnostics to stderr.
/// States and derived values named in `series` (an `--outputs` list) become outputs of the
/// model, so they can be selected like `[outputs]` columns.
pub(crate) fn prepare(path: &Path, solver: &SolverArgs, series: &[String]) -> Result<Prepared, CliError> {
    prepare_with_source(path, solver, series).map(|(prepared, _)| prepared)
}

/// [`prepare`], also returning the run's provenance (from the model file's text and the
/// resolved settings), for the outputs that record it.
pub(crate) fn prepare_with_provenance(
    path: &Path,
    solver: &SolverArgs,
    series: &[String],
) -> Result<(Prepared, relapse::export::RunProvenance), CliError> {
    let (prepared, source) = prepare_with_source(path, solver, series)?;
    let provenance = provenance::run_provenance(&source, &prepared.settings, &prepared.compiled);
    Ok((prepared, provenance))
}

/// [`prepare`], also returning the model file's text (for locating later problems in it).
pub(crate) fn prepare_with_source(
    path: &Path,
    solver: &SolverArgs,
    series: &[String],
) -> Result<(Prepared, String), CliError> {
    let source = match read_source(path) {
        Ok(source) => source,
        Err(SourceError::Io(e)) => return Err(e),
        Err(SourceError::Invalid { text, diagnostics }) => {
            print_diagnostics(path, &text, &diagnostics)?;
            return Err(CliError::InvalidModel);
        }
    };
    let (mut model, validated) = match model::load_compiled(&source) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            print_diagnostics(path, &source, &diagnostics)?;
            return Err(CliError::InvalidModel);
        }
    };
    if !model.warnings.is_empty() {
        let mut warnings = Diagnostics::new();
        warnings.extend(model.warnings.iter().cloned());
        print_diagnostics(path, &source, &warnings)?;
    }
    let settings = settings::resolve(&model, solver)?;
    let exposed = model.expose_series(series);
    // The compile that validated the model is the one to run unless `--set` changes values or
    // states and derived values were added as outputs.
    let compiled = if settings.overrides.is_empty() && !exposed {
        Ok(validated)
    } else {
        model.compile(&settings.overrides)
    };
    let compiled = match compiled {
        Ok(compiled) => compiled,
        Err(diagnostics) => {
            print_diagnostics(path, &source, &diagnostics)?;
            return Err(CliError::Usage(
                "the `--set` values make the model invalid; see the problems above".to_string(),
            ));
        }
    };
    if let Err(e) = compiled.use_engine(settings.engine) {
        console::stderr(&format!("warning: {e}; using the bytecode interpreter\n"))?;
    }
    let regimens = simulate::select_regimens(&compiled, &solver.regimens)?;
    let prepared = Prepared {
        model,
        settings,
        compiled,
        regimens,
    };
    Ok((prepared, source))
}

fn check(args: &CheckArgs) -> Result<(), CliError> {
    let mut any_invalid = false;
    let mut any_unreadable = false;
    let mut json_files = Vec::new();
    for path in &args.models {
        let (source, diagnostics) = match read_source(path) {
            Ok(source) => {
                let diagnostics = match model::load(&source) {
                    Ok(m) => {
                        let mut d = Diagnostics::new();
                        d.extend(m.warnings);
                        d
                    }
                    Err(d) => d,
                };
                (source, diagnostics)
            }
            Err(SourceError::Invalid { text, diagnostics }) => (text, diagnostics),
            Err(SourceError::Io(e)) => {
                e.report();
                any_unreadable = true;
                continue;
            }
        };
        any_invalid |= diagnostics.has_errors();
        let path_text = path.display().to_string();
        let report = FileReport {
            path: &path_text,
            source: &source,
            diagnostics: &diagnostics,
        };
        match args.format {
            DiagnosticFormat::Human => {
                console::stderr(&render::human(&report, console::styled_stderr()))?;
                if !diagnostics.has_errors() {
                    console::stderr(&format!("{path_text}: ok\n"))?;
                }
            }
            DiagnosticFormat::Short => console::stderr(&render::short(&report))?,
            DiagnosticFormat::Json => json_files.push(render::json_file(&report)),
        }
    }
    if args.format == DiagnosticFormat::Json {
        let doc = serde_json::json!({ "files": json_files });
        let mut text = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
        text.push('\n');
        console::stdout(text.as_bytes())?;
    }
    // Unreadable files were reported as they came; an unreadable file outranks an invalid one.
    match (any_unreadable, any_invalid) {
        (true, _) => Err(CliError::Reported(EXIT_IO)),
        (false, true) => Err(CliError::InvalidModel),
        (false, false) => Ok(()),
    }
}
