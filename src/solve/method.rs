//! The interface between the integrator loop and one embedded Runge–Kutta method, plus the
//! shared helpers (stage combination, weighted error norm).

use super::OdeSystem;
use super::controller::StepController;
use super::rosenbrock::LinearWork;

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

/// `out = y + (h·a₁)k₁ + … + (h·a_S)k_S` in one pass, summed left to right, so rounded exactly
/// as [`combine`]'s column passes; the stage count `S` is a constant, so the sum is unrolled.
#[inline(always)]
pub(crate) fn stage_argument<const S: usize>(
    out: &mut [f64],
    y: &[f64],
    h: f64,
    a: [f64; S],
    k: [&[f64]; S],
) {
    let n = out.len();
    let y = &y[..n];
    // Slicing every stage to `n` up front lets the compiler drop the bounds checks in the loop.
    let k = k.map(|kj| &kj[..n]);
    // h·aⱼ first (not h·Σ): with rates of 1e300 per time unit the plain sum can overflow.
    let c = a.map(|aj| h * aj);
    for i in 0..n {
        let mut sum = y[i];
        for j in 0..S {
            sum += c[j] * k[j][i];
        }
        out[i] = sum;
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
    /// A new segment starts (the state may have jumped): forget anything tied to the old state.
    fn restart(&mut self) {}
    /// True if the method taking the next step is implicit (Rosenbrock).
    fn is_implicit(&self) -> bool {
        false
    }
    /// The non-finite entry (row, column, value; column n is ∂f/∂t) of the Jacobian the
    /// last attempt used, if any: an implicit method cannot step past it.
    fn non_finite_jacobian(&self) -> Option<(usize, usize, f64)> {
        None
    }
    /// Jacobian evaluations and LU factorisations so far.
    fn linear_work(&self) -> LinearWork {
        LinearWork::default()
    }
    /// True if the method switches between an explicit and a stiff method by itself.
    fn switches(&self) -> bool {
        false
    }
    /// Called when the stiffness test has fired repeatedly. A method that can hand over to a
    /// stiff method (automatic switching) does so and returns the controller for it; the
    /// default cannot (and the run warns instead).
    /// `system` is at `(t, y)` (the end of the last accepted step), where a stiff method built
    /// now probes for the Jacobian it needs.
    fn switch_to_stiff<S: OdeSystem>(
        &mut self,
        _system: &mut S,
        _t: f64,
        _y: &[f64],
    ) -> Option<StepController> {
        None
    }
    /// Called after each accepted step with the proposed next step `h`: a switching method
    /// running its stiff method returns the explicit method's controller and step size once
    /// the explicit method would be at least as cheap.
    fn switch_to_explicit(&mut self, _h: f64, _controlled: usize) -> Option<(StepController, f64)> {
        None
    }
}

/// Euclidean norm of `values`, scaled by the largest magnitude so that the squares neither
/// overflow nor underflow (rates of 1e300 per time unit are fine); 0 for no values.
pub(crate) fn norm(values: impl Iterator<Item = f64> + Clone) -> f64 {
    // One plain pass when the squares neither overflow nor underflow (the usual case: `auto`
    // runs this on every step); the scaled two-pass form otherwise.
    let sum: f64 = values.clone().map(|v| v * v).sum();
    if sum.is_finite() && sum >= f64::MIN_POSITIVE / f64::EPSILON {
        return sum.sqrt();
    }
    let largest = values.clone().fold(0.0, |m: f64, v| m.max(v.abs()));
    if largest == 0.0 || !largest.is_finite() {
        return largest;
    }
    largest * values.map(|v| (v / largest).powi(2)).sum::<f64>().sqrt()
}

/// ln of the Euclidean norm of the quotients a/b of `pairs`, computed in logarithms so that
/// neither the quotients nor their squares overflow; −∞ if every a is 0.
pub(crate) fn log_norm(pairs: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    // One plain pass and one logarithm when the squared quotients neither overflow nor
    // underflow (the usual case: this sets every run's first step); logarithms throughout
    // otherwise.
    let sum: f64 = pairs.clone().map(|(a, b)| (a / b) * (a / b)).sum();
    if sum.is_finite() && sum >= f64::MIN_POSITIVE / f64::EPSILON {
        return 0.5 * sum.ln();
    }
    let log = |(a, b): (f64, f64)| a.abs().ln() - b.abs().ln();
    let largest = pairs.clone().map(log).fold(f64::NEG_INFINITY, f64::max);
    if !largest.is_finite() {
        return largest;
    }
    largest + 0.5 * pairs.map(|p| (2.0 * (log(p) - largest)).exp()).sum::<f64>().ln()
}

/// Hairer's stiffness estimate h·|λ| ≈ h·‖f(t+h, y₁) − f(t+h, ỹ)‖ / ‖y₁ − ỹ‖ from two stages
/// evaluated at t + h, over the first `controlled` states.
pub(crate) fn stiffness_ratio(
    h: f64,
    stages: (&[f64], &[f64]),
    states: (&[f64], &[f64]),
    controlled: usize,
) -> f64 {
    let distance = |(a, b): (&[f64], &[f64])| norm(a.iter().zip(b).take(controlled).map(|(x, y)| x - y));
    let (num, den) = (distance(stages), distance(states));
    if den > 0.0 { h.abs() * (num / den) } else { 0.0 }
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

#[cfg(test)]
mod tests {
    use super::log_norm;

    /// The plain pass and the logarithmic one agree: the same quotients scaled by 10³⁰⁰ (whose
    /// squares overflow) give ln‖·‖ + 300·ln 10, to a few ulps of the logarithms.
    #[test]
    fn log_norm_is_the_same_on_both_paths() {
        let pairs = [(3.0, 1.0), (-4.0, 2.0), (0.0, 5.0), (1e-3, 7.0)];
        let plain = log_norm(pairs.iter().copied());
        // ‖(3, −2, 0, 1/7000)‖ = sqrt(13 + 1/7000²), straight from the definition.
        let exact = (13.0_f64 + (1e-3_f64 / 7.0).powi(2)).sqrt().ln();
        assert!(
            (plain - exact).abs() <= 4.0 * f64::EPSILON * exact.abs(),
            "{plain} vs {exact}"
        );
        let huge = log_norm(pairs.iter().map(|&(a, b)| (a * 1e300, b)));
        let shift = 300.0 * 10.0_f64.ln();
        assert!(
            (huge - (plain + shift)).abs() < 1e-12 * shift,
            "{huge} vs {}",
            plain + shift
        );
        let tiny = log_norm(pairs.iter().map(|&(a, b)| (a * 1e-300, b)));
        assert!(
            (tiny - (plain - shift)).abs() < 1e-12 * shift,
            "{tiny} vs {}",
            plain - shift
        );
        assert_eq!(log_norm([(0.0, 1.0), (0.0, 2.0)].into_iter()), f64::NEG_INFINITY);
    }
}
