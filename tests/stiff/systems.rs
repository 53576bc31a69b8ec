//! Hand-written stiff test systems with analytic Jacobians and time partials.
#![allow(dead_code, unreachable_pub)]

use nalgebra::Matrix2;
use relapse::solve::OdeSystem;

/// Prothero–Robinson-type y' = −1000(y − cos t) − sin t, exact y = cos t for y(0) = 1.
pub struct ProtheroRobinson;

impl OdeSystem for ProtheroRobinson {
    fn dimension(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = -1000.0 * (y[0] - t.cos()) - t.sin();
    }
    fn jacobian(&mut self, _t: f64, _y: &[f64], jac: &mut [f64]) -> bool {
        jac[0] = -1000.0;
        true
    }
    fn time_partial(&mut self, t: f64, _y: &[f64], dfdt: &mut [f64]) -> bool {
        dfdt[0] = -1000.0 * t.sin() - t.cos();
        true
    }
}

/// y' = M·y with eigenvalues −1 and −10⁴ (M = V·diag(−1, −10⁴)·V⁻¹, V = [[1, 1], [1, −1]]).
pub struct Linear2;

impl Linear2 {
    pub fn matrix() -> Matrix2<f64> {
        let v = Matrix2::new(1.0, 1.0, 1.0, -1.0);
        let d = Matrix2::new(-1.0, 0.0, 0.0, -1e4);
        v * d * v.try_inverse().unwrap()
    }
}

impl OdeSystem for Linear2 {
    fn dimension(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let m = Self::matrix();
        dy[0] = m[(0, 0)] * y[0] + m[(0, 1)] * y[1];
        dy[1] = m[(1, 0)] * y[0] + m[(1, 1)] * y[1];
    }
    fn jacobian(&mut self, _t: f64, _y: &[f64], jac: &mut [f64]) -> bool {
        let m = Self::matrix();
        jac.copy_from_slice(&[m[(0, 0)], m[(0, 1)], m[(1, 0)], m[(1, 1)]]);
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

/// Robertson's chemical kinetics (Robertson 1966; Hairer & Wanner, Solving ODEs II, §IV.1):
/// y₁' = −0.04 y₁ + 10⁴ y₂y₃, y₂' = 0.04 y₁ − 10⁴ y₂y₃ − 3·10⁷ y₂², y₃' = 3·10⁷ y₂².
pub struct Robertson;

impl OdeSystem for Robertson {
    fn dimension(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let (a, b, c) = (0.04 * y[0], 1e4 * y[1] * y[2], 3e7 * y[1] * y[1]);
        dy[0] = -a + b;
        dy[1] = a - b - c;
        dy[2] = c;
    }
    fn jacobian(&mut self, _t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        jac.copy_from_slice(&[
            -0.04,
            1e4 * y[2],
            1e4 * y[1],
            0.04,
            -1e4 * y[2] - 6e7 * y[1],
            -1e4 * y[1],
            0.0,
            6e7 * y[1],
            0.0,
        ]);
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

/// Van der Pol with μ = 1/√ε in the scaled time of the IVP test set (Mazzia & Magherini, Test
/// Set for IVP Solvers, problem VDPOL; Hairer & Wanner, Solving ODEs II, §IV.1 eq. (1.5')):
/// y₁' = y₂, y₂' = ((1 − y₁²) y₂ − y₁)/ε.
pub struct VanDerPol {
    pub eps: f64,
}

impl OdeSystem for VanDerPol {
    fn dimension(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = y[1];
        dy[1] = ((1.0 - y[0] * y[0]) * y[1] - y[0]) / self.eps;
    }
    fn jacobian(&mut self, _t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        jac.copy_from_slice(&[
            0.0,
            1.0,
            (-2.0 * y[0] * y[1] - 1.0) / self.eps,
            (1.0 - y[0] * y[0]) / self.eps,
        ]);
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

/// y' = −λ(t)(y − cos t) − sin t with λ(t) = 10⁴·e^{−t} + 1: exact y = cos t from y(0) = 1,
/// stiff early (λ = 10⁴), non-stiff from t ≈ 10 on (λ → 1).
pub struct FadingStiffness;

impl FadingStiffness {
    fn lambda(t: f64) -> f64 {
        1e4 * (-t).exp() + 1.0
    }
}

impl OdeSystem for FadingStiffness {
    fn dimension(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = -Self::lambda(t) * (y[0] - t.cos()) - t.sin();
    }
    fn jacobian(&mut self, t: f64, _y: &[f64], jac: &mut [f64]) -> bool {
        jac[0] = -Self::lambda(t);
        true
    }
    fn time_partial(&mut self, t: f64, y: &[f64], dfdt: &mut [f64]) -> bool {
        // ∂/∂t of −λ(t)(y − cos t) − sin t, with λ' = −10⁴e^{−t}.
        let dlambda = -1e4 * (-t).exp();
        dfdt[0] = -dlambda * (y[0] - t.cos()) - Self::lambda(t) * t.sin() - t.cos();
        true
    }
}
