//! Linear solves for the linearly implicit (Rosenbrock) method: the iteration matrix
//! E = I/(hγ) − J is factorised once per step attempt and solved once per stage.
//!
//! [`LinearSolver`] is the seam for other factorisations (a sparse LU for models with many
//! states and sparse Jacobians); [`DenseLu`] is the one implemented: LU with partial pivoting
//! (Golub & Van Loan, Matrix Computations, 4th ed., Alg. 3.4.1) in a matrix allocated once per
//! run, with nalgebra's triangular solves.

use nalgebra::{DMatrix, DVectorViewMut};

/// Factorises and solves with E = shift·I − J, working in storage allocated at construction.
pub(crate) trait LinearSolver {
    /// Factorises E = `shift`·I − J for the row-major n×n Jacobian `jac`; false if E is
    /// singular (or not finite), in which case [`LinearSolver::solve`] must not be called.
    fn factorise(&mut self, shift: f64, jac: &[f64]) -> bool;
    /// Overwrites `b` by E⁻¹·b, using the last successful factorisation.
    fn solve(&self, b: &mut [f64]);
}

/// Dense LU factorisation with row pivoting: P·E = L·U stored in one matrix (L below the
/// diagonal with unit diagonal, U on and above it), `pivots[i]` the row swapped with row i.
pub(crate) struct DenseLu {
    lu: DMatrix<f64>,
    pivots: Vec<usize>,
}

impl DenseLu {
    /// Storage for n×n systems.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            lu: DMatrix::zeros(n, n),
            pivots: vec![0; n],
        }
    }
}

impl LinearSolver for DenseLu {
    fn factorise(&mut self, shift: f64, jac: &[f64]) -> bool {
        let n = self.pivots.len();
        for i in 0..n {
            for j in 0..n {
                self.lu[(i, j)] = -jac[i * n + j];
            }
            self.lu[(i, i)] += shift;
        }
        for i in 0..n {
            let p = self.lu.view_range(i.., i).icamax() + i;
            let pivot = self.lu[(p, i)];
            if pivot == 0.0 || !pivot.is_finite() {
                return false;
            }
            self.pivots[i] = p;
            if p != i {
                // Whole rows, multipliers included: then P·E = L·U with P applied to b first.
                self.lu.swap_rows(i, p);
            }
            for r in i + 1..n {
                self.lu[(r, i)] /= pivot;
            }
            for c in i + 1..n {
                let u = self.lu[(i, c)];
                if u != 0.0 {
                    for r in i + 1..n {
                        let l = self.lu[(r, i)];
                        self.lu[(r, c)] -= l * u;
                    }
                }
            }
        }
        true
    }

    fn solve(&self, b: &mut [f64]) {
        for (i, &p) in self.pivots.iter().enumerate() {
            b.swap(i, p);
        }
        let n = b.len();
        let mut v = DVectorViewMut::from_slice(b, n);
        self.lu.solve_lower_triangular_with_diag_mut(&mut v, 1.0);
        self.lu.solve_upper_triangular_mut(&mut v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_system_that_needs_pivoting() {
        // E = 0·I − J with J = −[[0, 2, 1], [1, 1, 0], [3, 0, 1]]: the first pivot is 0
        // without row swaps. x = (1, 2, 3) gives b = E·x = (7, 3, 6).
        let jac = [0.0, -2.0, -1.0, -1.0, -1.0, 0.0, -3.0, 0.0, -1.0];
        let mut lu = DenseLu::new(3);
        assert!(lu.factorise(0.0, &jac));
        let mut b = [7.0, 3.0, 6.0];
        lu.solve(&mut b);
        for (x, expected) in b.iter().zip([1.0, 2.0, 3.0]) {
            assert!((x - expected).abs() < 1e-14, "{b:?}");
        }
    }

    #[test]
    fn a_singular_matrix_is_reported() {
        // shift·I − J = 0 for J = 2·I and shift 2.
        let mut lu = DenseLu::new(2);
        assert!(!lu.factorise(2.0, &[2.0, 0.0, 0.0, 2.0]));
        assert!(!lu.factorise(1.0, &[f64::NAN, 0.0, 0.0, 0.0]));
    }
}
