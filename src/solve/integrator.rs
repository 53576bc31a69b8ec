//! The integration loop: segments between events, adaptive (or fixed) steps within a segment,
//! output by dense interpolation, Hairer's initial-step heuristic and stiffness test.

use super::controller::{StepController, StepDecision};
use super::dop853::Dop853;
use super::dopri5::Dopri5;
use super::method::{Rhs, RungeKutta, Tolerance};
use super::observer::{DenseStep, NoObserver, Observer};
use super::{
    Method, OdeSystem, Problem, Solution, SolveError, SolverOptions, SolverStats, SolverWarning, StepMode,
};
use crate::regimen::EventKind;

/// Stiffness is tested every this many accepted steps, and on every step while suspected (DOPRI5).
const STIFFNESS_TEST_INTERVAL: u64 = 1000;
/// Consecutive stiff verdicts before warning, and non-stiff verdicts that clear suspicion (DOPRI5).
const STIFF_VERDICTS: u32 = 15;
const NON_STIFF_VERDICTS: u32 = 6;
/// An output time this close (relative) to an event time is taken to be at the event.
const SNAP_TOLERANCE: f64 = 1e-12;

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
    validate(problem, options, (n, system.controlled_dimension()))?;
    match options.method {
        Method::Dopri5 => {
            Run::new(Dopri5::new(n), StepController::dopri5(), options, n).solve(system, problem, observer)
        }
        Method::Dop853 => {
            Run::new(Dop853::new(n), StepController::dop853(), options, n).solve(system, problem, observer)
        }
    }
}

fn validate(
    problem: &Problem<'_>,
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

/// Output times moved onto event times they are within rounding of, so that "output at a dose
/// time" always means after the dose.
fn snap_outputs(times: &[f64], problem: &Problem<'_>) -> Vec<f64> {
    times
        .iter()
        .map(|&t| {
            let near = |e: f64| (t - e).abs() <= SNAP_TOLERANCE * e.abs().max(1.0);
            problem
                .events
                .iter()
                .map(|e| e.time)
                .chain([problem.t_end])
                .find(|&e| near(e))
                .unwrap_or(t)
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
    scratch_y: Vec<f64>,
    scratch_f: Vec<f64>,
}

/// The outputs collected so far.
struct Recorder<'p> {
    times: &'p [f64],
    next: usize,
    solution_times: Vec<f64>,
    states: Vec<f64>,
}

impl Recorder<'_> {
    fn record(&mut self, t: f64, y: &[f64]) {
        self.solution_times.push(t);
        self.states.extend_from_slice(y);
        self.next += 1;
    }

    fn pending(&self) -> Option<f64> {
        self.times.get(self.next).copied()
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
            scratch_y: vec![0.0; n],
            scratch_f: vec![0.0; n],
        }
    }

    fn solve<S: OdeSystem, O: Observer>(
        mut self,
        system: &mut S,
        problem: &Problem<'_>,
        observer: &mut O,
    ) -> Result<Solution, SolveError> {
        let n = problem.initial_state.len();
        let mut y = problem.initial_state.to_vec();
        let mut rhs = Rhs {
            system,
            rates: vec![0.0; n],
            evaluations: 0,
            infusing: false,
        };
        let output_times = snap_outputs(problem.output_times, problem);
        let mut recorder = Recorder {
            times: &output_times,
            next: 0,
            solution_times: Vec::with_capacity(output_times.len()),
            states: Vec::with_capacity(output_times.len() * n),
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
                apply_event(event.kind, &mut y, &mut active_infusions);
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
                recorder.record(t, &y);
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
        Ok(Solution {
            times: recorder.solution_times,
            states: recorder.states,
            state_count: n,
            stats: self.stats,
            warnings: self.warnings,
        })
    }

    /// Integrates from `span.0` to `span.1` (exactly), recording outputs strictly inside.
    fn segment<S: OdeSystem, O: Observer>(
        &mut self,
        rhs: &mut Rhs<'_, S>,
        span: (f64, f64),
        y: &mut [f64],
        (recorder, observer): (&mut Recorder<'_>, &mut O),
    ) -> Result<(), SolveError> {
        let (t0, t1) = span;
        self.stats.segments += 1;
        self.controller.reset();
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
            self.check_budget(rhs, t, h, y)?;
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
                    while let Some(t_out) = recorder.pending().filter(|&o| o < t1 && o <= t_new) {
                        self.method.interpolate((t_out - t) / h, &mut self.scratch_y);
                        recorder.record(t_out, &self.scratch_y);
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
                    self.test_stiffness(t_new, h);
                    t = t_new;
                    h = next_h.min(self.options.max_step);
                }
                StepDecision::Reject { retry_h } => {
                    self.stats.rejected_steps += 1;
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

    fn tolerance(&self) -> Tolerance<'o> {
        Tolerance {
            rtol: self.options.rtol,
            atol: &self.options.atol,
        }
    }

    /// Fails on an exhausted step budget or a step too small to advance `t` (DOPRI5's test).
    fn check_budget<S: OdeSystem>(
        &mut self,
        rhs: &Rhs<'_, S>,
        t: f64,
        h: f64,
        y: &[f64],
    ) -> Result<(), SolveError> {
        let tol = self.tolerance();
        if self.stats.accepted_steps + self.stats.rejected_steps >= self.options.max_steps {
            return Err(SolveError::MaxStepsExceeded {
                t,
                max_steps: self.options.max_steps,
            });
        }
        if 0.1 * h.abs() <= t.abs() * f64::EPSILON || h.abs() < f64::MIN_POSITIVE {
            let f = self.method.k_start();
            let worst = (0..tol.atol.len())
                .max_by(|&a, &b| {
                    let wa = (f[a] / tol.scale(a, y[a], y[a])).abs();
                    let wb = (f[b] / tol.scale(b, y[b], y[b])).abs();
                    wa.total_cmp(&wb)
                })
                .unwrap_or(0);
            return Err(SolveError::StepSizeTooSmall {
                t,
                h,
                state: rhs.system.state_name(worst),
            });
        }
        Ok(())
    }

    /// Hairer's starting step (Solving ODEs I, §II.4): balance the first two derivative
    /// estimates so that the local error of the first step is about the tolerance.
    fn initial_step<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, span: (f64, f64), y: &[f64]) -> f64 {
        let (t0, t1) = span;
        let tol = self.tolerance();
        let max_step = self.options.max_step.min(t1 - t0);
        let controlled = tol.atol.len();
        let f0 = self.method.k_start();
        let (mut dnf, mut dny) = (0.0, 0.0);
        for i in 0..controlled {
            let sk = tol.scale(i, y[i], y[i]);
            dnf += (f0[i] / sk).powi(2);
            dny += (y[i] / sk).powi(2);
        }
        let mut h = if dnf <= 1e-10 || dny <= 1e-10 {
            1e-6
        } else {
            (dny / dnf).sqrt() * 0.01
        };
        h = h.min(max_step);
        for (i, yi) in y.iter().enumerate() {
            self.scratch_y[i] = yi + h * f0[i];
        }
        rhs.eval(t0 + h, &self.scratch_y, &mut self.scratch_f);
        let f0 = self.method.k_start();
        let mut der2 = 0.0;
        for i in 0..controlled {
            let sk = tol.scale(i, y[i], y[i]);
            der2 += ((self.scratch_f[i] - f0[i]) / sk).powi(2);
        }
        let der2 = der2.sqrt() / h;
        let der12 = der2.abs().max(dnf.sqrt());
        let h1 = if der12 <= 1e-15 {
            (h * 1e-3).max(1e-6)
        } else {
            (0.01 / der12).powf(1.0 / f64::from(self.method.order()))
        };
        (100.0 * h).min(h1).min(max_step)
    }

    fn test_stiffness(&mut self, t: f64, h: f64) {
        if !self.stats.accepted_steps.is_multiple_of(STIFFNESS_TEST_INTERVAL) && self.stiff_count == 0 {
            return;
        }
        if self.method.stiffness_estimate(h, self.options.atol.len()) > self.method.stiffness_bound() {
            self.non_stiff_count = 0;
            self.stiff_count += 1;
            if self.stiff_count == STIFF_VERDICTS && self.warnings.is_empty() {
                self.warnings.push(SolverWarning::Stiff { t });
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

fn check_derivative<S: OdeSystem>(rhs: &Rhs<'_, S>, t: f64, f: &[f64]) -> Result<(), SolveError> {
    match f.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(SolveError::NonFiniteDerivative {
            t,
            state: rhs.system.state_name(i),
            value: f[i],
        }),
    }
}

fn non_finite_state<S: OdeSystem>(rhs: &Rhs<'_, S>, t: f64, y_new: &[f64]) -> SolveError {
    let i = y_new.iter().position(|v| !v.is_finite()).unwrap_or(0);
    SolveError::NonFiniteState {
        t,
        state: rhs.system.state_name(i),
        value: y_new[i],
    }
}
