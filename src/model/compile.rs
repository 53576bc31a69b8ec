//! Compilation of a validated [`Model`] with concrete parameter values: parameters become
//! constants folded into one shared expression graph, from which the right-hand side and the
//! output programs are emitted; dose quantities and initial values fold to numbers.

use std::sync::Arc;

use super::jacobian::{Derivatives, Functions, LazyJacobian};
use super::monitor::{self, Monitor, Roots};
use super::{DoseSpec, InfusionSpec, Model};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{Expr, Graph, JitError, NodeId, Program, ProgramTooLarge, Scope, lower};
use crate::regimen::{Dose, Infusion, Regimen};
use crate::solve::{OdeSystem, Problem, Solution, SolveError, SolverOptions};

/// A command-line parameter override (`--set NAME=VALUE`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterOverride {
    /// Parameter name.
    pub name: String,
    /// New value.
    pub value: f64,
}

/// A model ready to simulate: programs, initial state and numeric regimens.
#[derive(Debug, Clone)]
pub struct CompiledModel {
    /// State names in state-vector order.
    pub state_names: Arc<[String]>,
    /// Output column names.
    pub output_names: Vec<String>,
    /// Computes d(state)/dt from (t, y).
    pub rhs: Program,
    /// Computes the outputs from (t, y), followed by the relapse observable if the model has one.
    pub outputs: Program,
    /// Initial state vector.
    pub initial_state: Vec<f64>,
    /// Regimens with numeric doses, in file order; a model without `[regimens]` gets one
    /// dose-free regimen named `untreated`.
    pub regimens: Vec<Regimen>,
    /// Parameter values in use (after overrides), in file order.
    pub parameter_values: Vec<f64>,
    /// What `compare` watches, compiled.
    pub monitor: Monitor,
    /// The graph, for the Jacobians an implicit method asks for (built on first use).
    pub(super) derivatives: Arc<Derivatives>,
    /// Per regimen (same order as `regimens`): the model compiled with that regimen's
    /// parameter overrides, or `None` when the regimen changes no value (then this model is
    /// used, so a model without overrides is compiled once).
    specialized: Vec<Option<Box<CompiledModel>>>,
    /// The crossing functions A − B of every adaptive regimen's rules, of (t, y); a rule's
    /// `function` indexes these results.
    pub rule_functions: Program,
}

impl Model {
    /// Compiles the model with `overrides` applied to the parameters; reports every problem.
    ///
    /// A regimen's own `parameters` apply while it runs, except those given in `overrides`
    /// (`--set` wins).
    pub fn compile(&self, overrides: &[ParameterOverride]) -> Result<CompiledModel, Diagnostics> {
        let mut diagnostics = Diagnostics::new();
        let parameter_values = self.parameter_values(overrides, &mut diagnostics);
        let pinned: Vec<usize> = overrides
            .iter()
            .filter_map(|o| self.parameter_index(&o.name))
            .collect();
        self.compile_with(parameter_values, &pinned, diagnostics)
    }

    /// Compiles the model with `values`, one per parameter in file order (a virtual patient's
    /// parameter vector); reports every problem, e.g. a dose amount these values make negative.
    /// A regimen's own `parameters` replace these values while it runs.
    pub fn compile_values(&self, values: &[f64]) -> Result<CompiledModel, Diagnostics> {
        self.compile_values_pinned(values, &[])
    }

    /// [`Model::compile_values`], except that the parameters at the indices in `pinned` (those
    /// fixed by `--set`) keep their values in every regimen.
    pub fn compile_values_pinned(
        &self,
        values: &[f64],
        pinned: &[usize],
    ) -> Result<CompiledModel, Diagnostics> {
        let mut diagnostics = Diagnostics::new();
        if values.len() != self.parameters.len() {
            diagnostics.push(Diagnostic::error(
                None,
                format!(
                    "expected {} parameter values, one per parameter, found {}",
                    self.parameters.len(),
                    values.len()
                ),
            ));
            return Err(diagnostics);
        }
        self.compile_with(values.to_vec(), pinned, diagnostics)
    }

    fn compile_with(
        &self,
        parameter_values: Vec<f64>,
        pinned: &[usize],
        diagnostics: Diagnostics,
    ) -> Result<CompiledModel, Diagnostics> {
        let mut base = self.compile_one(parameter_values.clone(), diagnostics)?;
        let mut problems = Diagnostics::new();
        for (i, spec) in self.regimens.iter().enumerate() {
            let values = self.regimen_values(spec, &parameter_values, pinned);
            if values == parameter_values {
                base.specialized.push(None);
                continue;
            }
            match self.compile_one(values, Diagnostics::new()) {
                Ok(mut own) => {
                    // The regimen's doses fold with its own parameter values.
                    base.regimens[i] = own.regimens.swap_remove(i);
                    base.specialized.push(Some(Box::new(own)));
                }
                Err(d) => problems.extend(
                    d.into_iter()
                        .map(|d| d.with_hint(format!("with the parameters of [regimens.{}]", spec.name))),
                ),
            }
        }
        if problems.has_errors() {
            return Err(problems);
        }
        Ok(base)
    }

    /// `base` with `spec`'s overrides applied, except at the `pinned` indices.
    fn regimen_values(&self, spec: &super::RegimenSpec, base: &[f64], pinned: &[usize]) -> Vec<f64> {
        let mut values = base.to_vec();
        for o in &spec.parameters {
            if let Some(i) = self.parameter_index(&o.name).filter(|i| !pinned.contains(i)) {
                values[i] = o.value;
            }
        }
        values
    }

    fn compile_one(
        &self,
        parameter_values: Vec<f64>,
        mut diagnostics: Diagnostics,
    ) -> Result<CompiledModel, Diagnostics> {
        let mut graph = Graph::new();
        let mut c = Compiler {
            graph: &mut graph,
            diagnostics: &mut diagnostics,
        };
        let mut parameter_values = parameter_values;
        let constants = c.parameter_scope(self, &mut parameter_values);
        let initial_state: Vec<f64> = self
            .states
            .iter()
            .map(|s| c.constant(&s.initial, &constants))
            .collect();
        let full = c.full_scope(self, &constants);
        let equations: Vec<NodeId> = self.equations.iter().map(|e| c.node(e, &full)).collect();
        let mut output_roots: Vec<NodeId> = self.outputs.iter().map(|o| c.node(&o.expr, &full)).collect();
        let observable = self.relapse.as_ref().map(|r| c.node(&r.observable, &full));
        output_roots.extend(observable);
        let regimens = self.regimens.iter().map(|r| Regimen {
            name: r.name.clone(),
            title: r.title.clone(),
            doses: r.doses.iter().filter_map(|d| c.dose(d, &constants)).collect(),
            adaptive: None,
        });
        let mut regimens: Vec<Regimen> = regimens.collect();
        if regimens.is_empty() {
            regimens.push(Regimen::untreated());
        }
        let rule_roots = super::switching::compile_rules(&mut c, &self.regimens, &mut regimens, &full);
        let levels = c.levels(self, &constants);
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        let n = self.states.len();
        let too_large = |e: ProgramTooLarge| {
            let mut d = Diagnostics::new();
            d.push(Diagnostic::error(None, e.to_string()).with_hint("split the model into smaller ones"));
            d
        };
        let rhs = Program::compile(&graph, &equations, n).map_err(too_large)?;
        let rule_functions = Program::compile(&graph, &rule_roots, n).map_err(too_large)?;
        let mut outputs = Program::compile(&graph, &output_roots, n).map_err(too_large)?;
        let initial_value = observable.map(|_| {
            let mut all = vec![0.0; outputs.result_count()];
            outputs.eval(0.0, &initial_state, &mut all);
            all[all.len() - 1]
        });
        let roots = Roots {
            equations: &equations,
            outputs: &output_roots[..self.outputs.len()],
            observable,
        };
        let monitor =
            monitor::build(self, &mut graph, &roots, (&levels, initial_value)).map_err(too_large)?;
        let integrand_roots = monitor.integrand_roots.clone();
        let derivatives = Arc::new(Derivatives::new(graph, equations, integrand_roots, n));
        Ok(CompiledModel {
            state_names: self.states.iter().map(|s| s.name.clone()).collect(),
            output_names: self.outputs.iter().map(|o| o.name.clone()).collect(),
            rhs,
            outputs,
            initial_state,
            regimens,
            parameter_values,
            monitor,
            derivatives,
            specialized: Vec::new(),
            rule_functions,
        })
    }

    fn parameter_values(&self, overrides: &[ParameterOverride], diagnostics: &mut Diagnostics) -> Vec<f64> {
        let mut values: Vec<f64> = self.parameters.iter().map(|p| p.value).collect();
        for o in overrides {
            if let Some(why) = self.not_settable(&o.name) {
                diagnostics.push(
                    Diagnostic::error(None, format!("cannot set `{}` with --set", o.name)).with_hint(why),
                );
                continue;
            }
            match self.parameter_index(&o.name) {
                Some(i) => values[i] = o.value,
                None => diagnostics.push(
                    Diagnostic::error(None, format!("unknown parameter `{}` in --set", o.name))
                        .with_optional_hint(
                            crate::suggest::closest(&o.name, self.parameters.iter().map(|p| p.name.as_str()))
                                .map(|s| format!("did you mean `{s}`?")),
                        ),
                ),
            }
        }
        values
    }
}

pub(super) struct Compiler<'a> {
    pub(super) graph: &'a mut Graph,
    diagnostics: &'a mut Diagnostics,
}

impl Compiler<'_> {
    /// Parameters bound to their values; states, derived values and `t` are named but forbidden.
    /// Derived parameters are folded in file order from the earlier ones and their values
    /// written into `values`.
    fn parameter_scope(&mut self, model: &Model, values: &mut [f64]) -> Scope {
        let mut scope = Scope::new();
        for (i, p) in model.parameters.iter().enumerate() {
            if let Some(expr) = &p.expr {
                values[i] = self.derived_parameter(model, i, expr, &scope);
            }
            let node = self.graph.constant(values[i]);
            scope.bind(&p.name, node);
        }
        for s in &model.states {
            scope.forbid(
                &s.name,
                format!(
                    "`{}` is a state; initial values, dose quantities, thresholds and targets may use parameters only",
                    s.name
                ),
            );
        }
        for d in &model.derived {
            scope.forbid(
                &d.name,
                format!(
                    "`{}` is a derived value; initial values, dose quantities, thresholds and targets may use parameters only",
                    d.name
                ),
            );
        }
        scope.forbid(
            "t",
            "initial values, dose quantities, thresholds and targets are fixed numbers; they cannot depend on `t`",
        );
        scope
    }

    /// Parameters, `t`, states and derived values (each derived value sees only earlier ones).
    fn full_scope(&mut self, model: &Model, constants: &Scope) -> Scope {
        let mut scope = constants.clone();
        let t = self.graph.time();
        scope.bind("t", t);
        for (i, s) in model.states.iter().enumerate() {
            let node = self.graph.state(i);
            scope.bind(&s.name, node);
        }
        for (i, d) in model.derived.iter().enumerate() {
            let mut visible = scope.clone();
            for later in &model.derived[i..] {
                let reason = if later.name == d.name {
                    format!("`{}` cannot refer to itself", d.name)
                } else {
                    format!(
                        "`{}` is defined later in [derived]; move it above `{}`",
                        later.name, d.name
                    )
                };
                visible.forbid(&later.name, reason);
            }
            let node = self.node(&d.expr, &visible);
            scope.bind(&d.name, node);
        }
        scope
    }

    /// Parameter `index`'s expression folded over the earlier parameters in `earlier`; NaN (and
    /// a located error) if it uses a later parameter, a state or derived value, or is not finite.
    fn derived_parameter(&mut self, model: &Model, index: usize, expr: &Expr, earlier: &Scope) -> f64 {
        let name = &model.parameters[index].name;
        let mut visible = earlier.clone();
        for later in &model.parameters[index..] {
            let reason = if &later.name == name {
                format!("`{name}` cannot refer to itself")
            } else {
                format!(
                    "`{}` is defined later in [parameters]; move it above `{name}`",
                    later.name
                )
            };
            visible.forbid(&later.name, reason);
        }
        for s in &model.states {
            visible.forbid(
                &s.name,
                format!(
                    "`{}` is a state; a derived parameter may use earlier parameters only",
                    s.name
                ),
            );
        }
        for d in &model.derived {
            visible.forbid(
                &d.name,
                format!(
                    "`{}` is a derived value; a derived parameter may use earlier parameters only",
                    d.name
                ),
            );
        }
        visible.forbid(
            "t",
            "a parameter is a constant; it cannot depend on `t` (use [derived])",
        );
        let finite = (
            "must be a finite number",
            (|x: f64| x.is_finite()) as fn(f64) -> bool,
        );
        self.quantity(expr, &visible, &format!("derived parameter `{name}`"), finite)
            .unwrap_or(f64::NAN)
    }

    pub(super) fn node(&mut self, expr: &Expr, scope: &Scope) -> NodeId {
        match lower(expr, scope, self.graph) {
            Ok(node) => node,
            Err(errors) => {
                self.diagnostics
                    .extend(errors.into_iter().map(|e| e.into_diagnostic()));
                self.graph.constant(f64::NAN)
            }
        }
    }

    /// An expression of parameters only, folded to a number.
    fn constant(&mut self, expr: &Expr, scope: &Scope) -> f64 {
        let node = self.node(expr, scope);
        self.graph.constant_value(node).unwrap_or(f64::NAN)
    }

    fn quantity(
        &mut self,
        expr: &Expr,
        scope: &Scope,
        what: &str,
        valid: (&str, fn(f64) -> bool),
    ) -> Option<f64> {
        let reported = self.diagnostics.iter().len();
        let x = self.constant(expr, scope);
        if x.is_nan() && self.diagnostics.iter().len() > reported {
            // The placeholder of a problem just reported.
            return None;
        }
        if x.is_nan() {
            self.diagnostics.push(
                Diagnostic::error(expr.span, format!("{what} evaluates to NaN"))
                    .with_hint("check for 0·inf, inf − inf or an overflowing number in the formula"),
            );
            return None;
        }
        if !(valid.1)(x) {
            self.diagnostics.push(Diagnostic::error(
                expr.span,
                format!("{what} {}, found {x}", valid.0),
            ));
            return None;
        }
        Some(x)
    }

    /// The relapse threshold, detection limit and output targets folded over the parameters;
    /// each must be a finite number.
    fn levels(&mut self, model: &Model, scope: &Scope) -> monitor::Levels {
        let finite = (
            "must be a finite number",
            (|x: f64| x.is_finite()) as fn(f64) -> bool,
        );
        let mut fold =
            |expr: Option<&Expr>, what: &str| expr.and_then(|e| self.quantity(e, scope, what, finite));
        let relapse = model.relapse.as_ref();
        monitor::Levels {
            threshold: fold(relapse.and_then(|r| r.threshold.as_ref()), "`threshold`"),
            detection_limit: fold(
                relapse.and_then(|r| r.detection_limit.as_ref()),
                "`detection_limit`",
            ),
            targets: model
                .outputs
                .iter()
                .map(|o| fold(o.target.as_ref(), &format!("the `target` of output `{}`", o.name)))
                .collect(),
        }
    }

    fn dose(&mut self, d: &DoseSpec, scope: &Scope) -> Option<Dose> {
        let non_negative = (
            "must be a finite number ≥ 0",
            (|x: f64| x.is_finite() && x >= 0.0) as fn(f64) -> bool,
        );
        let positive = (
            "must be a finite number > 0",
            (|x: f64| x.is_finite() && x > 0.0) as fn(f64) -> bool,
        );
        let amount = self.quantity(&d.amount, scope, "dose `amount`", non_negative);
        let lag = match &d.lag {
            Some(e) => self.quantity(e, scope, "`lag`", non_negative),
            None => Some(0.0),
        };
        let bioavailability = match &d.bioavailability {
            Some(e) => self.quantity(e, scope, "`bioavailability`", non_negative),
            None => Some(1.0),
        };
        let infusion = match &d.infusion {
            None => Some(None),
            Some(InfusionSpec::Duration(e)) => self
                .quantity(e, scope, "infusion `duration`", positive)
                .map(|x| Some(Infusion::Duration(x))),
            Some(InfusionSpec::Rate(e)) => self
                .quantity(e, scope, "infusion `rate`", positive)
                .map(|x| Some(Infusion::Rate(x))),
        };
        let dose = Dose {
            target: d.target,
            amount: amount?,
            start: d.start,
            // Slots of a cycle are one time unit apart unless `interval` says otherwise.
            interval: d.interval.unwrap_or(if d.cycle.is_some() { 1.0 } else { 0.0 }),
            count: d.count,
            cycle: d.cycle.clone(),
            steady_state: d.steady_state.clone(),
            lag: lag?,
            bioavailability: bioavailability?,
            infusion: infusion?,
        };
        match dose_overflow(&dose) {
            None => Some(dose),
            Some(problem) => {
                self.diagnostics.push(problem.at(d.span));
                None
            }
        }
    }
}

/// Why the numbers of a dose cannot be scheduled: the delivered amount or a time overflows.
enum DoseOverflow {
    Amount(f64),
    LastTime(f64),
    Stop(f64),
}

impl DoseOverflow {
    fn at(self, span: crate::diagnostic::Span) -> Diagnostic {
        match self {
            Self::Amount(x) => Diagnostic::error(
                span,
                format!("this dose's delivered amount `amount` × `bioavailability` is {x}"),
            )
            .with_hint("both must be finite and their product too: check their values and units"),
            Self::LastTime(x) => Diagnostic::error(
                span,
                format!("the last administration time `start` + (`count` − 1)·`interval` + `lag` is {x}"),
            )
            .with_hint(
                "every dose time must be a finite number: lower `count`, `interval`, `start` or `lag`",
            ),
            Self::Stop(x) => {
                Diagnostic::error(span, format!("the last infusion of this dose stops at t = {x}")).with_hint(
                    "every infusion must end at a finite time: check `duration`, or `rate` against `amount`",
                )
            }
        }
    }
}

/// Checks that a dose's delivered amount and all its times are finite (the last
/// administration's, and its infusion stop: the largest ones).
fn dose_overflow(dose: &Dose) -> Option<DoseOverflow> {
    let delivered = dose.delivered();
    if !delivered.is_finite() {
        return Some(DoseOverflow::Amount(delivered));
    }
    let last = dose.last_time();
    if !last.is_finite() {
        return Some(DoseOverflow::LastTime(last));
    }
    let stop = last + dose.duration().unwrap_or(0.0);
    (!stop.is_finite()).then_some(DoseOverflow::Stop(stop))
}

/// The compiled right-hand side as an [`OdeSystem`] for the integrator.
#[derive(Debug, Clone)]
pub struct ModelSystem {
    rhs: Program,
    state_names: Arc<[String]>,
    jacobian: LazyJacobian,
}

impl OdeSystem for ModelSystem {
    fn dimension(&self) -> usize {
        self.state_names.len()
    }

    #[inline]
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        self.rhs.eval(t, y, dy);
    }

    fn state_name(&self, index: usize) -> String {
        self.state_names[index].clone()
    }

    /// The symbolic ∂f/∂y, derived and compiled on the first call (see
    /// [`crate::expr::Jacobian`]); false if the model is too large for it.
    fn jacobian(&mut self, t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        self.jacobian.eval(t, y, jac)
    }

    /// The symbolic ∂f/∂t (zeros where f does not involve `t`).
    fn time_partial(&mut self, t: f64, y: &[f64], dfdt: &mut [f64]) -> bool {
        self.jacobian.eval_time_partial(t, y, dfdt)
    }

    fn is_autonomous(&self) -> bool {
        self.jacobian.is_autonomous()
    }
}

/// How compiled programs are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// The bytecode machine, until a program has been evaluated often enough that compiling
    /// it pays ([`crate::expr::NATIVE_AFTER_EVALUATIONS`]); then native code (bit-identical, so
    /// the switch never changes a result, and a short run never pays for compilation).
    #[default]
    Auto,
    /// Native code compiled before the run starts (the bytecode if that fails).
    Jit,
    /// The bytecode machine only (the reference).
    Bytecode,
}

impl CompiledModel {
    fn programs(&self) -> impl Iterator<Item = &Program> {
        [&self.rhs, &self.outputs, &self.rule_functions]
            .into_iter()
            .chain(self.monitor.programs())
    }

    /// Arranges for the programs to be evaluated as `engine` says. For [`Engine::Jit`], a
    /// failure to compile is returned (the bytecode is then used: never an abort).
    pub fn use_engine(&self, engine: Engine) -> Result<(), JitError> {
        match engine {
            Engine::Bytecode => {}
            Engine::Auto => {
                crate::expr::host_supported()?;
                self.programs().for_each(Program::compile_native_when_used);
            }
            Engine::Jit => self.programs().try_for_each(Program::compile_native_now)?,
        }
        // The symbolic Jacobians, built on first use, follow the same engine.
        self.derivatives.use_engine(engine);
        // Regimens with parameter overrides run their own compiled copy.
        self.specialized
            .iter()
            .flatten()
            .try_for_each(|model| model.use_engine(engine))
    }

    /// Why native code is not in use, if it was requested and failed.
    pub fn native_failure(&self) -> Option<JitError> {
        self.programs()
            .find_map(|p| p.native_status().and_then(Result::err))
    }

    /// The model as compiled for `regimen` (found by name): with its parameter overrides if it
    /// has any, else this model.
    pub fn for_regimen(&self, regimen: &Regimen) -> &CompiledModel {
        self.regimens
            .iter()
            .position(|r| r.name == regimen.name)
            .and_then(|i| self.specialized.get(i))
            .and_then(|s| s.as_deref())
            .unwrap_or(self)
    }

    /// The parameter values `regimen` runs with, in file order.
    pub fn regimen_parameter_values(&self, regimen: &Regimen) -> &[f64] {
        &self.for_regimen(regimen).parameter_values
    }

    /// The right-hand side as an ODE system (a copy with its own registers).
    pub fn system(&self) -> ModelSystem {
        ModelSystem {
            rhs: self.rhs.clone(),
            state_names: Arc::clone(&self.state_names),
            jacobian: LazyJacobian::new(self.derivatives.clone(), Functions::Rhs),
        }
    }

    /// Simulates `regimen` from the initial state to `t_end`, reporting at `output_times`. The
    /// doses are scheduled by [`Regimen::schedule_until`] (so a regimen with more than
    /// [`crate::regimen::MAX_ADMINISTRATIONS`] inside [0, t_end] fails with
    /// [`SolveError::Schedule`]). With an `ss = true` dose the run starts from its steady state
    /// (see [`CompiledModel::start_state`]).
    pub fn simulate(
        &self,
        regimen: &Regimen,
        t_end: f64,
        output_times: &[f64],
        options: &SolverOptions,
    ) -> Result<Solution, SolveError> {
        let model = self.for_regimen(regimen);
        let events = regimen.schedule_until(t_end)?;
        let (initial_state, iterations) = model.start_state(regimen, options)?;
        let problem = Problem {
            initial_state: &initial_state,
            events: &events,
            t_end,
            output_times,
        };
        let mut solution = match regimen.adaptive {
            None => crate::solve::simulate(&mut model.system(), &problem, options)?,
            Some(_) => {
                let mut nothing = crate::solve::NoObserver;
                let n = model.state_names.len();
                let mut switching = super::switching::Switching::new(model, regimen, n, &mut nothing);
                crate::solve::simulate_observed(&mut model.system(), &problem, options, &mut switching)?
            }
        };
        solution.stats.steady_state_iterations = iterations;
        Ok(solution)
    }

    /// Evaluates the output columns `columns` (indices into `output_names`, in the order
    /// wanted) at every point of `solution` (a run of `regimen`, whose parameters the outputs
    /// use): one row per output time. Fails at the first value that is not a finite number
    /// (NaN, ±inf), naming the output, the time and the states.
    pub fn output_rows(
        &self,
        regimen: &Regimen,
        solution: &Solution,
        columns: &[usize],
    ) -> Result<Vec<Vec<f64>>, NonFiniteOutput> {
        let mut program = self.for_regimen(regimen).outputs.clone();
        let mut all = vec![0.0; program.result_count()];
        let n = solution.state_count;
        let rows = solution.times.len().min(solution.states.len() / n.max(1));
        (0..rows)
            .map(|i| {
                let (t, y) = (solution.times[i], &solution.states[i * n..(i + 1) * n]);
                program.eval(t, y, &mut all);
                let row: Vec<f64> = columns.iter().map(|&c| all[c]).collect();
                match columns.iter().zip(&row).find(|(_, v)| !v.is_finite()) {
                    None => Ok(row),
                    Some((&c, &value)) => Err(NonFiniteOutput {
                        output: self.output_names[c].clone(),
                        value,
                        t,
                        states: self.state_names.iter().cloned().zip(y.iter().copied()).collect(),
                    }),
                }
            })
            .collect()
    }
}

/// An output column that is not a finite number at an output time.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "output `{output}` is {value} at t = {t} ({states}); guard its formula, e.g. log10(max(C, 1e-300)) for a concentration that can be 0, or max(x, 0) under a sqrt",
    states = list_states(states)
)]
pub struct NonFiniteOutput {
    /// Output name.
    pub output: String,
    /// Its value (NaN or ±inf).
    pub value: f64,
    /// Output time.
    pub t: f64,
    /// The states there, by name.
    pub states: Vec<(String, f64)>,
}

/// `X = 1, Y = 0` for the first few states.
fn list_states(states: &[(String, f64)]) -> String {
    const SHOWN: usize = 8;
    let mut text = states
        .iter()
        .take(SHOWN)
        .map(|(name, v)| format!("{name} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    if states.len() > SHOWN {
        text.push_str(&format!(", … ({} states)", states.len()));
    }
    text
}
