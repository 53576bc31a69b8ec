//! What `compare` watches during a run: the relapse observable, its distance to the threshold
//! and detection limit, its time derivative (whose roots are its extrema), and the same for each
//! exposure output; plus the integrands whose integrals give the AUCs.

use super::jacobian::{Functions, LazyJacobian};
use super::{CompiledModel, Model};
use crate::expr::{Graph, NodeId, Op2, Program, ProgramTooLarge, time_derivative};
use crate::metrics::{self, ExposureWatch, ObservableWatch, RegimenMetrics, RegimenRun, Watchlist};
use crate::regimen::{Event, EventKind, Regimen};
use crate::solve::{
    EventFunctions, EventLocator, Problem, Solution, SolveError, SolverOptions, SolverStats, SolverWarning,
    WithQuadratures, simulate_observed,
};

/// Compiled watch functions and integrands with their layout.
#[derive(Debug, Clone)]
pub struct Monitor {
    /// Where each metric's inputs are.
    pub watchlist: Watchlist,
    /// Every output's `target` folded with this run's parameters, in output order.
    pub output_targets: Vec<Option<f64>>,
    /// Watched functions of (t, y, infusion rates).
    watch: Program,
    /// Integrands of (t, y).
    integrands: Program,
    /// What each integrand is, for messages.
    integrand_names: Vec<String>,
    /// The integrands' graph nodes, for their Jacobian.
    pub(super) integrand_roots: Vec<NodeId>,
}

impl Monitor {
    /// The compiled programs (for native compilation).
    pub(super) fn programs(&self) -> [&Program; 2] {
        [&self.watch, &self.integrands]
    }
}

/// The graph nodes the monitor is built from.
pub(super) struct Roots<'a> {
    pub(super) equations: &'a [NodeId],
    pub(super) outputs: &'a [NodeId],
    pub(super) observable: Option<NodeId>,
}

/// The levels a run is watched against, folded from the model's parameter expressions with
/// the run's parameter values (so `--set` and a regimen's `parameters` move them).
#[derive(Debug, Clone, Default)]
pub(super) struct Levels {
    /// `[relapse] threshold`, if given.
    pub(super) threshold: Option<f64>,
    /// `[relapse] detection_limit`, if given.
    pub(super) detection_limit: Option<f64>,
    /// Each output's `target`, in output order.
    pub(super) targets: Vec<Option<f64>>,
}

struct Builder<'g> {
    graph: &'g mut Graph,
    slopes_rhs: Vec<NodeId>,
    watch: Vec<NodeId>,
    integrands: Vec<NodeId>,
    integrand_names: Vec<String>,
}

impl Builder<'_> {
    fn watch(&mut self, node: NodeId) -> usize {
        self.watch.push(node);
        self.watch.len() - 1
    }

    fn distance(&mut self, node: NodeId, level: f64) -> usize {
        let level = self.graph.constant(level);
        let d = self.graph.binary(Op2::Sub, node, level);
        self.watch(d)
    }

    fn slope(&mut self, node: NodeId) -> usize {
        let d = time_derivative(self.graph, node, &self.slopes_rhs);
        self.watch(d)
    }

    fn integrate(&mut self, node: NodeId, name: String) -> usize {
        self.integrands.push(node);
        self.integrand_names.push(name);
        self.integrands.len() - 1
    }
}

/// Builds the monitor; `initial_value` is the observable at t = 0 before any dose.
pub(super) fn build(
    model: &Model,
    graph: &mut Graph,
    roots: &Roots<'_>,
    (levels, initial_value): (&Levels, Option<f64>),
) -> Result<Monitor, ProgramTooLarge> {
    let n = model.states.len();
    // dy/dt including infusions: the rates are inputs n..2n of the watch program.
    let slopes_rhs = (0..n)
        .map(|i| {
            let rate = graph.state(n + i);
            graph.binary(Op2::Add, roots.equations[i], rate)
        })
        .collect();
    let mut b = Builder {
        graph,
        slopes_rhs,
        watch: Vec::new(),
        integrands: Vec::new(),
        integrand_names: Vec::new(),
    };
    let observable = match (&model.relapse, roots.observable, initial_value) {
        (Some(spec), Some(obs), Some(initial_value)) => {
            let threshold = levels.threshold.unwrap_or(initial_value);
            let name = spec.name.clone().unwrap_or_else(|| "tumour burden".to_string());
            Some(ObservableWatch {
                integral: b.integrate(obs, format!("the [relapse] observable `{name}`")),
                name,
                unit: spec.unit.clone(),
                value: b.watch(obs),
                above_threshold: b.distance(obs, threshold),
                slope: b.slope(obs),
                above_detection: levels.detection_limit.map(|limit| b.distance(obs, limit)),
                threshold,
                detection_limit: levels.detection_limit,
                initial_value,
            })
        }
        _ => None,
    };
    let exposures = model
        .outputs
        .iter()
        .zip(roots.outputs)
        .zip(&levels.targets)
        .filter(|((o, _), _)| o.exposure)
        .map(|((o, &node), &target)| ExposureWatch {
            name: o.name.clone(),
            unit: o.unit.clone(),
            value: b.watch(node),
            slope: b.slope(node),
            above_target: target.map(|target| (b.distance(node, target), target)),
            integral: b.integrate(node, format!("output `{}`", o.name)),
        })
        .collect();
    Ok(Monitor {
        watchlist: Watchlist {
            observable,
            exposures,
        },
        output_targets: levels.targets.clone(),
        watch: Program::compile(b.graph, &b.watch, 2 * n)?,
        integrands: Program::compile(b.graph, &b.integrands, n)?,
        integrand_names: b.integrand_names,
        integrand_roots: b.integrands,
    })
}

/// The watched functions as [`EventFunctions`] (with the infusion rates as extra inputs).
#[derive(Debug, Clone)]
pub struct WatchFunctions {
    program: Program,
    inputs: Vec<f64>,
    count: usize,
}

impl EventFunctions for WatchFunctions {
    fn count(&self) -> usize {
        self.count
    }

    fn eval(&mut self, t: f64, y: &[f64], out: &mut [f64]) {
        let n = self.inputs.len() / 2;
        self.inputs[..n].copy_from_slice(&y[..n]);
        self.program.eval(t, &self.inputs, out);
    }

    fn set_rates(&mut self, rates: &[f64]) {
        let n = self.inputs.len() / 2;
        self.inputs[n..].copy_from_slice(&rates[..n]);
    }
}

/// The integrands as [`EventFunctions`] of the model states.
#[derive(Debug, Clone)]
pub struct Integrands {
    program: Program,
    names: Vec<String>,
    jacobian: LazyJacobian,
}

impl EventFunctions for Integrands {
    fn count(&self) -> usize {
        self.program.result_count()
    }

    fn eval(&mut self, t: f64, y: &[f64], out: &mut [f64]) {
        self.program.eval(t, y, out);
    }

    fn name(&self, index: usize) -> Option<String> {
        self.names.get(index).cloned()
    }

    /// The symbolic ∂g/∂y (built on first use, see [`crate::expr::Jacobian`]).
    fn jacobian(&mut self, t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        self.jacobian.eval(t, y, jac)
    }

    /// The symbolic ∂g/∂t.
    fn time_partial(&mut self, t: f64, y: &[f64], out: &mut [f64]) -> bool {
        self.jacobian.eval_time_partial(t, y, out)
    }
}

impl CompiledModel {
    /// Fresh watch functions for one run.
    pub fn watch_functions(&self) -> WatchFunctions {
        WatchFunctions {
            program: self.monitor.watch.clone(),
            inputs: vec![0.0; 2 * self.state_names.len()],
            count: self.monitor.watch.result_count(),
        }
    }

    /// Fresh integrands for one run.
    pub fn integrands(&self) -> Integrands {
        Integrands {
            program: self.monitor.integrands.clone(),
            names: self.monitor.integrand_names.clone(),
            jacobian: LazyJacobian::new(self.derivatives.clone(), Functions::Integrands),
        }
    }
}

/// The outcome of [`CompiledModel::measure`].
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The regimen's metrics.
    pub metrics: RegimenMetrics,
    /// Solver work.
    pub stats: SolverStats,
    /// Solver warnings (e.g. stiffness).
    pub warnings: Vec<SolverWarning>,
}

impl CompiledModel {
    /// Runs `regimen` to `t_end` while watching it, and computes its metrics. The steps taken
    /// are the same as [`CompiledModel::simulate`]'s with the same options.
    pub fn measure(
        &self,
        regimen: &Regimen,
        t_end: f64,
        options: &SolverOptions,
    ) -> Result<Measurement, SolveError> {
        self.measure_recording(regimen, t_end, &[], options)
            .map(|(measurement, _)| measurement)
    }

    /// [`CompiledModel::measure`], also recording the state at `output_times` (sorted, within
    /// [0, t_end]) in the same integration: recording does not change the steps, so the metrics
    /// are those of `measure`. Each row of the returned solution holds the model states followed
    /// by the running integrals (`state_count` counts both; the model states come first).
    pub fn measure_recording(
        &self,
        regimen: &Regimen,
        t_end: f64,
        output_times: &[f64],
        options: &SolverOptions,
    ) -> Result<(Measurement, Solution), SolveError> {
        let own = self.for_regimen(regimen);
        if !std::ptr::eq(own, self) {
            return own.measure_recording(regimen, t_end, output_times, options);
        }
        // The integrals are read at t_end, so t_end is recorded too, as an extra last row if the
        // caller did not ask for it.
        let mut times = output_times.to_vec();
        let extra_row = times.last() != Some(&t_end);
        if extra_row {
            times.push(t_end);
        }
        let events = regimen.schedule_until(t_end)?;
        let n = self.state_names.len();
        let integrands = self.integrands();
        let q = integrands.count();
        let mut system = WithQuadratures {
            system: self.system(),
            integrands,
        };
        let (mut initial, iterations) = self.start_state(regimen, options)?;
        initial.resize(n + q, 0.0);
        let problem = Problem {
            initial_state: &initial,
            events: &events,
            t_end,
            output_times: &times,
        };
        let mut locator = EventLocator::new(self.watch_functions(), n + q);
        let bounds = regimen.cycle_bounds(t_end);
        if let Some(observable) = &self.monitor.watchlist.observable
            && !bounds.is_empty()
        {
            locator = locator.with_windows(observable.value, bounds);
        }
        let mut switching = super::switching::Switching::new(self, regimen, n + q, &mut locator);
        let solved = simulate_observed(&mut system, &problem, options, &mut switching);
        let dosing = switching.into_record();
        let mut solution = solved?;
        solution.stats.steady_state_iterations = iterations;
        // The integrator records every output time; this guards the API against a bug, not input.
        let rows = solution.times.len();
        let final_state = rows
            .checked_sub(1)
            .and_then(|last| solution.states.get(last * (n + q)..rows * (n + q)))
            .ok_or_else(|| SolveError::InvalidOptions(format!("the run did not reach t_end = {t_end}")))?
            .to_vec();
        let starts = dose_starts(&events);
        let run = RegimenRun {
            regimen: &regimen.name,
            t_end,
            crossings: locator.crossings(),
            initial_sides: locator.initial_sides(),
            minima: locator.minima(),
            maxima: locator.maxima(),
            jumps: locator.jumps(),
            dose_starts: &starts,
            final_values: locator.last_values(),
            integrals: &final_state[n..],
            cycles: locator.window_minima().map(|w| (w.bounds(), w.minima())),
        };
        let mut metrics = metrics::compute(&self.monitor.watchlist, &run);
        metrics.dosing = dosing;
        let measurement = Measurement {
            metrics,
            stats: solution.stats,
            warnings: solution.warnings.clone(),
        };
        if extra_row {
            solution.times.pop();
            solution.states.truncate(solution.times.len() * (n + q));
        }
        Ok((measurement, solution))
    }
}

/// Times of the bolus and infusion-start events (sorted, as the events are), without repeats.
fn dose_starts(events: &[Event]) -> Vec<f64> {
    let mut times: Vec<f64> = events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::InfusionStop { .. }))
        .map(|e| e.time)
        .collect();
    times.dedup();
    times
}
