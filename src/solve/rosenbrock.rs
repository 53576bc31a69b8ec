//! The Rodas5P Rosenbrock–Wanner method (tableau and references in [`super::rodas5p`]): a
//! linearly implicit Runge–Kutta method for stiff problems. Each step attempt evaluates the
//! Jacobian J = ∂f/∂y at the step's start (kept across rejected attempts from the same point),
//! factorises E = I/(hγ) − J once and solves with it once per stage; no Newton iteration.
//! Notation: k₁…k₈ stage increments, y₁ the solution at t + h, θ ∈ [0, 1] the position in the step.

use super::OdeSystem;
use super::linear::{DenseLu, LinearSolver};
use super::method::{Rhs, RungeKutta, Tolerance};
use super::rodas5p::{A, C, D, GAMMA, H, NODES, STAGES};

/// Whether the method adds h·dᵢ·∂f/∂t to the stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeDependence {
    /// f does not depend on t explicitly: the term vanishes.
    Autonomous,
    /// ∂f/∂t is taken from [`OdeSystem::time_partial`].
    Partial,
}

/// Work done by the linear algebra of an implicit method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LinearWork {
    pub(crate) jacobian_evaluations: u64,
    pub(crate) factorisations: u64,
}

/// Work buffers for Rodas5P, allocated once per run.
pub(crate) struct Rodas5P<L: LinearSolver = DenseLu> {
    /// Stage increments k₁…k₈.
    k: Vec<Vec<f64>>,
    /// f(t, y) at the start of the step.
    f0: Vec<f64>,
    y_stage: Vec<f64>,
    y_new: Vec<f64>,
    /// y₀ and K₁…K₃ of the continuous extension.
    dense: [Vec<f64>; 4],
    /// ∂f/∂y, row-major, and ∂f/∂t at the step's start.
    jac: Vec<f64>,
    dfdt: Vec<f64>,
    /// True while `jac` belongs to the current step's start (rejections reuse it).
    jacobian_current: bool,
    time: TimeDependence,
    linear: L,
    pub(crate) work: LinearWork,
}

impl Rodas5P {
    pub(crate) fn new(n: usize, time: TimeDependence) -> Self {
        Self {
            k: vec![vec![0.0; n]; STAGES],
            f0: vec![0.0; n],
            y_stage: vec![0.0; n],
            y_new: vec![0.0; n],
            dense: std::array::from_fn(|_| vec![0.0; n]),
            jac: vec![0.0; n * n],
            dfdt: vec![0.0; n],
            jacobian_current: false,
            time,
            linear: DenseLu::new(n),
            work: LinearWork::default(),
        }
    }
}

impl<L: LinearSolver> Rodas5P<L> {
    fn update_jacobian<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, t: f64, y: &[f64]) {
        if self.jacobian_current {
            return;
        }
        // Availability was checked before the run (`stiff_support`); infusion inputs are
        // constant within a segment and add nothing to either derivative.
        rhs.system.jacobian(t, y, &mut self.jac);
        if self.time == TimeDependence::Partial {
            rhs.system.time_partial(t, y, &mut self.dfdt);
        }
        self.work.jacobian_evaluations += 1;
        self.jacobian_current = true;
    }

    /// The first non-finite entry of the last Jacobian, as (row, column, value); column n
    /// stands for ∂f/∂t. A formula singular at the current state (x^p at x = 0 or ∞, say)
    /// can have a finite right-hand side and a NaN derivative there.
    pub(crate) fn non_finite_entry(&self) -> Option<(usize, usize, f64)> {
        let n = self.f0.len();
        if let Some(i) = self.jac.iter().position(|v| !v.is_finite()) {
            return Some((i / n, i % n, self.jac[i]));
        }
        if self.time == TimeDependence::Partial {
            let i = self.dfdt.iter().position(|v| !v.is_finite())?;
            return Some((i, n, self.dfdt[i]));
        }
        None
    }

    /// Evaluates ∂f/∂y (and ∂f/∂t) of `system` at `(t, y)`, where the next step starts, so
    /// that step uses them; returns whether they are finite. (Infusion rates add nothing to
    /// either derivative, so `system` alone gives what the step would compute.)
    pub(crate) fn jacobian_finite_at<S: OdeSystem>(&mut self, system: &mut S, t: f64, y: &[f64]) -> bool {
        system.jacobian(t, y, &mut self.jac);
        if self.time == TimeDependence::Partial {
            system.time_partial(t, y, &mut self.dfdt);
        }
        self.work.jacobian_evaluations += 1;
        self.jacobian_current = true;
        self.non_finite_entry().is_none()
    }

    /// The (infinity-)norm bound ‖J‖∞ over the first `controlled` states of the last Jacobian:
    /// an upper bound on its spectral radius (the quadrature rows and columns add only zero
    /// eigenvalues).
    pub(crate) fn spectral_bound(&self, controlled: usize) -> f64 {
        let n = self.f0.len();
        (0..controlled)
            .map(|i| {
                self.jac[i * n..i * n + controlled]
                    .iter()
                    .map(|v| v.abs())
                    .sum::<f64>()
            })
            .fold(0.0, f64::max)
    }
}

impl<L: LinearSolver> RungeKutta for Rodas5P<L> {
    fn order(&self) -> i32 {
        5
    }

    fn stiffness_bound(&self) -> f64 {
        // A stiff method is never "too stiff": the stiffness test does not apply.
        f64::INFINITY
    }

    fn k_start(&mut self) -> &mut [f64] {
        &mut self.f0
    }

    fn restart(&mut self) {
        self.jacobian_current = false;
    }

    fn attempt<S: OdeSystem>(
        &mut self,
        rhs: &mut Rhs<'_, S>,
        step: (f64, f64),
        y: &[f64],
        tol: &Tolerance<'_>,
    ) -> f64 {
        let (t, h) = step;
        self.update_jacobian(rhs, t, y);
        if self.non_finite_entry().is_some() {
            // No step size helps: the run reports the entry (see `non_finite_jacobian`).
            self.y_new.iter_mut().for_each(|v| *v = f64::NAN);
            return f64::NAN;
        }
        self.work.factorisations += 1;
        if !self.linear.factorise(1.0 / (h * GAMMA), &self.jac) {
            // 1/(hγ) is an eigenvalue of J (fast growth): a smaller step makes E regular.
            self.y_new.iter_mut().for_each(|v| *v = f64::NAN);
            return f64::NAN;
        }
        for s in 0..STAGES {
            if s > 0 {
                stage_argument(&mut self.y_stage, y, &A[s][..s], &self.k[..s]);
                rhs.eval(t + NODES[s] * h, &self.y_stage, &mut self.y_new);
            } else {
                self.y_new.copy_from_slice(&self.f0);
            }
            // y_new holds f(stage) here; the right-hand side is built in k[s].
            let (done, rest) = self.k.split_at_mut(s);
            let b = &mut rest[0];
            b.copy_from_slice(&self.y_new);
            for (&cj, kj) in C[s][..s].iter().zip(done.iter()) {
                if cj != 0.0 {
                    let c = cj / h;
                    b.iter_mut().zip(kj).for_each(|(bi, &kji)| *bi += c * kji);
                }
            }
            if self.time == TimeDependence::Partial && D[s] != 0.0 {
                let c = h * D[s];
                b.iter_mut().zip(&self.dfdt).for_each(|(bi, &fi)| *bi += c * fi);
            }
            self.linear.solve(b);
        }
        let last = &self.k[STAGES - 1];
        for ((yn, &ys), &kl) in self.y_new.iter_mut().zip(&self.y_stage).zip(last) {
            *yn = ys + kl;
        }
        // k₈ is y₁ minus the embedded solution; quadrature states stay out of the norm.
        let n = tol.atol.len();
        let sum: f64 = (0..n)
            .map(|i| (last[i] / tol.scale(i, y[i], self.y_new[i])).powi(2))
            .sum();
        (sum / n as f64).sqrt()
    }

    fn y_new(&self) -> &[f64] {
        &self.y_new
    }

    fn accept<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, step: (f64, f64), y: &[f64], dense: bool) {
        let (t, h) = step;
        if dense {
            let [y0, k1, k2, k3] = &mut self.dense;
            y0.copy_from_slice(y);
            for (out, row) in [k1, k2, k3].into_iter().zip(&H) {
                out.iter_mut().for_each(|o| *o = 0.0);
                for (&hji, ki) in row.iter().zip(&self.k) {
                    out.iter_mut().zip(ki).for_each(|(o, &kv)| *o += hji * kv);
                }
            }
        }
        // f(t + h, y₁) is the first stage's f of the next step and the integrator's check.
        rhs.eval(t + h, &self.y_new, &mut self.f0);
        self.jacobian_current = false;
    }

    fn stiffness_estimate(&self, _h: f64, _controlled: usize) -> f64 {
        0.0
    }

    fn is_implicit(&self) -> bool {
        true
    }

    fn non_finite_jacobian(&self) -> Option<(usize, usize, f64)> {
        if self.jacobian_current {
            self.non_finite_entry()
        } else {
            None
        }
    }

    fn linear_work(&self) -> LinearWork {
        self.work
    }
}

/// `out = y + Σ_j a_j k_j`, skipping zero coefficients.
fn stage_argument(out: &mut [f64], y: &[f64], a: &[f64], k: &[Vec<f64>]) {
    out.copy_from_slice(y);
    for (&aj, kj) in a.iter().zip(k) {
        if aj != 0.0 {
            out.iter_mut().zip(kj).for_each(|(o, &kv)| *o += aj * kv);
        }
    }
}

impl<L: LinearSolver> super::observer::Interpolant for Rodas5P<L> {
    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        // y(t + θh) = (1 − θ) y₀ + θ (y₁ + (1 − θ)(K₁ + θ (K₂ + θ K₃)))
        let t1 = 1.0 - theta;
        let [y0, k1, k2, k3] = &self.dense;
        for (i, o) in out.iter_mut().enumerate() {
            *o = t1 * y0[i] + theta * (self.y_new[i] + t1 * (k1[i] + theta * (k2[i] + theta * k3[i])));
        }
    }
}
