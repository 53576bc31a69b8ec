//! Command-line arguments (clap derive types only) and their conversion to domain values.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// ODE pharmacodynamics of relapse after targeted therapy: check model files, simulate regimens.
#[derive(Debug, Parser)]
#[command(name = "relapse", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once; boxing buys nothing
pub(crate) enum Command {
    /// Validate model files and report every problem with its location.
    Check(CheckArgs),
    /// Simulate regimens of a model and write the outputs as CSV.
    Simulate(SimulateArgs),
    /// Compare regimens: nadir, relapse time, time below detection, AUC, exposure metrics.
    Compare(CompareArgs),
    /// Plot relapse curves (PNG or SVG by extension), with dose rug and exposure panel.
    Plot(PlotArgs),
    /// Run a virtual population through the regimens: relapse-free survival per regimen.
    Population(PopulationArgs),
    /// Combine the shard folders of `population --shard` into the files of a single run.
    Merge(MergeArgs),
    /// Write a self-contained HTML report: figures, comparison, regimens, parameters, provenance.
    Report(ReportArgs),
    /// Re-check a model on every save; optionally re-run `compare` and rewrite a plot.
    Watch(WatchArgs),
}

/// How `check` reports problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum DiagnosticFormat {
    /// Annotated source snippets with hints.
    #[default]
    Human,
    /// One line per problem: `file:line:col: error: message`.
    Short,
    /// A JSON document for editors (schema in the README).
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Model files to check.
    #[arg(required = true, value_name = "MODEL")]
    pub(crate) models: Vec<PathBuf>,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: DiagnosticFormat,
}

/// Evaluation engines for `--engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EngineArg {
    /// Bytecode, switching to native code once compiling pays for itself (default).
    Auto,
    /// Native code (Cranelift), compiled before the run.
    Jit,
    /// The bytecode interpreter only (the reference).
    Bytecode,
}

/// Integration method names for `--method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MethodArg {
    /// Dormand–Prince 5(4).
    Dopri5,
    /// Dormand–Prince 8(5,3).
    Dop853,
    /// Rodas5P, a Rosenbrock method for stiff models (needs the model's Jacobian).
    Rodas5p,
    /// DOPRI5, switching to Rodas5P where the model is stiff (default).
    Auto,
}

/// Solver flags shared by every command that simulates.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct SolverArgs {
    /// End time of the simulation (model time units); overrides [solver] t_end.
    #[arg(long, allow_negative_numbers = true, value_name = "T")]
    pub(crate) t_end: Option<f64>,
    /// Output every DT time units (plus t_end).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "DT",
        conflicts_with = "times"
    )]
    pub(crate) output_step: Option<f64>,
    /// Output exactly at these times (comma-separated, within [0, t_end]).
    // Hyphen values, not only negative numbers: clap does not see `-1,2` as a number.
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "T1,T2,...",
        value_delimiter = ','
    )]
    pub(crate) times: Option<Vec<f64>>,
    /// Relative tolerance.
    #[arg(long, allow_negative_numbers = true, value_name = "R")]
    pub(crate) rtol: Option<f64>,
    /// Absolute tolerance for every state (overrides an [solver] atol table).
    #[arg(long, allow_negative_numbers = true, value_name = "A")]
    pub(crate) atol: Option<f64>,
    /// Integration method.
    #[arg(long, value_enum)]
    pub(crate) method: Option<MethodArg>,
    /// How the model's expressions are evaluated (results are bit-identical either way).
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub(crate) engine: Option<EngineArg>,
    /// Maximum number of steps per regimen run.
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub(crate) max_steps: Option<u64>,
    /// Maximum output rows per regimen (default 10000000); overrides [solver] max_output_rows.
    #[arg(long, value_name = "N")]
    pub(crate) max_rows: Option<u64>,
    /// Override a parameter: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub(crate) set: Vec<String>,
    /// Regimen to run (repeatable; default: all, in file order).
    #[arg(long = "regimen", value_name = "NAME")]
    pub(crate) regimens: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// The model file.
    #[arg(value_name = "MODEL")]
    pub(crate) model: PathBuf,
    /// Write the CSV here (atomically) instead of to standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Only these output columns (comma-separated), in this order.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub(crate) outputs: Option<Vec<String>>,
    /// Print solver statistics (steps, rejections, RHS evaluations, doses given) to standard error.
    #[arg(long)]
    pub(crate) stats: bool,
    #[command(flatten)]
    pub(crate) solver: SolverArgs,
}

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompareFormat {
    /// Aligned columns.
    Table,
    /// A Markdown table.
    Markdown,
    /// CSV, full precision.
    Csv,
    /// JSON (schema in the README).
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The model file.
    #[arg(value_name = "MODEL")]
    pub(crate) model: PathBuf,
    /// Regimen whose relapse time the others are compared with (default: the first run).
    #[arg(long, value_name = "NAME")]
    pub(crate) baseline: Option<String>,
    /// Output format (default: from the --out extension .md/.csv/.json, else table).
    #[arg(long, value_enum)]
    pub(crate) format: Option<CompareFormat>,
    /// Write here (atomically) instead of to standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Also write the overlay of relapse curves here (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub(crate) plot: Option<PathBuf>,
    /// Also write the observable's nadir in every protocol cycle here (CSV, e.g. cycle_nadirs.csv).
    #[arg(long, value_name = "FILE.csv")]
    pub(crate) cycle_nadirs: Option<PathBuf>,
    /// Show times (table columns, JSON, CSV and the figure) in this unit; needs a known model time_unit.
    #[arg(long, value_enum, value_name = "UNIT")]
    pub(crate) time_unit: Option<TimeUnitArg>,
    /// Extra figure panel (repeatable): comma-separated series, then `:log` or `:linear`.
    #[arg(long = "panels", value_name = "A,B:log", requires = "plot")]
    pub(crate) panels: Vec<String>,
    /// Draw these measurements on the figure (CSV: time,value[,regimen,id,output,lower,upper]).
    #[arg(long, value_name = "FILE.csv", requires = "plot")]
    pub(crate) data: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) solver: SolverArgs,
}

/// Time units of `--time-unit` (see `relapse::units`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimeUnitArg {
    /// Hours.
    #[value(alias = "hour", alias = "hours")]
    H,
    /// Days (24 h).
    #[value(alias = "days")]
    Day,
    /// Weeks (7 days).
    #[value(alias = "weeks")]
    Week,
    /// Months of 30.4375 days (365.25 / 12).
    #[value(alias = "months")]
    Month,
}

impl From<TimeUnitArg> for relapse::units::TimeUnit {
    fn from(u: TimeUnitArg) -> Self {
        match u {
            TimeUnitArg::H => Self::Hour,
            TimeUnitArg::Day => Self::Day,
            TimeUnitArg::Week => Self::Week,
            TimeUnitArg::Month => Self::Month,
        }
    }
}

/// Figure options shared by `plot` and `compare --plot`.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct FigureArgs {
    /// Outputs to draw: the exposure panel's (models with [relapse]) or the main panel's.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub(crate) outputs: Option<Vec<String>>,
    /// Logarithmic y axis for the main panel (the default).
    #[arg(long, conflicts_with = "linear_y")]
    pub(crate) log_y: bool,
    /// Linear y axis for the main panel.
    #[arg(long)]
    pub(crate) linear_y: bool,
    /// Width in pixels [default: [plot] width, else 1200].
    #[arg(long, allow_negative_numbers = true, value_name = "W")]
    pub(crate) width: Option<u32>,
    /// Height in pixels [default: [plot] height, else 750].
    #[arg(long, allow_negative_numbers = true, value_name = "H")]
    pub(crate) height: Option<u32>,
    /// Title (default: the model's title).
    #[arg(long, value_name = "T")]
    pub(crate) title: Option<String>,
    /// Show the time axis in this unit; needs a known model time_unit.
    #[arg(long, value_enum, value_name = "UNIT")]
    pub(crate) time_unit: Option<TimeUnitArg>,
    /// Extra panel (repeatable; replaces [plot] panels): comma-separated outputs, states or
    /// derived values, then `:log` or `:linear` (default linear), e.g. `--panels S,P,R:log`.
    #[arg(long = "panels", value_name = "A,B:log")]
    pub(crate) panels: Vec<String>,
    /// Draw these measurements as points (CSV: time,value[,regimen,id,output,lower,upper]).
    #[arg(long, value_name = "FILE.csv")]
    pub(crate) data: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct PlotArgs {
    /// The model file.
    #[arg(value_name = "MODEL")]
    pub(crate) model: PathBuf,
    /// The image to write: .png or .svg.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: PathBuf,
    #[command(flatten)]
    pub(crate) figure: FigureArgs,
    #[command(flatten)]
    pub(crate) solver: SolverArgs,
}

#[derive(Debug, Args)]
pub(crate) struct PopulationArgs {
    /// The model file (with a [population] section, unless --parameters is given).
    #[arg(value_name = "MODEL")]
    pub(crate) model: PathBuf,
    /// Number of patients (default: [population] size, else 100).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub(crate) patients: Option<u64>,
    /// Sampling seed (default: [population] seed, else 1).
    #[arg(long, allow_negative_numbers = true, value_name = "S")]
    pub(crate) seed: Option<u64>,
    /// Read the patients from this CSV file (`id` then parameter columns) instead of sampling.
    #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["patients", "seed"])]
    pub(crate) parameters: Option<PathBuf>,
    /// Regimen the others are compared with: log-rank test and paired delay (default: the first).
    #[arg(long, value_name = "NAME")]
    pub(crate) baseline: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long, allow_negative_numbers = true, value_name = "J")]
    pub(crate) jobs: Option<usize>,
    /// Folder to write the results into (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Also draw the survival curves and population relapse curves here (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub(crate) plot: Option<PathBuf>,
    /// Also write every patient's outputs on the output grid and the observable's percentile bands.
    #[arg(long)]
    pub(crate) trajectories: bool,
    /// Times at which to report the relapse-free fraction (default: t_end/4, t_end/2, 3·t_end/4, t_end).
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "T1,T2,...",
        value_delimiter = ','
    )]
    pub(crate) landmarks: Option<Vec<f64>>,
    /// Run only shard K of N (K = 0..N-1, contiguous blocks of patients) and write a shard folder.
    #[arg(long, allow_hyphen_values = true, value_name = "K/N")]
    pub(crate) shard: Option<String>,
    #[command(flatten)]
    pub(crate) solver: SolverArgs,
}

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// Shard folders written by `relapse population --shard K/N`, all N of them.
    #[arg(required = true, value_name = "DIR")]
    pub(crate) shards: Vec<PathBuf>,
    /// Folder to write the merged results into (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Also draw the population figure here (.png or .svg; the shards need --trajectories).
    #[arg(long, value_name = "FILE")]
    pub(crate) plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The model file.
    #[arg(value_name = "MODEL")]
    pub(crate) model: PathBuf,
    /// The HTML file to write (atomically).
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Regimen whose relapse time the others are compared with (default: the first run).
    #[arg(long, value_name = "NAME")]
    pub(crate) baseline: Option<String>,
    #[command(flatten)]
    pub(crate) figure: FigureArgs,
    #[command(flatten)]
    pub(crate) solver: SolverArgs,
}

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// The model file to watch.
    #[arg(value_name = "MODEL")]
    pub(crate) model: PathBuf,
    /// Rewrite this figure (.png or .svg) after every valid save.
    #[arg(long, value_name = "FILE")]
    pub(crate) plot: Option<PathBuf>,
    /// Print the fresh `compare` table after every valid save.
    #[arg(long)]
    pub(crate) compare: bool,
    /// Quiet time after a change before re-running, in milliseconds (editors write in bursts).
    #[arg(long, value_name = "MS", default_value_t = 150,
          value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub(crate) debounce: u64,
    /// Flags passed to the command run on each save (after `--`), e.g. `-- --set ka=2 --t-end 90`.
    #[arg(last = true, value_name = "FLAGS")]
    pub(crate) flags: Vec<String>,
}

impl From<CompareFormat> for relapse::export::MetricsFormat {
    fn from(f: CompareFormat) -> Self {
        match f {
            CompareFormat::Table => Self::Table,
            CompareFormat::Markdown => Self::Markdown,
            CompareFormat::Csv => Self::Csv,
            CompareFormat::Json => Self::Json,
        }
    }
}

impl From<EngineArg> for relapse::model::Engine {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Auto => Self::Auto,
            EngineArg::Jit => Self::Jit,
            EngineArg::Bytecode => Self::Bytecode,
        }
    }
}

impl From<MethodArg> for relapse::solve::Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Dopri5 => Self::Dopri5,
            MethodArg::Dop853 => Self::Dop853,
            MethodArg::Rodas5p => Self::Rodas5P,
            MethodArg::Auto => Self::Auto,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
