//! The benchmark model `benches/models/pk_persister_immune.toml` (7 states: oral kinase
//! inhibitor PK, local RIG-I agonist, interferon activity, sensitive / persister / resistant
//! cells) written by hand in Rust, parameters as in the file: the native baseline of
//! `benches/pipeline.rs` and, with its Jacobian, the stiff-method case of `benches/stiff.rs`.

use relapse::solve::OdeSystem;

/// The benchmark model's equations and Jacobian written by hand.
pub(crate) struct Persister;

const KA: f64 = 15.19;
const CL: f64 = 343.2;
const V: f64 = 918.0;
const EC50: f64 = 0.05;
const KA_AGONIST: f64 = 3.0;
const EC50_AGONIST: f64 = 0.1;
const KIN: f64 = 1.0;
const KOUT: f64 = 0.7;
const GS: f64 = 0.6;
const GP: f64 = 0.005;
const GR: f64 = 0.4;
const K: f64 = 1e10;
const KS: f64 = 1.2;
const A0: f64 = 1e-3;
const A1: f64 = 0.05;
const B0: f64 = 0.1;
const MU: f64 = 1e-4;
const KRIG: f64 = 1.5;

/// dy/dt of the benchmark model at `y`.
#[inline(always)]
pub(crate) fn rhs(y: &[f64], dy: &mut [f64]) {
    let (ag, ac, a, i, s, p, r) = (y[0], y[1], y[2], y[3], y[4], y[5], y[6]);
    let c = ac / V;
    let e = c * c / (EC50 * EC50 + c * c);
    let n = s + p + r;
    let switch = (A0 + A1 * e) * s;
    let wake = B0 * (1.0 - e) * p;
    dy[0] = -KA * ag;
    dy[1] = KA * ag - CL / V * ac;
    dy[2] = -KA_AGONIST * a;
    dy[3] = KIN * a / (EC50_AGONIST + a) - KOUT * i;
    dy[4] = GS * s * (1.0 - n / K) - KS * e * s - switch + wake;
    dy[5] = GP * p + switch - wake - KRIG * e * i * p;
    dy[6] = GR * r * (1.0 - n / K) + MU * p;
}

impl OdeSystem for Persister {
    fn dimension(&self) -> usize {
        7
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        rhs(y, dy);
    }
    fn jacobian(&mut self, _t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        let (ac, a, i, s, p, r) = (y[1], y[2], y[3], y[4], y[5], y[6]);
        let c = ac / V;
        let e = c * c / (EC50 * EC50 + c * c);
        // de/dac = 2c·EC50² / (EC50² + c²)² / V
        let de = 2.0 * c * EC50 * EC50 / (EC50 * EC50 + c * c).powi(2) / V;
        let n = s + p + r;
        jac.iter_mut().for_each(|v| *v = 0.0);
        let mut set = |row: usize, col: usize, v: f64| jac[row * 7 + col] = v;
        set(0, 0, -KA);
        set(1, 0, KA);
        set(1, 1, -CL / V);
        set(2, 2, -KA_AGONIST);
        set(3, 2, KIN * EC50_AGONIST / (EC50_AGONIST + a).powi(2));
        set(3, 3, -KOUT);
        set(4, 1, (-KS * s - A1 * s - B0 * p) * de);
        set(4, 4, GS * (1.0 - n / K) - GS * s / K - KS * e - (A0 + A1 * e));
        set(4, 5, -GS * s / K + B0 * (1.0 - e));
        set(4, 6, -GS * s / K);
        set(5, 1, (A1 * s + B0 * p - KRIG * i * p) * de);
        set(5, 3, -KRIG * e * p);
        set(5, 4, A0 + A1 * e);
        set(5, 5, GP - B0 * (1.0 - e) - KRIG * e * i);
        set(6, 4, -GR * r / K);
        set(6, 5, -GR * r / K + MU);
        set(6, 6, GR * (1.0 - n / K) - GR * r / K);
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}
