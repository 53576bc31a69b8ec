//! The integration loop: segments between events, adaptive (or fixed) steps within a segment,
//! output by dense interpolation, Hairer's initial-step heuristic and stiffness test.

use super::auto::Auto;
use super::controller::{StepController, StepDecision};
use super::dop853::Dop853;
use super::dopri5::Dopri5;
use super::method::{Rhs, RungeKutta, Tolerance, log_norm};
use super::observer::{DenseStep, NoObserver, Observer};
use super::rosenbrock::{Rodas5P, TimeDependence};
use super::sink::{Collect, OutputSink, RunSummary};
use super::{
    Method, OdeSystem, Problem, Solution, SolveError, SolverOptions, SolverStats, SolverWarning, StepMode,
};
use crate::regimen::EventKind;

/// Stiffness is tested every this many accepted steps, and on every step while suspected (DOPRI5).
const STIFFNESS_TEST_INTERVAL: u64 = 1000;
/// Consecutive stiff verdicts before warning, and non-stiff verdicts that clear suspicion (DOPRI5).
const STIFF_VERDICTS: u32 = 15;
const NON_STIFF_VERDICTS: u32 = 6;
/// An output time this close to an event time, relative to the larger of the two, is taken to
/// be at the event.
const SNAP_TOLERANCE: f64 = 1e-12;
/// Growth factor that tells a failure's cause apart: a state whose magnitude rose this much in
/// the failing segment while moving away from zero is blowing up; a derivative that would have
/// moved its state this many times its size over the segment is unbounded.
const UNBOUNDED_GROWTH: f64 = 1e6;

/// Integrates `system` through `problem`, returning the states at the output times.
pub fn simulate<S: OdeSystem>(
    system: &mut S,
    problem: &Problem<'_>,
    options: &SolverOptions,
) -> Result<Solution, SolveError> {
    simulate_observed(system, problem, options, &mut NoObserver)
}

/// Like [`simulate`], and shows every accepted step (with its dense output) and every jump
/// at an event to `observer`. Observing never changes the steps taken.
pub fn simulate_observed<S: OdeSystem, O: Observer>(
    system: &mut S,
    problem: &Problem<'_>,
    options: &SolverOptions,
    observer: &mut O,
) -> Result<Solution, SolveError> {
    let n = system.dimension();
    let mut collect = Collect::with_capacity(problem.output_times.len(), n);
    let summary = simulate_into(system, problem, options, observer, &mut collect)?;
    Ok(Solution {
        times: collect.times,
        states: collect.states,
        state_count: n,
        stats: summary.stats,
        warnings: summary.warnings,
    })
}

/// Like [`simulate_observed`], handing each output to `sink` as soon as the run reaches it
/// instead of collecting them, so memory does not grow with the number of outputs.
pub fn simulate_into<S: OdeSystem, O: Observer, K: OutputSink>(
    system: &mut S,
    problem: &Problem<'_>,
    options: &SolverOptions,
    observer: &mut O,
    sink: &mut K,
) -> Result<RunSummary, SolveError> {
    let times = problem.output_times.iter().copied();
    dispatch(system, (problem, times), options, (observer, sink))
}

/// Like [`simulate_into`], with the output times produced by `times` (sorted, within
/// [0, t_end]; walked twice, never stored) instead of `problem.output_times`, which must be
/// empty: a long regular grid then needs no memory per output.
pub fn simulate_into_times<S: OdeSystem, O: Observer, K: OutputSink, I: Iterator<Item = f64> + Clone>(
    system: &mut S,
    (problem, times): (&Problem<'_>, I),
    options: &SolverOptions,
    (observer, sink): (&mut O, &mut K),
) -> Result<RunSummary, SolveError> {
    if !problem.output_times.is_empty() {
        return Err(SolveError::InvalidOptions(
            "output times are given either in the problem or as the iterator, not both".to_string(),
        ));
    }
    dispatch(system, (problem, times), options, (observer, sink))
}

fn dispatch<S: OdeSystem, O: Observer, K: OutputSink, I: Iterator<Item = f64> + Clone>(
    system: &mut S,
    (problem, times): (&Problem<'_>, I),
    options: &SolverOptions,
    (observer, sink): (&mut O, &mut K),
) -> Result<RunSummary, SolveError> {
    let n = system.dimension();
    validate(
        (problem, times.clone()),
        options,
        (n, system.controlled_dimension()),
    )?;
    match options.method {
        Method::Dopri5 => Run::new(Dopri5::new(n), StepController::dopri5(), options, n).solve(
            system,
            (problem, times),
            (observer, sink),
        ),
        Method::Dop853 => Run::new(Dop853::new(n), StepController::dop853(), options, n).solve(
            system,
            (problem, times),
            (observer, sink),
        ),
        Method::Rodas5P => {
            let time = stiff_support(system, 0.0, problem.initial_state).map_err(|missing| {
                SolveError::InvalidOptions(format!(
                    "method `rodas5p` needs {missing}, which this model does not provide; use method `dopri5` (or `auto`, which stays explicit without it)"
                ))
            })?;
            let method = Rodas5P::new(n, time);
            Run::new(method, StepController::rosenbrock(), options, n).solve(
                system,
                (problem, times),
                (observer, sink),
            )
        }
        // The stiff half is built (and the Jacobian probed) only if the stiffness test fires.
        Method::Auto => Run::new(Auto::new(n), StepController::dopri5(), options, n).solve(
            system,
            (problem, times),
            (observer, sink),
        ),
    }
}

/// How the Rosenbrock method can treat `system`, or what it lacks: the Jacobian ∂f/∂y is
/// required; ∂f/∂t is used if available, taken as zero if the system says it is autonomous,
/// and otherwise missing (no finite differences). Probed once, at `(t, y)`.
pub(super) fn stiff_support<S: OdeSystem>(
    system: &mut S,
    t: f64,
    y: &[f64],
) -> Result<TimeDependence, &'static str> {
    let n = y.len();
    if !system.jacobian(t, y, &mut vec![0.0; n * n]) {
        return Err("the Jacobian ∂f/∂y");
    }
    if system.time_partial(t, y, &mut vec![0.0; n]) {
        Ok(TimeDependence::Partial)
    } else if system.is_autonomous() {
        Ok(TimeDependence::Autonomous)
    } else {
        Err("the time derivative ∂f/∂t (the model depends on t explicitly)")
    }
}

fn validate(
    (problem, times): (&Problem<'_>, impl Iterator<Item = f64>),
    options: &SolverOptions,
    (n, controlled): (usize, usize),
) -> Result<(), SolveError> {
    let bad = |m: &str| Err(SolveError::InvalidOptions(m.to_string()));
    if problem.initial_state.len() != n || options.atol.len() != controlled {
        return bad("the initial state needs one entry per state and atol one per error-controlled state");
    }
    if !(problem.t_end > 0.0 && problem.t_end.is_finite()) {
        return bad("t_end must be a finite number > 0");
    }
    let within = |t: &f64| (0.0..=problem.t_end).contains(t);
    let mut previous = f64::NEG_INFINITY;
    let ordered = |t: f64| {
        let ok = within(&t) && t >= previous;
        previous = t;
        ok
    };
    if !times.into_iter().all(ordered) {
        // Each output time is recorded exactly once; one outside [0, t_end] never would be.
        return bad("output times must be sorted and within [0, t_end]");
    }
    if options.rtol.is_nan() || options.rtol <= 0.0 || options.atol.iter().any(|a| a.is_nan() || *a <= 0.0) {
        return bad("rtol and atol must be > 0");
    }
    if let StepMode::Fixed(h) = options.mode
        && !(h.is_finite() && h > 0.0)
    {
        return bad("a fixed step must be > 0");
    }
    Ok(())
}

/// Output times moved onto event times (or `t_end`) they are within rounding of, so that
/// "output at a dose time" always means after the dose. Within rounding: |o − e| ≤
/// `SNAP_TOLERANCE`·max(|o|, |e|), relative, so the rule is the same in any time unit (near
/// t = 0 only 0 itself is at an event at 0). An event takes only its nearest output, and an
/// output moves only to its nearest event, so distinct outputs stay distinct.
#[cfg(test)]
fn snap_outputs(times: &[f64], problem: &Problem<'_>) -> Vec<f64> {
    snapped(times.iter().copied(), problem).collect()
}

/// [`snap_outputs`] as an iterator: two merge passes over `times` (one here for the output
/// nearest each event, one as it is consumed), memory only per event, none per output.
fn snapped<I: Iterator<Item = f64> + Clone>(
    times: I,
    problem: &Problem<'_>,
) -> impl Iterator<Item = f64> + use<I> {
    let mut anchors: Vec<f64> = problem
        .events
        .iter()
        .map(|e| e.time)
        .take_while(|&e| e < problem.t_end)
        .collect();
    anchors.dedup();
    anchors.push(problem.t_end);
    let output_of_anchor: Vec<Option<usize>> = nearest_in(&anchors, times.clone().enumerate());
    let near = |o: f64, e: f64| (o - e).abs() <= SNAP_TOLERANCE * o.abs().max(e.abs());
    let mut j = 0;
    // Only exact ties between two candidates could reorder outputs; keep them sorted anyway.
    let mut last = f64::NEG_INFINITY;
    times.enumerate().map(move |(i, o)| {
        while j < anchors.len() && anchors[j] < o {
            j += 1;
        }
        let anchor = match (j.checked_sub(1), (j < anchors.len()).then_some(j)) {
            (Some(a), Some(b)) => Some(if o - anchors[a] <= anchors[b] - o { a } else { b }),
            (a, b) => a.or(b),
        };
        let t = match anchor {
            Some(k) if output_of_anchor[k] == Some(i) && near(o, anchors[k]) => anchors[k],
            _ => o,
        };
        last = last.max(t);
        last
    })
}

/// For each of the sorted `queries`, the index of the nearest of the sorted, enumerated
/// `points` (the earlier one on a tie), by one merge pass.
fn nearest_in(queries: &[f64], points: impl Iterator<Item = (usize, f64)>) -> Vec<Option<usize>> {
    let mut points = points.peekable();
    let mut before: Option<(usize, f64)> = None;
    queries
        .iter()
        .map(|&q| {
            while let Some(&(i, p)) = points.peek().filter(|&&(_, p)| p < q) {
                before = Some((i, p));
                points.next();
            }
            match (before, points.peek().copied()) {
                (Some(a), Some(b)) => Some(if q - a.1 <= b.1 - q { a.0 } else { b.0 }),
                (a, b) => a.or(b).map(|(i, _)| i),
            }
        })
        .collect()
}

struct Run<'o, M: RungeKutta> {
    method: M,
    controller: StepController,
    options: &'o SolverOptions,
    stats: SolverStats,
    warnings: Vec<SolverWarning>,
    stiff_count: u32,
    non_stiff_count: u32,
    /// Time and state at the start of the current segment, to diagnose a failure.
    segment_t0: f64,
    segment_y0: Vec<f64>,
    scratch_y: Vec<f64>,
    scratch_f: Vec<f64>,
}

/// The output times, how many are done, and the sink that takes them.
struct Recorder<'p, K: OutputSink, T: Iterator<Item = f64>> {
    times: std::iter::Peekable<T>,
    sink: &'p mut K,
}

impl<K: OutputSink, T: Iterator<Item = f64>> Recorder<'_, K, T> {
    fn record(&mut self, t: f64, y: &[f64]) -> Result<(), SolveError> {
        self.sink.record(t, y).map_err(|_| SolveError::Stopped { t })?;
        self.times.next();
        Ok(())
    }

    fn pending(&mut self) -> Option<f64> {
        self.times.peek().copied()
    }
}

impl<'o, M: RungeKutta> Run<'o, M> {
    fn new(method: M, controller: StepController, options: &'o SolverOptions, n: usize) -> Self {
        Self {
            method,
            controller,
            options,
            stats: SolverStats::default(),
            warnings: Vec::new(),
            stiff_count: 0,
            non_stiff_count: 0,
            segment_t0: 0.0,
            segment_y0: vec![0.0; n],
            scratch_y: vec![0.0; n],
            scratch_f: vec![0.0; n],
        }
    }

    fn solve<S: OdeSystem, O: Observer, K: OutputSink, I: Iterator<Item = f64> + Clone>(
        mut self,
        system: &mut S,
        (problem, times): (&Problem<'_>, I),
        (observer, sink): (&mut O, &mut K),
    ) -> Result<RunSummary, SolveError> {
        let n = problem.initial_state.len();
        let mut y = problem.initial_state.to_vec();
        let mut rhs = Rhs {
            system,
            rates: vec![0.0; n],
            evaluations: 0,
            infusing: false,
        };
        let mut recorder = Recorder {
            times: snapped(times, problem).peekable(),
            sink,
        };
        let mut active_infusions: Vec<(usize, usize, f64)> = Vec::new();
        let mut next_event = 0;
        let mut t = 0.0;
        let mut before_jump = y.clone();
        observer.initial(t, &y);
        loop {
            let jumps = problem.events.get(next_event).is_some_and(|e| e.time <= t);
            before_jump.copy_from_slice(&y);
            while let Some(event) = problem.events.get(next_event).filter(|e| e.time <= t) {
                let asked = !matches!(event.kind, EventKind::InfusionStop { .. });
                if !asked || observer.admit(t, event) {
                    apply_event(event.kind, &mut y, &mut active_infusions);
                }
                next_event += 1;
            }
            if jumps {
                observer.jump(t, &before_jump, &y);
            }
            rhs.rates.iter_mut().for_each(|r| *r = 0.0);
            for &(_, target, rate) in &active_infusions {
                rhs.rates[target] += rate;
            }
            rhs.infusing = !active_infusions.is_empty();
            while recorder.pending().is_some_and(|t_out| t_out <= t) {
                recorder.record(t, &y)?;
            }
            if t >= problem.t_end {
                break;
            }
            let t_stop = problem
                .events
                .get(next_event)
                .map_or(problem.t_end, |e| e.time.min(problem.t_end));
            self.segment(&mut rhs, (t, t_stop), &mut y, (&mut recorder, &mut *observer))?;
            t = t_stop;
        }
        self.stats.rhs_evaluations = rhs.evaluations;
        self.count_linear_work();
        Ok(RunSummary {
            stats: self.stats,
            warnings: self.warnings,
        })
    }

    /// Integrates from `span.0` to `span.1` (exactly), recording outputs strictly inside.
    fn segment<S: OdeSystem, O: Observer, K: OutputSink, T: Iterator<Item = f64>>(
        &mut self,
        rhs: &mut Rhs<'_, S>,
        span: (f64, f64),
        y: &mut [f64],
        (recorder, observer): (&mut Recorder<'_, K, T>, &mut O),
    ) -> Result<(), SolveError> {
        let (t0, t1) = span;
        self.stats.segments += 1;
        self.controller.reset();
        self.segment_t0 = t0;
        self.segment_y0.copy_from_slice(y);
        self.method.restart();
        rhs.eval(t0, y, self.method.k_start());
        check_derivative(rhs, t0, self.method.k_start())?;
        let tol = self.tolerance();
        let mut h = match self.options.mode {
            StepMode::Fixed(h) => (t1 - t0) / ((t1 - t0) / h - 1e-9).ceil().max(1.0),
            StepMode::Adaptive => self.initial_step(rhs, span, y),
        };
        let mut t = t0;
        while t < t1 {
            let last =
                t + 1.01 * h >= t1 || matches!(self.options.mode, StepMode::Fixed(_)) && t + 1.5 * h >= t1;
            if last {
                h = t1 - t;
            }
            self.check_budget(rhs, (t, h), y, last)?;
            let err = self.method.attempt(rhs, (t, h), y, &tol);
            let finite = self.method.y_new().iter().all(|v| v.is_finite());
            let decision = match self.options.mode {
                StepMode::Fixed(_) if finite => StepDecision::Accept { next_h: h },
                _ if !finite => StepDecision::Reject { retry_h: 0.2 * h },
                _ => self.controller.decide(err, h),
            };
            match decision {
                StepDecision::Accept { next_h } => {
                    let t_new = if last { t1 } else { t + h };
                    let dense =
                        observer.wants_dense() || recorder.pending().is_some_and(|o| o < t1 && o <= t_new);
                    self.method.accept(rhs, (t, h), y, dense);
                    self.stats.accepted_steps += 1;
                    if self.method.is_implicit() {
                        self.stats.implicit_steps += 1;
                    }
                    while let Some(t_out) = recorder.pending().filter(|&o| o < t1 && o <= t_new) {
                        self.method.interpolate((t_out - t) / h, &mut self.scratch_y);
                        recorder.record(t_out, &self.scratch_y)?;
                    }
                    if observer.wants_dense() {
                        observer.step(&DenseStep {
                            t0: t,
                            t1: t_new,
                            y0: y,
                            y1: self.method.y_new(),
                            rates: &rhs.rates,
                            interpolant: &self.method,
                        });
                    }
                    y.copy_from_slice(self.method.y_new());
                    check_derivative(rhs, t_new, self.method.k_start())?;
                    self.test_stiffness(rhs, (t_new, h), y);
                    t = t_new;
                    h = self.switch_back(next_h).min(self.options.max_step);
                }
                StepDecision::Reject { retry_h } => {
                    self.stats.rejected_steps += 1;
                    if let Some(entry) = self.method.non_finite_jacobian() {
                        return Err(non_finite_jacobian(rhs, t, entry));
                    }
                    if !finite && matches!(self.options.mode, StepMode::Fixed(_)) {
                        return Err(non_finite_state(rhs, t, self.method.y_new()));
                    }
                    h = retry_h;
                    if !finite && 0.1 * h <= t.abs().max(t1.abs()) * f64::EPSILON {
                        return Err(non_finite_state(rhs, t, self.method.y_new()));
                    }
                }
            }
        }
        Ok(())
    }

    /// Under automatic switching, the explicit method's controller and step once it would be
    /// at least as cheap as the stiff one; otherwise `next_h` unchanged.
    fn switch_back(&mut self, next_h: f64) -> f64 {
        if matches!(self.options.mode, StepMode::Fixed(_)) {
            return next_h;
        }
        match self.method.switch_to_explicit(next_h, self.options.atol.len()) {
            Some((controller, h)) => {
                self.controller = controller;
                self.stats.method_switches += 1;
                // Stiffness stays suspected: the test runs on every step until it clears, so a
                // stiff stretch after a non-stiff one is caught within STIFF_VERDICTS steps.
                self.stiff_count = 1;
                self.non_stiff_count = 0;
                h
            }
            None => next_h,
        }
    }

    fn count_linear_work(&mut self) {
        let work = self.method.linear_work();
        self.stats.jacobian_evaluations = work.jacobian_evaluations;
        self.stats.factorisations = work.factorisations;
    }

    fn tolerance(&self) -> Tolerance<'o> {
        Tolerance {
            rtol: self.options.rtol,
            atol: &self.options.atol,
        }
    }

    /// Fails on an exhausted step budget or a step too small to advance `t` (DOPRI5's test).
    /// The last step of a segment may be that small once (a segment shorter than what `t`
    /// resolves); only a rejected one fails.
    fn check_budget<S: OdeSystem>(
        &mut self,
        rhs: &Rhs<'_, S>,
        (t, h): (f64, f64),
        y: &[f64],
        last: bool,
    ) -> Result<(), SolveError> {
        if self.stats.accepted_steps + self.stats.rejected_steps >= self.options.max_steps {
            return Err(SolveError::MaxStepsExceeded {
                t,
                max_steps: self.options.max_steps,
                stiff_from: self.stiff_from(),
            });
        }
        let unresolved = 0.1 * h.abs() <= t.abs() * f64::EPSILON || h.abs() < f64::MIN_POSITIVE;
        if unresolved && !(last && h > 0.0 && !self.controller.rejected_last()) {
            return Err(self.step_failure(rhs, (t, h), y));
        }
        Ok(())
    }

    /// Time from which the stiffness test fired repeatedly, if it did.
    fn stiff_from(&self) -> Option<f64> {
        self.warnings
            .iter()
            .map(|w| match w {
                SolverWarning::Stiff { t } => *t,
            })
            .next()
    }

    /// Why the step size collapsed, as far as can be told from the fastest-changing state: a
    /// blow-up, a stiff problem (the stiffness test fired), an unbounded derivative, or unknown.
    fn step_failure<S: OdeSystem>(&mut self, rhs: &Rhs<'_, S>, (t, h): (f64, f64), y: &[f64]) -> SolveError {
        let tol = self.tolerance();
        let f = self.method.k_start();
        let worst = (0..tol.atol.len())
            .max_by(|&a, &b| {
                let wa = (f[a] / tol.scale(a, y[a], y[a])).abs();
                let wb = (f[b] / tol.scale(b, y[b], y[b])).abs();
                wa.total_cmp(&wb)
            })
            .unwrap_or(0);
        let state = rhs.system.state_name(worst);
        let (value, derivative) = (y[worst], f[worst]);
        let atol = tol.atol.get(worst).copied().unwrap_or(0.0);
        let start = self.segment_y0[worst].abs().max(atol);
        if value.abs() >= UNBOUNDED_GROWTH * start && value * derivative > 0.0 {
            return SolveError::BlowUp {
                t,
                state,
                value,
                derivative,
            };
        }
        let stiff_from = self.stiff_from();
        let swept = derivative.abs() * (t - self.segment_t0);
        if stiff_from.is_none() && swept >= UNBOUNDED_GROWTH * (value.abs() + atol) {
            return SolveError::UnboundedDerivative {
                t,
                state,
                value,
                derivative,
            };
        }
        SolveError::StepSizeTooSmall {
            t,
            h,
            state,
            stiff_from,
        }
    }

    /// Hairer's starting step (Solving ODEs I, §II.4): balance the first two derivative
    /// estimates so that the local error of the first step is about the tolerance.
    fn initial_step<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, span: (f64, f64), y: &[f64]) -> f64 {
        let (t0, t1) = span;
        let tol = self.tolerance();
        let max_step = self.options.max_step.min(t1 - t0);
        let controlled = tol.atol.len();
        let f0 = self.method.k_start();
        let sk = |i: usize| tol.scale(i, y[i], y[i]);
        // Hairer's weighted norms, in logarithms: with fast time scales (rates of 1e300 per
        // time unit) the weighted derivatives and their squares overflow, their ratios do not.
        let log_dnf = log_norm((0..controlled).map(|i| (f0[i], sk(i))));
        let log_dny = log_norm((0..controlled).map(|i| (y[i], sk(i))));
        let small = 1e-5_f64.ln();
        let mut h = if log_dnf <= small || log_dny <= small {
            1e-6
        } else {
            0.01 * (log_dny - log_dnf).exp()
        };
        if h.is_nan() || h <= 0.0 {
            // Faster than the smallest double can express: start small and let the controller adapt.
            h = (t1 - t0) * 1e-6;
        }
        h = h.min(max_step);
        for (i, yi) in y.iter().enumerate() {
            self.scratch_y[i] = yi + h * f0[i];
        }
        rhs.eval(t0 + h, &self.scratch_y, &mut self.scratch_f);
        let f0 = self.method.k_start();
        let f1 = &self.scratch_f;
        let log_der2 = log_norm((0..controlled).map(|i| (f1[i] - f0[i], tol.scale(i, y[i], y[i]))));
        // h1 = (0.01 / max(der2 / h, dnf))^(1/order).
        let log_der12 = (log_der2 - h.ln()).max(log_dnf);
        let h1 = if log_der12 <= 1e-15_f64.ln() {
            (h * 1e-3).max(1e-6)
        } else {
            ((0.01_f64.ln() - log_der12) / f64::from(self.method.order())).exp()
        };
        (100.0 * h).min(h1).min(max_step)
    }

    fn test_stiffness<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, (t, h): (f64, f64), y: &[f64]) {
        // A switching method tests every step: the test only reads the stages, so the steps
        // stay DOPRI5's until it fires, and a stiff problem is handed over within STIFF_VERDICTS
        // steps instead of up to STIFFNESS_TEST_INTERVAL.
        if !self.stats.accepted_steps.is_multiple_of(STIFFNESS_TEST_INTERVAL)
            && self.stiff_count == 0
            && !self.method.switches()
        {
            return;
        }
        if self.method.stiffness_estimate(h, self.options.atol.len()) > self.method.stiffness_bound() {
            self.non_stiff_count = 0;
            self.stiff_count += 1;
            if self.stiff_count == STIFF_VERDICTS {
                if let Some(controller) = self.method.switch_to_stiff(&mut *rhs.system, t, y) {
                    // The step size carries over; the controller's history does not.
                    self.controller = controller;
                    self.stats.method_switches += 1;
                    self.stiff_count = 0;
                    self.non_stiff_count = 0;
                } else if self.warnings.is_empty() {
                    self.warnings.push(SolverWarning::Stiff { t });
                }
            }
        } else {
            self.non_stiff_count += 1;
            if self.non_stiff_count == NON_STIFF_VERDICTS {
                self.stiff_count = 0;
            }
        }
    }
}

fn apply_event(kind: EventKind, y: &mut [f64], active: &mut Vec<(usize, usize, f64)>) {
    match kind {
        EventKind::Bolus { target, amount } => y[target] += amount,
        EventKind::InfusionStart { id, target, rate } => active.push((id, target, rate)),
        EventKind::InfusionStop { id } => active.retain(|&(i, _, _)| i != id),
    }
}

/// Fails if a derivative is not finite: a model state's first, else a carried integral's
/// integrand (named by what it integrates).
fn check_derivative<S: OdeSystem>(rhs: &Rhs<'_, S>, t: f64, f: &[f64]) -> Result<(), SolveError> {
    let Some(i) = f.iter().position(|v| !v.is_finite()) else {
        return Ok(());
    };
    let name = rhs.system.state_name(i);
    Err(if i < rhs.system.controlled_dimension() {
        SolveError::NonFiniteDerivative {
            t,
            state: name,
            value: f[i],
        }
    } else {
        SolveError::NonFiniteIntegrand {
            t,
            integrand: name,
            value: f[i],
        }
    })
}

/// The failure for a state that became non-finite in a step from `t`: a model state's first;
/// for a carried integral, NaN means its integrand was NaN inside the step, ±inf an overflow.
/// The error for a non-finite Jacobian entry (row, column, value; column n is ∂f/∂t) at `t`.
fn non_finite_jacobian<S: OdeSystem>(
    rhs: &Rhs<'_, S>,
    t: f64,
    (row, column, value): (usize, usize, f64),
) -> SolveError {
    let n = rhs.system.dimension();
    SolveError::NonFiniteJacobian {
        t,
        row: rhs.system.state_name(row),
        column: if column == n {
            "t".to_string()
        } else {
            rhs.system.state_name(column)
        },
        value,
    }
}

fn non_finite_state<S: OdeSystem>(rhs: &Rhs<'_, S>, t: f64, y_new: &[f64]) -> SolveError {
    let i = y_new.iter().position(|v| !v.is_finite()).unwrap_or(0);
    let name = rhs.system.state_name(i);
    if i < rhs.system.controlled_dimension() {
        SolveError::NonFiniteState {
            t,
            state: name,
            value: y_new[i],
        }
    } else if y_new[i].is_nan() {
        SolveError::NonFiniteIntegrand {
            t,
            integrand: name,
            value: y_new[i],
        }
    } else {
        SolveError::NonFiniteIntegral {
            t,
            integrand: name,
            value: y_new[i],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regimen::Event;

    fn snapped(outputs: &[f64], event_times: &[f64], t_end: f64) -> Vec<f64> {
        let events: Vec<Event> = event_times
            .iter()
            .map(|&time| Event {
                time,
                dose: 0,
                kind: EventKind::Bolus {
                    target: 0,
                    amount: 1.0,
                },
            })
            .collect();
        let problem = Problem {
            initial_state: &[0.0],
            events: &events,
            t_end,
            output_times: outputs,
        };
        snap_outputs(outputs, &problem)
    }

    #[test]
    fn outputs_snap_to_events_within_rounding_relative_to_the_times() {
        // 3·0.1 = 0.30000000000000004 is the dose at 0.3; at 1e-300 the rule is the same.
        assert_eq!(snapped(&[0.1 * 3.0], &[0.3], 1.0), [0.3]);
        assert_eq!(
            snapped(&[0.3e-300 * (1.0 + 1e-15)], &[0.3e-300], 1e-300),
            [0.3e-300]
        );
        // No absolute floor: outputs 2.5e-301 apart before t_end = 1e-300 stay where they are
        // (with the old floor of 1e-12 every one was stamped 1e-300).
        let grid = [0.0, 2.5e-301, 5e-301, 7.5e-301, 1e-300];
        assert_eq!(snapped(&grid, &[0.0, 5e-301], 1e-300), grid);
        // Near t = 0 only 0 itself is at an event at 0.
        assert_eq!(snapped(&[1e-20], &[0.0], 1.0), [1e-20]);
    }

    #[test]
    fn an_event_takes_only_its_nearest_output_so_outputs_stay_distinct() {
        let outputs = [1.0 - 1e-13, 1.0, 1.0 + 1e-13];
        assert_eq!(snapped(&outputs, &[1.0], 2.0), outputs);
        // Without an output exactly at it, the event takes the nearest one only.
        assert_eq!(
            snapped(&[1.0 - 4e-13, 1.0 + 1e-13], &[1.0], 2.0),
            [1.0 - 4e-13, 1.0]
        );
    }

    #[test]
    fn snapping_is_one_merge_pass() {
        // 10⁶ events × 10⁵ outputs: 10¹¹ comparisons by the old per-output scan, 1.1·10⁶ now
        // (this test would take minutes before).
        let events: Vec<f64> = (0..1_000_000).map(|k| f64::from(k) * 0.25).collect();
        let outputs: Vec<f64> = (0..100_000).map(|k| f64::from(k) * 2.5 + 1e-13).collect();
        let s = snapped(&outputs, &events, 250_000.0);
        assert_eq!(s[4], 10.0);
        assert_eq!(s.len(), outputs.len());
    }

    struct Decay;

    impl OdeSystem for Decay {
        fn dimension(&self) -> usize {
            1
        }

        fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = -y[0];
        }
    }

    #[test]
    fn generated_output_times_give_the_rows_of_the_listed_times() {
        // The same grid listed in the problem and produced by an iterator (never stored) must
        // give bit-identical rows: both go through the same snapping and recording.
        use crate::solve::sink::Collect;
        let grid = || (0..=40).map(|i| f64::from(i) * 0.025);
        let listed: Vec<f64> = grid().collect();
        let problem = |times| Problem {
            initial_state: &[1.0],
            events: &[],
            t_end: 1.0,
            output_times: times,
        };
        let options = SolverOptions::new(1);
        let mut a = Collect::with_capacity(listed.len(), 1);
        simulate_into(&mut Decay, &problem(&listed), &options, &mut NoObserver, &mut a).unwrap();
        let mut b = Collect::with_capacity(0, 1);
        simulate_into_times(
            &mut Decay,
            (&problem(&[]), grid()),
            &options,
            (&mut NoObserver, &mut b),
        )
        .unwrap();
        assert_eq!(a.times.len(), 41);
        assert_eq!((&a.times, &a.states), (&b.times, &b.states));
        // Times in both places are ambiguous: refused.
        let mut c = Collect::with_capacity(0, 1);
        let e = simulate_into_times(
            &mut Decay,
            (&problem(&listed), grid()),
            &options,
            (&mut NoObserver, &mut c),
        );
        assert!(matches!(e, Err(SolveError::InvalidOptions(_))), "{e:?}");
        // An unsorted generated grid is refused like an unsorted list.
        let mut d = Collect::with_capacity(0, 1);
        let e = simulate_into_times(
            &mut Decay,
            (&problem(&[]), [0.5, 0.25].into_iter()),
            &options,
            (&mut NoObserver, &mut d),
        );
        assert!(matches!(e, Err(SolveError::InvalidOptions(_))), "{e:?}");
    }

    #[test]
    fn output_times_that_would_never_be_recorded_are_refused() {
        // An output beyond t_end (or unsorted) used to be dropped silently: a short solution.
        for times in [&[0.0, 2.0][..], &[0.5, 0.25], &[f64::NAN]] {
            let problem = Problem {
                initial_state: &[1.0],
                events: &[],
                t_end: 1.0,
                output_times: times,
            };
            let e = simulate(&mut Decay, &problem, &SolverOptions::new(1)).unwrap_err();
            assert!(matches!(e, SolveError::InvalidOptions(_)), "{times:?}: {e:?}");
        }
    }
}
