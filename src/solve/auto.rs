//! Automatic switching between DOPRI5 and Rodas5P, after LSODA's idea (Petzold, SIAM J. Sci.
//! Stat. Comput. 4 (1983) 136–148): run explicit while the problem is not stiff; when Hairer's
//! stiffness test fires repeatedly (the integrator's test, as for the warning), continue with
//! the Rosenbrock method; return to the explicit method once it would be at least as cheap.
//!
//! The cost rule: DOPRI5 is stable for steps up to h·ρ ≤ 3.3 (its stability region reaches
//! −3.3 on the negative real axis; Hairer, Nørsett & Wanner, Solving ODEs I, §II.15), with ρ
//! bounded above by ‖J‖∞ from the last Jacobian, and costs 6 right-hand-side evaluations per step.
//! Rodas5P costs 8 evaluations plus one Jacobian, counted as n evaluations (what a difference
//! quotient would cost), per step; LU and solves are O(n³) and O(n²) flops, negligible against
//! evaluations at these sizes. The explicit method is at least as cheap when
//! min(h, 3.3/ρ)/6 ≥ h/(8 + n) for the Rosenbrock step h. It must say so for
//! [`SWITCH_BACK_VERDICTS`] accepted steps in a row, so that one step in a quiet stretch does
//! not send a stiff problem back to the explicit method.
//!
//! Switches happen only between accepted steps: each step's dense output comes from the method
//! that took it, so the continuous solution stays continuous.

use super::OdeSystem;
use super::controller::StepController;
use super::dopri5::Dopri5;
use super::method::{Rhs, RungeKutta, Tolerance};
use super::rosenbrock::{LinearWork, Rodas5P, TimeDependence};

/// DOPRI5's stability boundary on the negative real axis (h·|λ|).
const EXPLICIT_STABILITY: f64 = 3.3;
/// Right-hand-side evaluations per DOPRI5 step (first same as last).
const EXPLICIT_COST: f64 = 6.0;
/// Right-hand-side evaluations per Rodas5P step (7 stages + f at the new point).
const IMPLICIT_EVALUATIONS: f64 = 8.0;
/// Consecutive "explicit is cheaper" verdicts before switching back.
const SWITCH_BACK_VERDICTS: u32 = 15;

/// DOPRI5 and Rodas5P with the one that takes the next step.
pub(crate) struct Auto {
    explicit: Dopri5,
    implicit: Rodas5P,
    stiff: bool,
    cheaper_verdicts: u32,
}

impl Auto {
    pub(crate) fn new(n: usize, time: TimeDependence) -> Self {
        Self {
            explicit: Dopri5::new(n),
            implicit: Rodas5P::new(n, time),
            stiff: false,
            cheaper_verdicts: 0,
        }
    }
}

impl RungeKutta for Auto {
    fn order(&self) -> i32 {
        if self.stiff {
            self.implicit.order()
        } else {
            self.explicit.order()
        }
    }

    fn stiffness_bound(&self) -> f64 {
        if self.stiff {
            self.implicit.stiffness_bound()
        } else {
            self.explicit.stiffness_bound()
        }
    }

    fn k_start(&mut self) -> &mut [f64] {
        if self.stiff {
            self.implicit.k_start()
        } else {
            self.explicit.k_start()
        }
    }

    fn attempt<S: OdeSystem>(
        &mut self,
        rhs: &mut Rhs<'_, S>,
        step: (f64, f64),
        y: &[f64],
        tol: &Tolerance<'_>,
    ) -> f64 {
        if self.stiff {
            self.implicit.attempt(rhs, step, y, tol)
        } else {
            self.explicit.attempt(rhs, step, y, tol)
        }
    }

    fn y_new(&self) -> &[f64] {
        if self.stiff {
            self.implicit.y_new()
        } else {
            self.explicit.y_new()
        }
    }

    fn accept<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, step: (f64, f64), y: &[f64], dense: bool) {
        if self.stiff {
            self.implicit.accept(rhs, step, y, dense);
        } else {
            self.explicit.accept(rhs, step, y, dense);
        }
    }

    fn stiffness_estimate(&self, h: f64, controlled: usize) -> f64 {
        if self.stiff {
            self.implicit.stiffness_estimate(h, controlled)
        } else {
            self.explicit.stiffness_estimate(h, controlled)
        }
    }

    fn restart(&mut self) {
        self.implicit.restart();
        self.explicit.restart();
    }

    fn is_implicit(&self) -> bool {
        self.stiff
    }

    fn linear_work(&self) -> LinearWork {
        self.implicit.linear_work()
    }

    fn switches(&self) -> bool {
        true
    }

    fn switch_to_stiff(&mut self) -> Option<StepController> {
        if self.stiff {
            return None;
        }
        // f(t, y) at the switching point carries over; the Jacobian is evaluated there.
        self.implicit.k_start().copy_from_slice(self.explicit.k_start());
        self.implicit.restart();
        self.stiff = true;
        self.cheaper_verdicts = 0;
        Some(StepController::rosenbrock())
    }

    fn switch_to_explicit(&mut self, h: f64, controlled: usize) -> Option<(StepController, f64)> {
        if !self.stiff {
            return None;
        }
        let rho = self.implicit.spectral_bound(controlled);
        let stable = if rho > 0.0 {
            EXPLICIT_STABILITY / rho
        } else {
            f64::INFINITY
        };
        let implicit_cost = IMPLICIT_EVALUATIONS + controlled as f64;
        if h.min(stable) / EXPLICIT_COST >= h / implicit_cost {
            self.cheaper_verdicts += 1;
        } else {
            self.cheaper_verdicts = 0;
        }
        if self.cheaper_verdicts < SWITCH_BACK_VERDICTS {
            return None;
        }
        self.explicit.k_start().copy_from_slice(self.implicit.k_start());
        self.stiff = false;
        self.cheaper_verdicts = 0;
        Some((StepController::dopri5(), h.min(stable)))
    }
}

impl super::observer::Interpolant for Auto {
    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        // The method that took the last step is still the active one: switches come after
        // the step has been observed.
        if self.stiff {
            self.implicit.interpolate(theta, out);
        } else {
            self.explicit.interpolate(theta, out);
        }
    }
}
