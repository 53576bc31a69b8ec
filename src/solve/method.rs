//! The interface between the integrator loop and one embedded Runge–Kutta method, plus the
//! shared helpers (stage combination, weighted error norm).

use super::OdeSystem;

/// The right-hand side as the integrator sees it: the model plus the zero-order input of
/// running infusions, counting evaluations.
pub(crate) struct Rhs<'a, S: OdeSystem> {
    pub(crate) system: &'a mut S,
    /// Infusion input per state (amount per time unit), constant between events.
    pub(crate) rates: Vec<f64>,
    pub(crate) evaluations: u64,
    /// False while no infusion runs, to skip adding zeros.
    pub(crate) infusing: bool,
}

impl<S: OdeSystem> Rhs<'_, S> {
    #[inline]
    pub(crate) fn eval(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        self.system.rhs(t, y, dy);
        if self.infusing {
            for (d, r) in dy.iter_mut().zip(&self.rates) {
                *d += r;
            }
        }
        self.evaluations += 1;
    }
}

/// Error weights: `atol_i + rtol · max(|y0_i|, |y1_i|)` (Hairer's mixed error test). Only the
/// first `atol.len()` states are error-controlled; any further ones are quadratures.
pub(crate) struct Tolerance<'a> {
    pub(crate) rtol: f64,
    pub(crate) atol: &'a [f64],
}

impl Tolerance<'_> {
    #[inline]
    pub(crate) fn scale(&self, i: usize, y0: f64, y1: f64) -> f64 {
        self.atol[i] + self.rtol * y0.abs().max(y1.abs())
    }
}

/// `out = y + h · Σ_j a_j k_j`, skipping zero coefficients (column-wise, so it vectorises; the
/// first term initialises `out`, which avoids a `memcpy` call for a handful of states).
#[inline]
pub(crate) fn combine(out: &mut [f64], y: &[f64], h: f64, a: &[f64], k: &[Vec<f64>]) {
    let mut initialised = false;
    for (&aj, kj) in a.iter().zip(k) {
        if aj == 0.0 {
            continue;
        }
        let c = h * aj;
        if initialised {
            for (o, &kji) in out.iter_mut().zip(kj) {
                *o += c * kji;
            }
        } else {
            for ((o, &yi), &kji) in out.iter_mut().zip(y).zip(kj) {
                *o = yi + c * kji;
            }
            initialised = true;
        }
    }
    if !initialised {
        out.copy_from_slice(y);
    }
}

/// `out = h · Σ_j a_j k_j`, skipping zero coefficients.
#[inline]
pub(crate) fn weighted_sum(out: &mut [f64], h: f64, a: &[f64], k: &[Vec<f64>]) {
    out.iter_mut().for_each(|o| *o = 0.0);
    for (&aj, kj) in a.iter().zip(k) {
        if aj != 0.0 {
            let c = h * aj;
            for (o, &kji) in out.iter_mut().zip(kj) {
                *o += c * kji;
            }
        }
    }
}

/// One embedded explicit Runge–Kutta method with dense output, working in preallocated buffers.
pub(crate) trait RungeKutta: super::observer::Interpolant {
    /// Order used by the initial-step heuristic.
    fn order(&self) -> i32;
    /// hλ above which a step counts as stiff in Hairer's test.
    fn stiffness_bound(&self) -> f64;
    /// f(t, y) at the start of the next step (first same as last after an accepted step).
    fn k_start(&mut self) -> &mut [f64];
    /// Attempts a step `step = (t, h)` from `(t, y)`; returns the weighted RMS error norm.
    fn attempt<S: OdeSystem>(
        &mut self,
        rhs: &mut Rhs<'_, S>,
        step: (f64, f64),
        y: &[f64],
        tol: &Tolerance<'_>,
    ) -> f64;
    /// The solution at `t + h` of the last attempt.
    fn y_new(&self) -> &[f64];
    /// After acceptance: builds the dense output over `[t, t + h]` if `dense` (only then is
    /// `Interpolant::interpolate` valid) and sets `k_start` to f(t+h, y₁).
    fn accept<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, step: (f64, f64), y: &[f64], dense: bool);
    /// Estimate of h·|λ| over the first `controlled` states for the last accepted step
    /// (Hairer's stiffness test).
    fn stiffness_estimate(&self, h: f64, controlled: usize) -> f64;
}

/// Hairer's stiffness estimate h·|λ| ≈ h·‖f(t+h, y₁) − f(t+h, ỹ)‖ / ‖y₁ − ỹ‖ from two stages
/// evaluated at t + h, over the first `controlled` states.
pub(crate) fn stiffness_ratio(
    h: f64,
    stages: (&[f64], &[f64]),
    states: (&[f64], &[f64]),
    controlled: usize,
) -> f64 {
    let squared = |(a, b): (&[f64], &[f64])| -> f64 {
        a.iter()
            .zip(b)
            .take(controlled)
            .map(|(x, y)| (x - y) * (x - y))
            .sum()
    };
    let (num, den) = (squared(stages), squared(states));
    if den > 0.0 {
        h.abs() * (num / den).sqrt()
    } else {
        0.0
    }
}

/// The cubic Hermite part shared by both continuous extensions (Hairer's `rcont1…4`):
/// r₁ = y₀, r₂ = y₁ − y₀, r₃ = h·f₀ − r₂, r₄ = r₂ − h·f₁ − r₃.
pub(crate) fn hermite_coefficients(
    r: [&mut [f64]; 4],
    (y0, y1): (&[f64], &[f64]),
    (f0, f1): (&[f64], &[f64]),
    h: f64,
) {
    let [r1, r2, r3, r4] = r;
    for i in 0..y0.len() {
        let ydiff = y1[i] - y0[i];
        let bspl = h * f0[i] - ydiff;
        r1[i] = y0[i];
        r2[i] = ydiff;
        r3[i] = bspl;
        r4[i] = ydiff - h * f1[i] - bspl;
    }
}
