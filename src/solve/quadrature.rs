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

    /// The model block from the system, the quadrature rows from the integrands (they depend
    /// on the model states only), the quadrature columns zero; false if either lacks one.
    fn jacobian(&mut self, t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        let (n, q) = (self.system.dimension(), self.integrands.count());
        let total = n + q;
        // Both parts are written into the tail of `jac` first (it holds (n+q)² ≥ n² + q·n
        // values), then spread into the padded rows, so no buffer is allocated.
        let (_, tail) = jac.split_at_mut(total * total - n * n - q * n);
        let (model, integrands) = tail.split_at_mut(n * n);
        if !self.system.jacobian(t, &y[..n], model) || !self.integrands.jacobian(t, &y[..n], integrands) {
            return false;
        }
        spread_rows(jac, (n, q));
        true
    }

    /// The model's ∂f/∂t (zero if it is autonomous) and the integrands'; false if unavailable.
    fn time_partial(&mut self, t: f64, y: &[f64], dfdt: &mut [f64]) -> bool {
        let n = self.system.dimension();
        let (model, integrands) = dfdt.split_at_mut(n);
        let model_known = self.system.time_partial(t, &y[..n], model) || {
            model.iter_mut().for_each(|v| *v = 0.0);
            self.system.is_autonomous()
        };
        model_known && self.integrands.time_partial(t, &y[..n], integrands)
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

/// Moves the packed rows at the end of `jac` (n model rows of n entries, then q integrand rows
/// of n entries) into their places in the (n+q)×(n+q) row-major matrix, zeroing the quadrature
/// columns. Rows are moved from the first to the last: packed row r starts at or after its
/// destination, and destination r ends before packed row r + 1 starts (q·(r + 1) ≤ q·(n + q)),
/// so nothing is overwritten before it is read.
fn spread_rows(jac: &mut [f64], (n, q): (usize, usize)) {
    let total = n + q;
    let packed_start = total * total - (n + q) * n;
    for row in 0..total {
        let from = packed_start + row * n;
        let to = row * total;
        jac.copy_within(from..from + n, to);
        jac[to + n..to + total].iter_mut().for_each(|v| *v = 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y' = (−2y₀ + y₁, y₀·y₁), autonomous.
    struct Model;

    impl OdeSystem for Model {
        fn dimension(&self) -> usize {
            2
        }
        fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = -2.0 * y[0] + y[1];
            dy[1] = y[0] * y[1];
        }
        fn jacobian(&mut self, _t: f64, y: &[f64], jac: &mut [f64]) -> bool {
            jac.copy_from_slice(&[-2.0, 1.0, y[1], y[0]]);
            true
        }
        fn is_autonomous(&self) -> bool {
            true
        }
    }

    /// g = (t·y₀, y₁²).
    struct Integrands;

    impl EventFunctions for Integrands {
        fn count(&self) -> usize {
            2
        }
        fn eval(&mut self, t: f64, y: &[f64], out: &mut [f64]) {
            out[0] = t * y[0];
            out[1] = y[1] * y[1];
        }
        fn jacobian(&mut self, t: f64, y: &[f64], jac: &mut [f64]) -> bool {
            jac.copy_from_slice(&[t, 0.0, 0.0, 2.0 * y[1]]);
            true
        }
        fn time_partial(&mut self, _t: f64, y: &[f64], out: &mut [f64]) -> bool {
            out.copy_from_slice(&[y[0], 0.0]);
            true
        }
    }

    #[test]
    fn the_jacobian_has_the_model_block_the_integrand_rows_and_zero_quadrature_columns() {
        let mut s = WithQuadratures {
            system: Model,
            integrands: Integrands,
        };
        let y = [3.0, 5.0, 100.0, 200.0];
        let mut jac = [f64::NAN; 16];
        assert!(s.jacobian(0.5, &y, &mut jac));
        #[rustfmt::skip]
        let expected = [
            -2.0, 1.0, 0.0, 0.0,
            5.0, 3.0, 0.0, 0.0,
            0.5, 0.0, 0.0, 0.0,
            0.0, 10.0, 0.0, 0.0,
        ];
        assert_eq!(jac, expected);
        let mut dfdt = [f64::NAN; 4];
        assert!(s.time_partial(0.5, &y, &mut dfdt));
        assert_eq!(dfdt, [0.0, 0.0, 3.0, 0.0]);
    }
}
