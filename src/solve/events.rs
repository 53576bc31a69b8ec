//! Event location on the dense output: sign changes of watched functions g(t, y) are found in
//! every accepted step (also between its ends, by sampling the interpolant) and pinned down by
//! the Illinois variant of regula falsi (Dowell & Jarratt, BIT 11 (1971) 168–174) to 1e-12
//! relative in time. Jumps at events are checked too, so a dose that carries a function across
//! zero gives a crossing at the dose time. Each function's extrema over every evaluated point
//! are tracked, so an extremum found as the root of a derivative function is exact.

use super::observer::{DenseStep, Observer};
use super::windows::{Side, WindowMinima};

/// Functions g(t, y) to watch.
pub trait EventFunctions {
    /// Number of functions.
    fn count(&self) -> usize;
    /// Writes g(t, y) for every function into `out`.
    fn eval(&mut self, t: f64, y: &[f64], out: &mut [f64]);
    /// The infusion input per state during the coming evaluations (for functions that
    /// involve dy/dt); ignored by default.
    fn set_rates(&mut self, _rates: &[f64]) {}
    /// What function `index` is, for messages (e.g. "output `C`"); `None` by default.
    fn name(&self, _index: usize) -> Option<String> {
        None
    }
    /// Writes ∂g/∂y at (t, y) row-major (`jac[i * n + j] = ∂g_i/∂y_j`, n = `y.len()`) and
    /// returns true; false if unavailable (needed when the functions are quadrature integrands
    /// under an implicit method).
    fn jacobian(&mut self, _t: f64, _y: &[f64], _jac: &mut [f64]) -> bool {
        false
    }
    /// Writes ∂g/∂t at (t, y) and returns true; false if unavailable.
    fn time_partial(&mut self, _t: f64, _y: &[f64], _out: &mut [f64]) -> bool {
        false
    }
}

/// A located sign change of function `function`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossing {
    /// Index of the function.
    pub function: usize,
    /// Time of the zero (time units).
    pub t: f64,
    /// True for − → +, false for + → −.
    pub rising: bool,
}

/// A value of one function at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extremum {
    /// Function value.
    pub value: f64,
    /// Time (time units).
    pub time: f64,
}

/// The functions' values just before and just after the events at time `t`.
#[derive(Debug, Clone, PartialEq)]
pub struct Jump {
    /// Event time.
    pub t: f64,
    /// Values before (left limits).
    pub before: Vec<f64>,
    /// Values after.
    pub after: Vec<f64>,
}

/// Interior sample points per step, to catch pairs of crossings inside one step.
const SAMPLES_PER_STEP: usize = 4;
/// Precision of located times, relative to the larger end of the bracket: scale-free (the same
/// in any time unit, at t_end = 1e-300 as at 1e6); for a bracket [0, b] it is relative to b,
/// and the iteration count bounds the work if the root is at 0 itself.
const TIME_TOLERANCE: f64 = 1e-12;
const MAX_ITERATIONS: usize = 200;

/// Watches functions through an integration (an [`Observer`]).
pub struct EventLocator<F: EventFunctions> {
    functions: F,
    /// Last known nonzero sign per function (0 while a function has only been exactly 0).
    side: Vec<i8>,
    /// First nonzero sign per function: the side it starts on, or first moves to from 0.
    first_side: Vec<i8>,
    g_left: Vec<f64>,
    g_right: Vec<f64>,
    g_probe: Vec<f64>,
    y_probe: Vec<f64>,
    crossings: Vec<Crossing>,
    minima: Vec<Extremum>,
    maxima: Vec<Extremum>,
    jumps: Vec<Jump>,
    /// Minima of one function per time window, if asked for.
    windows: Option<WindowMinima>,
}

impl<F: EventFunctions> EventLocator<F> {
    /// A locator for `functions` of a system with `dimension` states.
    pub fn new(functions: F, dimension: usize) -> Self {
        let m = functions.count();
        let none = Extremum {
            value: f64::NAN,
            time: f64::NAN,
        };
        Self {
            functions,
            side: vec![0; m],
            first_side: vec![0; m],
            g_left: vec![0.0; m],
            g_right: vec![0.0; m],
            g_probe: vec![0.0; m],
            y_probe: vec![0.0; dimension],
            crossings: Vec::new(),
            minima: vec![none; m],
            maxima: vec![none; m],
            jumps: Vec::new(),
            windows: None,
        }
    }

    /// Also tracks the minimum of function `function` within each window between the sorted,
    /// distinct `bounds` (e.g. the cycles of a protocol).
    pub(crate) fn with_windows(mut self, function: usize, bounds: Vec<f64>) -> Self {
        self.windows = Some(WindowMinima::new(function, bounds));
        self
    }

    /// The per-window minima, if [`EventLocator::with_windows`] asked for them.
    pub(crate) fn window_minima(&self) -> Option<&WindowMinima> {
        self.windows.as_ref()
    }

    /// The side (+1 or −1) each function starts on; for one starting at exactly 0, the side it
    /// moves to first; 0 if it never left 0.
    pub fn initial_sides(&self) -> &[i8] {
        &self.first_side
    }

    /// Located crossings in time order.
    pub fn crossings(&self) -> &[Crossing] {
        &self.crossings
    }

    /// Smallest value seen of each function (value NaN if never evaluated).
    pub fn minima(&self) -> &[Extremum] {
        &self.minima
    }

    /// Largest value seen of each function.
    pub fn maxima(&self) -> &[Extremum] {
        &self.maxima
    }

    /// Values around every event time, in time order.
    pub fn jumps(&self) -> &[Jump] {
        &self.jumps
    }

    /// Values of the functions at the last observed time (the end of the run).
    pub fn last_values(&self) -> &[f64] {
        &self.g_left
    }

    /// Records sign changes between the current sides and `g` at `t`; `bracket` locates roots.
    fn compare_sides(&mut self, t: f64, step: Option<(&DenseStep<'_>, f64)>) {
        for i in 0..self.g_right.len() {
            let v = self.g_right[i];
            let sign = if v > 0.0 {
                1
            } else if v < 0.0 {
                -1
            } else {
                0
            };
            if sign == 0 || sign == self.side[i] {
                if sign != 0 {
                    self.side[i] = sign;
                }
                continue;
            }
            if self.side[i] == 0 {
                self.first_side[i] = sign;
            } else {
                let at = match step {
                    Some((s, t_left)) => self.locate(s, i, (t_left, t)),
                    None => t,
                };
                self.crossings.push(Crossing {
                    function: i,
                    t: at,
                    rising: sign > 0,
                });
            }
            self.side[i] = sign;
        }
    }

    /// Illinois iteration for function `i` on `[a, b]`, whose ends have opposite signs.
    fn locate(&mut self, step: &DenseStep<'_>, i: usize, (mut a, mut b): (f64, f64)) -> f64 {
        let mut ga = self.value_at(step, i, a);
        let mut gb = self.value_at(step, i, b);
        if ga == 0.0 {
            return a;
        }
        for _ in 0..MAX_ITERATIONS {
            if gb == 0.0 || (b - a).abs() <= TIME_TOLERANCE * a.abs().max(b.abs()) {
                break;
            }
            let mut c = b - gb * (b - a) / (gb - ga);
            if !(c > a.min(b) && c < a.max(b)) {
                c = 0.5 * (a + b);
            }
            let gc = self.value_at(step, i, c);
            if (gc > 0.0) != (gb > 0.0) {
                a = b;
                ga = gb;
            } else {
                // The same end was kept again: halve its weight (the Illinois modification).
                ga *= 0.5;
            }
            b = c;
            gb = gc;
        }
        self.evaluate_all(step, b);
        b
    }

    fn value_at(&mut self, step: &DenseStep<'_>, i: usize, t: f64) -> f64 {
        step.state_at(t, &mut self.y_probe);
        self.functions.eval(t, &self.y_probe, &mut self.g_probe);
        self.g_probe[i]
    }

    /// Evaluates every function at `t` and tracks extrema there (located roots of derivative
    /// functions are where interior extrema are).
    fn evaluate_all(&mut self, step: &DenseStep<'_>, t: f64) {
        step.state_at(t, &mut self.y_probe);
        self.functions.eval(t, &self.y_probe, &mut self.g_probe);
        track(&mut self.minima, &mut self.maxima, t, &self.g_probe);
        if let Some(w) = &mut self.windows {
            w.track(t, &self.g_probe, Side::Left);
        }
    }

    /// Evaluates the functions at the window bounds strictly inside the step.
    fn window_bounds(&mut self, step: &DenseStep<'_>) {
        let Some(windows) = &mut self.windows else {
            return;
        };
        for i in windows.bounds_inside(step.t0, step.t1) {
            let t = windows.bounds()[i];
            step.state_at(t, &mut self.y_probe);
            self.functions.eval(t, &self.y_probe, &mut self.g_probe);
            windows.track_both(t, &self.g_probe);
        }
    }
}

fn track(minima: &mut [Extremum], maxima: &mut [Extremum], t: f64, g: &[f64]) {
    for ((&v, low), high) in g.iter().zip(minima).zip(maxima) {
        if v.is_nan() {
            continue;
        }
        if low.value.is_nan() || v < low.value {
            *low = Extremum { value: v, time: t };
        }
        if high.value.is_nan() || v > high.value {
            *high = Extremum { value: v, time: t };
        }
    }
}

impl<F: EventFunctions> Observer for EventLocator<F> {
    fn initial(&mut self, t: f64, y: &[f64]) {
        self.functions.eval(t, y, &mut self.g_right);
        track(&mut self.minima, &mut self.maxima, t, &self.g_right);
        if let Some(w) = &mut self.windows {
            w.track(t, &self.g_right, Side::Right);
        }
        self.compare_sides(t, None);
        self.g_left.copy_from_slice(&self.g_right);
    }

    fn jump(&mut self, t: f64, _before: &[f64], after: &[f64]) {
        self.functions.eval(t, after, &mut self.g_right);
        track(&mut self.minima, &mut self.maxima, t, &self.g_right);
        if let Some(w) = &mut self.windows {
            w.track(t, &self.g_right, Side::Right);
        }
        self.compare_sides(t, None);
        self.jumps.push(Jump {
            t,
            before: self.g_left.clone(),
            after: self.g_right.clone(),
        });
        self.g_left.copy_from_slice(&self.g_right);
    }

    fn step(&mut self, step: &DenseStep<'_>) {
        self.functions.set_rates(step.rates);
        self.window_bounds(step);
        let mut t_left = step.t0;
        for k in 1..=SAMPLES_PER_STEP {
            let t = if k == SAMPLES_PER_STEP {
                step.t1
            } else {
                step.t0 + (step.t1 - step.t0) * k as f64 / SAMPLES_PER_STEP as f64
            };
            step.state_at(t, &mut self.y_probe);
            self.functions.eval(t, &self.y_probe, &mut self.g_right);
            track(&mut self.minima, &mut self.maxima, t, &self.g_right);
            if let Some(w) = &mut self.windows {
                w.track(t, &self.g_right, Side::Left);
            }
            self.compare_sides(t, Some((step, t_left)));
            t_left = t;
        }
        self.g_left.copy_from_slice(&self.g_right);
    }
}
