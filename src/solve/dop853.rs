//! Dormand–Prince 8(5,3): 12-stage 8th-order step with Hairer's combined 5th/3rd-order error
//! estimate, and the 7th-order continuous extension that needs stages 13–16 (the DOP853 code;
//! Hairer, Nørsett & Wanner, §II.10). Stage k₁₃ = f(t+h, y₁) is reused as k₁ of the next step.

use super::OdeSystem;
use super::method::{
    Rhs, RungeKutta, Tolerance, combine, hermite_coefficients, stiffness_ratio, weighted_sum,
};
use super::tableau::dop853::{A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A14, A15, A16, B, BHH, C, D, E};

const STEP_ROWS: [&[f64]; 11] = [&A2, &A3, &A4, &A5, &A6, &A7, &A8, &A9, &A10, &A11, &A12];
const DENSE_ROWS: [&[f64]; 3] = [&A14, &A15, &A16];

/// Work buffers for DOP853: 16 stages, stage arguments, y₁ and 8 dense-output coefficients.
pub(crate) struct Dop853 {
    k: Vec<Vec<f64>>,
    y_stage: Vec<f64>,
    y_dense_stage: Vec<f64>,
    y_new: Vec<f64>,
    dense: [Vec<f64>; 8],
}

impl Dop853 {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            k: vec![vec![0.0; n]; 16],
            y_stage: vec![0.0; n],
            y_dense_stage: vec![0.0; n],
            y_new: vec![0.0; n],
            dense: std::array::from_fn(|_| vec![0.0; n]),
        }
    }
}

impl RungeKutta for Dop853 {
    fn order(&self) -> i32 {
        8
    }

    fn stiffness_bound(&self) -> f64 {
        6.1
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
        for (s, row) in STEP_ROWS.iter().enumerate() {
            combine(&mut self.y_stage, y, h, row, &self.k);
            rhs.eval(t + C[s + 1] * h, &self.y_stage, &mut self.k[s + 1]);
        }
        combine(&mut self.y_new, y, h, &B, &self.k);
        // Only the error-controlled states (atol entries) enter the norm; quadrature states do not.
        let n = tol.atol.len();
        let (mut err5, mut err3) = (0.0, 0.0);
        for i in 0..n {
            let sk = tol.scale(i, y[i], self.y_new[i]);
            let slope = (self.y_new[i] - y[i]) / h;
            let e3 = slope - BHH[0] * self.k[0][i] - BHH[1] * self.k[8][i] - BHH[2] * self.k[11][i];
            let mut e5 = 0.0;
            for (j, &ej) in E.iter().enumerate() {
                if ej != 0.0 {
                    e5 += ej * self.k[j][i];
                }
            }
            err3 += (e3 / sk).powi(2);
            err5 += (e5 / sk).powi(2);
        }
        let mut denominator = err5 + 0.01 * err3;
        if denominator <= 0.0 {
            denominator = 1.0;
        }
        h.abs() * err5 * (1.0 / (n as f64 * denominator)).sqrt()
    }

    fn y_new(&self) -> &[f64] {
        &self.y_new
    }

    fn accept<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, step: (f64, f64), y: &[f64], dense: bool) {
        let (t, h) = step;
        rhs.eval(t + h, &self.y_new, &mut self.k[12]);
        if !dense {
            self.k.swap(0, 12);
            return;
        }
        for (s, row) in DENSE_ROWS.iter().enumerate() {
            combine(&mut self.y_dense_stage, y, h, row, &self.k);
            rhs.eval(t + C[13 + s] * h, &self.y_dense_stage, &mut self.k[13 + s]);
        }
        let [r1, r2, r3, r4, rest @ ..] = &mut self.dense;
        hermite_coefficients([r1, r2, r3, r4], (y, &self.y_new), (&self.k[0], &self.k[12]), h);
        for (r, d) in rest.iter_mut().zip(&D) {
            weighted_sum(r, h, d, &self.k);
        }
        self.k.swap(0, 12);
    }

    fn stiffness_estimate(&self, h: f64, controlled: usize) -> f64 {
        // After accept, k₁₃ = f(t+h, y₁) lives in k[0]; k₁₂ was evaluated at t+h from y_stage.
        stiffness_ratio(
            h,
            (&self.k[0], &self.k[11]),
            (&self.y_new, &self.y_stage),
            controlled,
        )
    }
}

impl super::observer::Interpolant for Dop853 {
    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        let s1 = 1.0 - theta;
        let [r1, r2, r3, r4, r5, r6, r7, r8] = &self.dense;
        for (i, o) in out.iter_mut().enumerate() {
            let p = r5[i] + theta * (r6[i] + s1 * (r7[i] + theta * r8[i]));
            *o = r1[i] + theta * (r2[i] + s1 * (r3[i] + theta * (r4[i] + s1 * p)));
        }
    }
}
