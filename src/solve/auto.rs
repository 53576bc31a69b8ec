//! Automatic switching between DOPRI5 and Rodas5P, after LSODA's idea (Petzold, SIAM J. Sci.
//! Stat. Comput. 4 (1983) 136–148): run explicit while the problem is not stiff; when Hairer's
//! stiffness test fires repeatedly (the integrator's test, as for the warning), continue with
//! the Rosenbrock method; return to the explicit method once it would be at least as cheap.
//!
//! The cost rule: DOPRI5 is stable for steps up to h·ρ ≤ 3.3 (its stability region reaches
//! −3.3 on the negative real axis; Hairer, Nørsett & Wanner, Solving ODEs I, §II.15), with ρ
//! bounded above by ‖J‖∞ from the last Jacobian, and costs 6 right-hand-side evaluations per step.
//! Rodas5P costs 8 evaluations plus one Jacobian (counted as n evaluations, what a difference
//! quotient would cost) per step, and about as much again in its linear algebra and stage
//! arithmetic: measured on the shipped models, a Rodas5P step costs 4.2× a DOPRI5 step at n = 3
//! and 6× at n = 7, against 2·(8 + n)/6 = 3.7× and 5× for this model. The explicit method is at
//! least as cheap when min(h, 3.3/ρ)/6 ≥ h/(2·(8 + n)) for the Rosenbrock step h.
//!
//! Hysteresis: it must say so for a number of accepted steps in a row
//! ([`SWITCH_BACK_VERDICTS`] at first), so that one step in a quiet stretch does not send a
//! stiff problem back; and each time the explicit method turns stiff again within
//! [`QUICK_RELAPSE_STEPS`] steps of a switch back, that number doubles (up to
//! [`MAX_SWITCH_BACK_VERDICTS`]), so a problem whose stiffness comes and goes with every dose
//! stops bouncing between the methods (LSODA backs off the same way).
//!
//! Switches happen only between accepted steps: each step's dense output comes from the method
//! that took it, so the continuous solution stays continuous.

use super::OdeSystem;
use super::controller::StepController;
use super::dopri5::Dopri5;
use super::method::{Rhs, RungeKutta, Tolerance};
use super::rosenbrock::{LinearWork, Rodas5P};

/// DOPRI5's stability boundary on the negative real axis (h·|λ|).
const EXPLICIT_STABILITY: f64 = 3.3;
/// Right-hand-side evaluations per DOPRI5 step (first same as last).
const EXPLICIT_COST: f64 = 6.0;
/// Right-hand-side evaluations per Rodas5P step (7 stages + f at the new point).
const IMPLICIT_EVALUATIONS: f64 = 8.0;
/// Rodas5P's linear algebra and stage arithmetic, as a factor on its evaluation count.
const IMPLICIT_OVERHEAD: f64 = 2.0;
/// Consecutive "explicit is cheaper" verdicts before switching back, at first.
const SWITCH_BACK_VERDICTS: u32 = 15;
/// The most verdicts ever required.
const MAX_SWITCH_BACK_VERDICTS: u32 = 15 << 6;
/// A return to the stiff method within this many explicit steps of a switch back doubles the
/// verdicts required for the next one.
const QUICK_RELAPSE_STEPS: u32 = 200;

/// DOPRI5 and Rodas5P with the one that takes the next step. Rodas5P is built, and the system
/// asked for its Jacobian, only when the stiffness test first fires: a run that stays
/// non-stiff costs what DOPRI5 costs (plus the per-step test).
pub(crate) struct Auto {
    explicit: Dopri5,
    /// The stiff method, once needed; `Err` if the system turned out to lack a Jacobian.
    implicit: Option<Result<Rodas5P, ()>>,
    n: usize,
    stiff: bool,
    cheaper_verdicts: u32,
    /// Verdicts required before the next switch back.
    required_verdicts: u32,
    /// Explicit steps accepted since the last switch back (`None` before the first).
    explicit_steps: Option<u32>,
}

impl Auto {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            explicit: Dopri5::new(n),
            implicit: None,
            n,
            stiff: false,
            cheaper_verdicts: 0,
            required_verdicts: SWITCH_BACK_VERDICTS,
            explicit_steps: None,
        }
    }

    /// The stiff method; only called while it takes the steps, so it exists.
    fn implicit(&self) -> &Rodas5P {
        match &self.implicit {
            Some(Ok(method)) => method,
            _ => unreachable!("the stiff method runs only after it was built"),
        }
    }

    fn implicit_mut(&mut self) -> &mut Rodas5P {
        match &mut self.implicit {
            Some(Ok(method)) => method,
            _ => unreachable!("the stiff method runs only after it was built"),
        }
    }
}

impl RungeKutta for Auto {
    fn order(&self) -> i32 {
        if self.stiff {
            self.implicit().order()
        } else {
            self.explicit.order()
        }
    }

    fn stiffness_bound(&self) -> f64 {
        if self.stiff {
            self.implicit().stiffness_bound()
        } else {
            self.explicit.stiffness_bound()
        }
    }

    fn k_start(&mut self) -> &mut [f64] {
        if self.stiff {
            self.implicit_mut().k_start()
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
            self.implicit_mut().attempt(rhs, step, y, tol)
        } else {
            self.explicit.attempt(rhs, step, y, tol)
        }
    }

    fn y_new(&self) -> &[f64] {
        if self.stiff {
            self.implicit().y_new()
        } else {
            self.explicit.y_new()
        }
    }

    fn accept<S: OdeSystem>(&mut self, rhs: &mut Rhs<'_, S>, step: (f64, f64), y: &[f64], dense: bool) {
        if self.stiff {
            self.implicit_mut().accept(rhs, step, y, dense);
        } else {
            self.explicit.accept(rhs, step, y, dense);
            if let Some(steps) = &mut self.explicit_steps {
                *steps = steps.saturating_add(1);
            }
        }
    }

    fn stiffness_estimate(&self, h: f64, controlled: usize) -> f64 {
        if self.stiff {
            self.implicit().stiffness_estimate(h, controlled)
        } else {
            self.explicit.stiffness_estimate(h, controlled)
        }
    }

    fn restart(&mut self) {
        if let Some(Ok(implicit)) = &mut self.implicit {
            implicit.restart();
        }
        self.explicit.restart();
    }

    fn is_implicit(&self) -> bool {
        self.stiff
    }

    fn non_finite_jacobian(&self) -> Option<(usize, usize, f64)> {
        if self.stiff {
            self.implicit().non_finite_jacobian()
        } else {
            None
        }
    }

    fn linear_work(&self) -> LinearWork {
        match &self.implicit {
            Some(Ok(implicit)) => implicit.linear_work(),
            _ => LinearWork::default(),
        }
    }

    fn switches(&self) -> bool {
        true
    }

    fn switch_to_stiff<S: OdeSystem>(&mut self, system: &mut S, t: f64, y: &[f64]) -> Option<StepController> {
        if self.stiff {
            return None;
        }
        let n = self.n;
        let implicit = self.implicit.get_or_insert_with(|| {
            super::integrator::stiff_support(system, t, y)
                .map(|time| Rodas5P::new(n, time))
                .map_err(|_| ())
        });
        // Without a Jacobian the stiff method cannot run: stay explicit (the run warns). Where
        // the Jacobian is not finite (a formula singular at this state) it cannot run yet:
        // stay explicit and try again when the test fires next.
        let Ok(implicit) = implicit else {
            return None;
        };
        // The Jacobian evaluated here is the first step's: f(t, y) carries over, and so does it.
        implicit.restart();
        if !implicit.jacobian_finite_at(system, t, y) {
            return None;
        }
        implicit.k_start().copy_from_slice(self.explicit.k_start());
        self.stiff = true;
        self.cheaper_verdicts = 0;
        if self
            .explicit_steps
            .is_some_and(|steps| steps < QUICK_RELAPSE_STEPS)
        {
            self.required_verdicts = (2 * self.required_verdicts).min(MAX_SWITCH_BACK_VERDICTS);
        }
        Some(StepController::rosenbrock())
    }

    fn switch_to_explicit(&mut self, h: f64, controlled: usize) -> Option<(StepController, f64)> {
        if !self.stiff {
            return None;
        }
        let rho = self.implicit().spectral_bound(controlled);
        let stable = if rho > 0.0 {
            EXPLICIT_STABILITY / rho
        } else {
            f64::INFINITY
        };
        let implicit_cost = IMPLICIT_OVERHEAD * (IMPLICIT_EVALUATIONS + controlled as f64);
        if h.min(stable) / EXPLICIT_COST >= h / implicit_cost {
            self.cheaper_verdicts += 1;
        } else {
            self.cheaper_verdicts = 0;
        }
        if self.cheaper_verdicts < self.required_verdicts {
            return None;
        }
        if let Some(Ok(implicit)) = &mut self.implicit {
            self.explicit.k_start().copy_from_slice(implicit.k_start());
        }
        self.stiff = false;
        self.cheaper_verdicts = 0;
        self.explicit_steps = Some(0);
        Some((StepController::dopri5(), h.min(stable)))
    }
}

impl super::observer::Interpolant for Auto {
    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        // The method that took the last step is still the active one: switches come after
        // the step has been observed.
        if self.stiff {
            self.implicit().interpolate(theta, out);
        } else {
            self.explicit.interpolate(theta, out);
        }
    }
}
