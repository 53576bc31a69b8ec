//! Integrals carried along by the integrator: the system is extended by states q with
//! q' = integrand(t, y), which take the same Runge–Kutta steps (so they are integrated to the
//! method's order) but are kept out of error control, so adding them never changes the steps.

use super::OdeSystem;
use super::events::EventFunctions;

/// `system` extended by one quadrature state per integrand.
pub struct WithQuadratures<S, Q> {
    /// The model.
    pub system: S,
    /// The integrands, evaluated on the model's states.
    pub integrands: Q,
}

impl<S: OdeSystem, Q: EventFunctions> OdeSystem for WithQuadratures<S, Q> {
    fn dimension(&self) -> usize {
        self.system.dimension() + self.integrands.count()
    }

    fn controlled_dimension(&self) -> usize {
        self.system.dimension()
    }

    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        let n = self.system.dimension();
        let (dy_model, dq) = dy.split_at_mut(n);
        self.system.rhs(t, &y[..n], dy_model);
        self.integrands.eval(t, &y[..n], dq);
    }

    fn state_name(&self, index: usize) -> String {
        let n = self.system.dimension();
        if index < n {
            self.system.state_name(index)
        } else {
            let i = index - n;
            self.integrands
                .name(i)
                .unwrap_or_else(|| format!("integral #{}", i + 1))
        }
    }
}
