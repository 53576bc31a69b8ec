//! Orchestration of the `relapse` commands: read files, call the library, write results.
//! The only module that prints.
#![allow(clippy::print_stderr, clippy::print_stdout)]

pub(crate) mod args;
mod compare;
mod figure;
mod render;
mod settings;
mod simulate;

use std::io::IsTerminal;
use std::path::Path;

use relapse::diagnostic::Diagnostics;
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
}

impl CliError {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::InvalidModel => EXIT_INVALID_MODEL,
            Self::Solver(_) => EXIT_SOLVER,
            Self::Io(_) => EXIT_IO,
        }
    }

    pub(crate) fn report(&self) {
        if !matches!(self, Self::InvalidModel) {
            eprintln!("error: {self}");
        }
    }
}

/// Runs one command.
pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Plot(args) => figure::run(&args),
    }
}

fn read_source(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::Io(format!("cannot read `{}`: {e}", path.display())))
}

fn styled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn print_diagnostics(path: &Path, source: &str, diagnostics: &Diagnostics) {
    let path_text = path.display().to_string();
    let report = FileReport {
        path: &path_text,
        source,
        diagnostics,
    };
    eprint!("{}", render::human(&report, styled()));
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
pub(crate) fn prepare(path: &Path, solver: &SolverArgs) -> Result<Prepared, CliError> {
    let source = read_source(path)?;
    let model = model::load(&source).map_err(|diagnostics| {
        print_diagnostics(path, &source, &diagnostics);
        CliError::InvalidModel
    })?;
    if !model.warnings.is_empty() {
        let mut warnings = Diagnostics::new();
        warnings.extend(model.warnings.iter().cloned());
        print_diagnostics(path, &source, &warnings);
    }
    let settings = settings::resolve(&model, solver)?;
    let compiled = model.compile(&settings.overrides).map_err(|diagnostics| {
        print_diagnostics(path, &source, &diagnostics);
        CliError::Usage("the `--set` values make the model invalid; see the problems above".to_string())
    })?;
    let regimens = simulate::select_regimens(&compiled, &solver.regimens)?;
    Ok(Prepared {
        model,
        settings,
        compiled,
        regimens,
    })
}

fn check(args: &CheckArgs) -> Result<(), CliError> {
    let mut any_invalid = false;
    let mut io_error = None;
    let mut json_files = Vec::new();
    for path in &args.models {
        let source = match read_source(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                io_error = Some(e);
                continue;
            }
        };
        let diagnostics = match model::load(&source) {
            Ok(m) => {
                let mut d = Diagnostics::new();
                d.extend(m.warnings);
                d
            }
            Err(d) => {
                any_invalid = true;
                d
            }
        };
        let path_text = path.display().to_string();
        let report = FileReport {
            path: &path_text,
            source: &source,
            diagnostics: &diagnostics,
        };
        match args.format {
            DiagnosticFormat::Human => {
                eprint!("{}", render::human(&report, styled()));
                if !diagnostics.has_errors() {
                    eprintln!("{path_text}: ok");
                }
            }
            DiagnosticFormat::Short => eprint!("{}", render::short(&report)),
            DiagnosticFormat::Json => json_files.push(render::json_file(&report)),
        }
    }
    if args.format == DiagnosticFormat::Json {
        let doc = serde_json::json!({ "files": json_files });
        println!("{}", serde_json::to_string_pretty(&doc).expect("json"));
    }
    match (io_error, any_invalid) {
        (Some(e), _) => Err(CliError::Io(format!("{e} (and possibly more files)"))),
        (None, true) => Err(CliError::InvalidModel),
        (None, false) => Ok(()),
    }
}
