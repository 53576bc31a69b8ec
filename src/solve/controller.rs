//! Step-size control: Hairer's PI ("Lund") controller as in DOPRI5 and DOP853
//! (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4 and the DOPRI5/DOP853 codes).
//!
//! With error norm `err` (≤ 1 means the step meets the tolerance) the new step is
//! `h_new = h · clamp(safety · err^(−α) · err_old^β, min_scale, max_scale)`.

/// Outcome of one step attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepDecision {
    /// Keep the step; continue with `next_h`.
    Accept {
        /// Suggested size of the next step.
        next_h: f64,
    },
    /// Discard the step; retry with `retry_h`.
    Reject {
        /// Smaller step to retry with.
        retry_h: f64,
    },
}

/// A PI step-size controller.
#[derive(Debug, Clone, PartialEq)]
pub struct StepController {
    /// Exponent α applied to the current error.
    alpha: f64,
    /// Exponent β applied to the previous accepted error (0 gives a pure I controller).
    beta: f64,
    /// Safety factor: aim a little below the tolerance.
    safety: f64,
    /// Smallest allowed ratio h_new / h.
    min_scale: f64,
    /// Largest allowed ratio h_new / h.
    max_scale: f64,
    /// Error norm of the previous accepted step (floored at 1e-4, as in DOPRI5).
    err_old: f64,
    /// True if the previous attempt was rejected: then the step may not grow.
    last_rejected: bool,
}

/// Floor on the remembered error so one very accurate step cannot cause a huge jump.
const ERR_OLD_FLOOR: f64 = 1e-4;

impl StepController {
    /// DOPRI5's settings: β = 0.04, α = 1/5 − 0.75β, safety 0.9, scale in [0.2, 10].
    pub fn dopri5() -> Self {
        let beta = 0.04;
        Self::new(0.2 - 0.75 * beta, beta, 0.2, 10.0)
    }

    /// DOP853's settings: β = 0, α = 1/8, safety 0.9, scale in [1/3, 6].
    pub fn dop853() -> Self {
        Self::new(1.0 / 8.0, 0.0, 0.333, 6.0)
    }

    /// Rodas5P's settings: an I controller on the order-4 error estimate (α = 1/5), safety
    /// 0.9, scale in [0.2, 6] (the limits of Hairer's RODAS code, Solving ODEs II, §IV.8).
    pub fn rosenbrock() -> Self {
        Self::new(0.2, 0.0, 0.2, 6.0)
    }

    fn new(alpha: f64, beta: f64, min_scale: f64, max_scale: f64) -> Self {
        Self {
            alpha,
            beta,
            safety: 0.9,
            min_scale,
            max_scale,
            err_old: ERR_OLD_FLOOR,
            last_rejected: false,
        }
    }

    /// Forgets the error history (after a discontinuity such as a dose).
    pub fn reset(&mut self) {
        self.err_old = ERR_OLD_FLOOR;
        self.last_rejected = false;
    }

    /// True if the last step attempt was rejected.
    pub fn rejected_last(&self) -> bool {
        self.last_rejected
    }

    /// Decides on a step of size `h` whose weighted error norm is `err`.
    pub fn decide(&mut self, err: f64, h: f64) -> StepDecision {
        if err.is_nan() || err > 1.0 {
            self.last_rejected = true;
            // NaN error (overflow inside the step): shrink hard.
            let scale = if err.is_nan() {
                self.min_scale
            } else {
                (self.safety * err.powf(-self.alpha)).max(self.min_scale)
            };
            return StepDecision::Reject { retry_h: h * scale };
        }
        let proposal = self.safety * err.powf(-self.alpha) * self.err_old.powf(self.beta);
        let mut scale = proposal.clamp(self.min_scale, self.max_scale);
        if self.last_rejected {
            scale = scale.min(1.0);
        }
        self.err_old = err.max(ERR_OLD_FLOOR);
        self.last_rejected = false;
        StepDecision::Accept { next_h: h * scale }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_error_grows_step_within_limit() {
        let mut c = StepController::dopri5();
        let StepDecision::Accept { next_h } = c.decide(1e-12, 1.0) else {
            panic!("rejected")
        };
        assert_eq!(next_h, 10.0);
    }

    #[test]
    fn large_error_rejects_and_no_growth_right_after() {
        let mut c = StepController::dopri5();
        let StepDecision::Reject { retry_h } = c.decide(100.0, 1.0) else {
            panic!("accepted")
        };
        assert!((0.2..0.5).contains(&retry_h));
        let StepDecision::Accept { next_h } = c.decide(1e-8, retry_h) else {
            panic!("rejected")
        };
        assert_eq!(next_h, retry_h);
        assert!(matches!(c.decide(f64::NAN, 1.0), StepDecision::Reject { retry_h } if retry_h == 0.2));
    }
}
