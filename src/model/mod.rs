//! Model files: the TOML schema, its validation (every problem reported at once, with spans)
//! and compilation of a validated [`Model`] into bytecode programs and dose schedules.

mod adaptive;
mod compile;
mod cycles;
mod derived_parameters;
mod jacobian;
mod monitor;
mod plot_section;
mod population;
mod reader;
mod regimen_parameters;
mod regimens;
mod sections;
mod series;
mod solver;
mod steady_state;
mod stream;
mod switching;
mod trace;

pub use compile::{CompiledModel, Engine, ModelSystem, NonFiniteOutput, ParameterOverride};
pub use monitor::{Integrands, Measurement, Monitor, WatchFunctions};
pub use plot_section::{AxisScale, MAX_PANELS, MAX_SERIES, PanelSpec, PlotSpec};
pub use regimen_parameters::RegimenParameter;
pub use series::SeriesSource;
pub use stream::StreamError;
pub use trace::Trace;

use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::expr::Expr;
use crate::solve::Method;

/// A declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Name used in expressions.
    pub name: String,
    /// Value from the file (before `--set` overrides); NaN for a derived parameter until the
    /// model is compiled.
    pub value: f64,
    /// For a derived parameter (`ke = "CL / V"`): its expression of earlier parameters, folded
    /// at each compilation (so `--set CL=…` moves `ke`).
    pub expr: Option<Expr>,
    /// Unit, for documentation.
    pub unit: Option<String>,
    /// What the parameter means.
    pub description: Option<String>,
    /// Where the value comes from (a publication, DOI, BioModels id), if given.
    pub source: Option<String>,
    /// Span of the name in the file.
    pub span: Span,
}

/// A declared state variable; declaration order is state-vector order.
#[derive(Debug, Clone, PartialEq)]
pub struct StateVariable {
    /// Name used in expressions.
    pub name: String,
    /// Initial value: an expression of parameters.
    pub initial: Expr,
    /// Unit, for documentation and plots.
    pub unit: Option<String>,
    /// What the state means.
    pub description: Option<String>,
    /// Span of the name in the file.
    pub span: Span,
}

/// A derived value (`[derived]`), computed from t, parameters, states and earlier derived values.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// Name used in expressions.
    pub name: String,
    /// Its formula.
    pub expr: Expr,
    /// Span of the name in the file.
    pub span: Span,
}

/// A column written by `simulate` (`[outputs]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Column name.
    pub name: String,
    /// Its formula.
    pub expr: Expr,
    /// Unit, for headers and plots.
    pub unit: Option<String>,
    /// True for drug concentrations (exposure metrics and plot panel).
    pub exposure: bool,
    /// Optional target concentration for time-above-target: an expression of parameters.
    pub target: Option<Expr>,
}

/// Absolute tolerance: one default plus per-state values.
#[derive(Debug, Clone, PartialEq)]
pub struct AbsoluteTolerance {
    /// For states not listed.
    pub default: f64,
    /// `(state index, atol)` overrides.
    pub per_state: Vec<(usize, f64)>,
}

impl AbsoluteTolerance {
    /// The tolerance vector for `state_count` states.
    pub fn to_vec(&self, state_count: usize) -> Vec<f64> {
        let mut v = vec![self.default; state_count];
        for &(i, a) in &self.per_state {
            v[i] = a;
        }
        v
    }
}

/// Output times of `simulate`.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputGrid {
    /// `i * step` for i = 0, 1, … while ≤ t_end, plus t_end itself.
    Step(f64),
    /// Exactly these times (sorted, within [0, t_end]).
    Times(Vec<f64>),
}

/// `[solver]` settings from the file; every field optional (command-line flags override).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SolverSettings {
    /// Integration method.
    pub method: Option<Method>,
    /// Relative tolerance.
    pub rtol: Option<f64>,
    /// Absolute tolerance.
    pub atol: Option<AbsoluteTolerance>,
    /// End of the simulated interval (model time units).
    pub t_end: Option<f64>,
    /// Output times.
    pub output: Option<OutputGrid>,
    /// Maximum accepted + rejected steps per regimen run.
    pub max_steps: Option<u64>,
    /// Maximum output rows per regimen run (`simulate`).
    pub max_output_rows: Option<u64>,
}

/// A quantity of a dose: an expression of parameters, evaluated at compile time.
pub type DoseQuantity = Expr;

/// How an infusion is specified.
#[derive(Debug, Clone, PartialEq)]
pub enum InfusionSpec {
    /// Over this duration (model time units).
    Duration(DoseQuantity),
    /// At this rate (amount per time unit).
    Rate(DoseQuantity),
}

/// One `doses` entry of a regimen.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseSpec {
    /// Index of the target state.
    pub target: usize,
    /// Amount per administration.
    pub amount: DoseQuantity,
    /// Time of the first administration.
    pub start: f64,
    /// Time between administrations.
    pub interval: Option<f64>,
    /// Number of administrations (with a cycle: cycles × slots per cycle).
    pub count: u32,
    /// Protocol cycles (`cycle = { length, on, count }`); `None` for plain repeats.
    pub cycle: Option<crate::regimen::Cycle>,
    /// `ss = true`: indices of the states started at steady state (all, or `ss_states`).
    pub steady_state: Option<Vec<usize>>,
    /// Zero-order input instead of a bolus.
    pub infusion: Option<InfusionSpec>,
    /// Delay added to every administration time.
    pub lag: Option<DoseQuantity>,
    /// Fraction of the amount that arrives.
    pub bioavailability: Option<DoseQuantity>,
    /// Span of the dose entry.
    pub span: Span,
}

/// A named regimen (`[regimens.NAME]`).
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenSpec {
    /// Regimen name.
    pub name: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// Doses in file order.
    pub doses: Vec<DoseSpec>,
    /// Parameter overrides while this regimen runs (`parameters = { … }`), in file order.
    pub parameters: Vec<RegimenParameter>,
    /// Switches and rules of an adaptive regimen.
    pub adaptive: Option<adaptive::AdaptiveSpec>,
}

/// `[relapse]`: how tumour burden and relapse are read from the model.
#[derive(Debug, Clone, PartialEq)]
pub struct RelapseSpec {
    /// The burden observable.
    pub observable: Expr,
    /// Name for tables and axes.
    pub name: Option<String>,
    /// Unit for tables and axes.
    pub unit: Option<String>,
    /// Relapse threshold, an expression of parameters (folded per run and per regimen);
    /// default: the observable at t = 0 before any dose.
    pub threshold: Option<Expr>,
    /// Detection limit, if any: an expression of parameters.
    pub detection_limit: Option<Expr>,
    /// Label of the threshold line in figures; default [`RelapseSpec::DEFAULT_THRESHOLD_LABEL`].
    pub threshold_label: Option<String>,
    /// Label of the detection-limit line in figures; default
    /// [`RelapseSpec::DEFAULT_DETECTION_LABEL`].
    pub detection_label: Option<String>,
}

impl RelapseSpec {
    /// The threshold line's label when `threshold_label` is not given.
    pub const DEFAULT_THRESHOLD_LABEL: &'static str = "relapse threshold";
    /// The detection-limit line's label when `detection_label` is not given.
    pub const DEFAULT_DETECTION_LABEL: &'static str = "detection limit";

    /// The threshold line's label: `threshold_label`, or "relapse threshold".
    pub fn threshold_label(&self) -> &str {
        self.threshold_label
            .as_deref()
            .unwrap_or(Self::DEFAULT_THRESHOLD_LABEL)
    }

    /// The detection-limit line's label: `detection_label`, or "detection limit".
    pub fn detection_label(&self) -> &str {
        self.detection_label
            .as_deref()
            .unwrap_or(Self::DEFAULT_DETECTION_LABEL)
    }
}

/// A validated model: every name resolves and every expression compiles with the file's
/// parameter values.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// `[model] name`.
    pub name: String,
    /// `[model] title`.
    pub title: Option<String>,
    /// `[model] time_unit`.
    pub time_unit: Option<String>,
    /// `[model] description`.
    pub description: Option<String>,
    /// Parameters in file order.
    pub parameters: Vec<Parameter>,
    /// States in file order.
    pub states: Vec<StateVariable>,
    /// Derived values in file order.
    pub derived: Vec<Derived>,
    /// One right-hand side per state, in state order.
    pub equations: Vec<Expr>,
    /// Output columns.
    pub outputs: Vec<Output>,
    /// `[solver]` settings.
    pub solver: SolverSettings,
    /// Regimens in file order.
    pub regimens: Vec<RegimenSpec>,
    /// `[relapse]`, if given.
    pub relapse: Option<RelapseSpec>,
    /// `[population]`, if given.
    pub population: Option<crate::population::PopulationSpec>,
    /// `[plot]`, if given.
    pub plot: Option<PlotSpec>,
    /// Warnings found while loading.
    pub warnings: Vec<Diagnostic>,
}

impl Model {
    /// Index of the parameter called `name`.
    pub fn parameter_index(&self, name: &str) -> Option<usize> {
        self.parameters.iter().position(|p| p.name == name)
    }

    /// Index of the regimen called `name`.
    pub fn regimen_index(&self, name: &str) -> Option<usize> {
        self.regimens.iter().position(|r| r.name == name)
    }
}

/// Parses and validates a model file, reporting every problem found.
pub fn load(source: &str) -> Result<Model, Diagnostics> {
    load_compiled(source).map(|(model, _)| model)
}

/// [`load`], also returning the model compiled with its file's parameter values: the compile
/// that validated it, so a caller without overrides need not compile it a second time.
pub fn load_compiled(source: &str) -> Result<(Model, CompiledModel), Diagnostics> {
    let (model, mut diagnostics) = sections::read_model(source);
    let compiled = match model.as_ref().map(|m| m.compile(&[])) {
        Some(Ok(compiled)) => Some(compiled),
        Some(Err(errors)) => {
            diagnostics.extend(errors);
            None
        }
        None => None,
    };
    match (model, compiled) {
        (Some(mut model), Some(compiled)) if !diagnostics.has_errors() => {
            diagnostics.extend(model.unused_parameters());
            model.warnings = diagnostics.into_iter().collect();
            Ok((model, compiled))
        }
        _ => Err(diagnostics),
    }
}

impl Model {
    /// Every expression in the model: derived parameters, initial values, derived values,
    /// equations, outputs and their targets, the relapse observable and levels, dose quantities
    /// and the crossings of adaptive rules.
    fn expressions(&self) -> Vec<&Expr> {
        let mut all: Vec<&Expr> = self.states.iter().map(|s| &s.initial).collect();
        all.extend(self.parameters.iter().filter_map(|p| p.expr.as_ref()));
        all.extend(self.derived.iter().map(|d| &d.expr));
        all.extend(&self.equations);
        all.extend(self.outputs.iter().map(|o| &o.expr));
        all.extend(self.outputs.iter().filter_map(|o| o.target.as_ref()));
        if let Some(r) = &self.relapse {
            all.push(&r.observable);
            all.extend(r.threshold.iter().chain(&r.detection_limit));
        }
        for rule in self
            .regimens
            .iter()
            .filter_map(|r| r.adaptive.as_ref())
            .flat_map(|a| &a.rules)
        {
            all.extend([&rule.left, &rule.right]);
        }
        for dose in self.regimens.iter().flat_map(|r| &r.doses) {
            all.push(&dose.amount);
            all.extend(dose.lag.iter().chain(&dose.bioavailability));
            all.extend(dose.infusion.iter().map(|i| match i {
                InfusionSpec::Duration(e) | InfusionSpec::Rate(e) => e,
            }));
        }
        all
    }

    /// A warning for each parameter that no expression uses (often a typo elsewhere).
    fn unused_parameters(&self) -> Vec<Diagnostic> {
        let mut used = std::collections::HashSet::new();
        for expr in self.expressions() {
            expr.for_each_name(&mut |name, _| {
                used.insert(name.to_string());
            });
        }
        self.parameters
            .iter()
            .filter(|p| !used.contains(&p.name))
            .map(|p| {
                Diagnostic::warning(p.span, format!("parameter `{}` is never used", p.name))
                    .with_hint("remove it, or check the expressions for a misspelt name")
            })
            .collect()
    }
}
