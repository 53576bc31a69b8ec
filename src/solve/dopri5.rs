//! Dormand–Prince 5(4) with first-same-as-last stage, 4th-order continuous extension and
//! Hairer's stiffness test (the DOPRI5 code; Hairer, Nørsett & Wanner, §II.5–II.6).
//! Notation: k₁…k₇ stages, y₁ the 5th-order solution, θ ∈ [0, 1] the position in the step.

use super::OdeSystem;
use super::method::{Rhs, RungeKutta, Tolerance, hermite_coefficients, stage_argument, stiffness_ratio};
use super::tableau::dp5::{
    A21, A31, A32, A41, A42, A43, A51, A52, A53, A54, A61, A62, A63, A64, A65, B1, B3, B4, B5, B6, C2, C3,
    C4, C5, D1, D3, D4, D5, D6, D7, E1, E3, E4, E5, E6, E7,
};

/// Work buffers for DOPRI5: 7 stages, stage argument, y₁ and 5 dense-output coefficients.
pub(crate) struct Dopri5 {
    k: [Vec<f64>; 7],
    y_stage: Vec<f64>,
    y_new: Vec<f64>,
    dense: [Vec<f64>; 5],
}

impl Dopri5 {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            k: std::array::from_fn(|_| vec![0.0; n]),
            y_stage: vec![0.0; n],
            y_new: vec![0.0; n],
            dense: std::array::from_fn(|_| vec![0.0; n]),
        }
    }
}

impl RungeKutta for Dopri5 {
    fn order(&self) -> i32 {
        5
    }

    fn stiffness_bound(&self) -> f64 {
        3.25
    }

    fn k_start(&mut self) -> &mut [f64] {
        &mut self.k[0]
    }

    #[allow(clippy::needless_range_loop)] // i indexes y, y₁ and every stage alike
    fn attempt<S: OdeSystem>(
        &mut self,
        rhs: &mut Rhs<'_, S>,
        step: (f64, f64),
        y: &[f64],
        tol: &Tolerance<'_>,
    ) -> f64 {
        let (t, h) = step;
        // Stages one by one (as in Hairer's DOPRI5), each argument summed in one pass.
        let [k1, k2, k3, k4, k5, k6, k7] = &mut self.k;
        let (arg, y_new) = (&mut self.y_stage, &mut self.y_new);
        stage_argument(arg, y, h, [A21], [k1]);
        rhs.eval(t + C2 * h, arg, k2);
        stage_argument(arg, y, h, [A31, A32], [k1, k2]);
        rhs.eval(t + C3 * h, arg, k3);
        stage_argument(arg, y, h, [A41, A42, A43], [k1, k2, k3]);
        rhs.eval(t + C4 * h, arg, k4);
        stage_argument(arg, y, h, [A51, A52, A53, A54], [k1, k2, k3, k4]);
        rhs.eval(t + C5 * h, arg, k5);
        // k₆'s argument stays in y_stage for the stiffness test.
        stage_argument(arg, y, h, [A61, A62, A63, A64, A65], [k1, k2, k3, k4, k5]);
        rhs.eval(t + h, arg, k6);
        // The 5th-order solution (B₂ = 0), whose derivative k₇ starts the next step.
        stage_argument(y_new, y, h, [B1, B3, B4, B5, B6], [k1, k3, k4, k5, k6]);
        rhs.eval(t + h, y_new, k7);
        // Only the error-controlled states (atol entries) enter the norm; quadrature states do not.
        let n = tol.atol.len();
        let (y, y_new) = (&y[..n], &y_new[..n]);
        let [k1, k3, k4, k5, k6, k7] = [&k1[..n], &k3[..n], &k4[..n], &k5[..n], &k6[..n], &k7[..n]];
        let mut sum = 0.0;
        for i in 0..n {
            let e = E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i];
            // h inside the quotient (not factored out as in Hairer's code): with rates of 1e300
            // per time unit eᵢ/skᵢ alone overflows.
            let ratio = h * e / tol.scale(i, y[i], y_new[i]);
            sum += ratio * ratio;
        }
        (sum / n as f64).sqrt()
    }

    fn y_new(&self) -> &[f64] {
        &self.y_new
    }

    fn accept<S: OdeSystem>(&mut self, _rhs: &mut Rhs<'_, S>, step: (f64, f64), y: &[f64], dense: bool) {
        let h = step.1;
        if !dense {
            self.k.swap(0, 6);
            return;
        }
        // y(t+θh) = r₁ + θ(r₂ + (1−θ)(r₃ + θ(r₄ + (1−θ) r₅)))
        let [r1, r2, r3, r4, r5] = &mut self.dense;
        let k = &self.k;
        hermite_coefficients([r1, r2, r3, r4], (y, &self.y_new), (&k[0], &k[6]), h);
        for (i, r) in r5.iter_mut().enumerate() {
            *r =
                h * (D1 * k[0][i] + D3 * k[2][i] + D4 * k[3][i] + D5 * k[4][i] + D6 * k[5][i] + D7 * k[6][i]);
        }
        // First same as last: k₇ = f(t+h, y₁) starts the next step.
        self.k.swap(0, 6);
    }

    fn stiffness_estimate(&self, h: f64, controlled: usize) -> f64 {
        // After accept, k₇ lives in k[0]; k₆ (from y_stage) and k₇ are both evaluated at t+h.
        stiffness_ratio(
            h,
            (&self.k[0], &self.k[5]),
            (&self.y_new, &self.y_stage),
            controlled,
        )
    }
}

impl super::observer::Interpolant for Dopri5 {
    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        let t1 = 1.0 - theta;
        let [r1, r2, r3, r4, r5] = &self.dense;
        for (i, o) in out.iter_mut().enumerate() {
            *o = r1[i] + theta * (r2[i] + t1 * (r3[i] + theta * (r4[i] + t1 * r5[i])));
        }
    }
}
