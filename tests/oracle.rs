//! Cross-check against an independent implementation: `ode_solvers::Dopri5` (dev-dependency)
//! on a nonlinear tumour–effector model (Kuznetsov et al. 1994, parameters from
//! ../shared/science.md §5: the dormant-focus regime). Both solvers at rtol = atol-scaled 1e-10
//! must agree to 1e-6 relative at every output time: two correct 5th-order codes differ by a
//! small multiple of their tolerances, while any wrong coefficient or event would differ by more.

mod common;

use common::{assert_close, compile};
use ode_solvers::{Dopri5, OutputType, SVector, System};
use relapse::regimen::Regimen;
use relapse::solve::{Method, SolverOptions};

const S: f64 = 1.3e4;
const P: f64 = 0.1245;
const G: f64 = 2.019e7;
const M: f64 = 3.422e-10;
const D: f64 = 0.0412;
const A: f64 = 0.18;
const B: f64 = 2.0e-9;
const N: f64 = 1.101e-7;

type State = SVector<f64, 2>;

struct Kuznetsov;

impl System<f64, State> for Kuznetsov {
    fn system(&self, _t: f64, y: &State, dy: &mut State) {
        let (e, t) = (y[0], y[1]);
        dy[0] = S + P * e * t / (G + t) - M * e * t - D * e;
        dy[1] = A * t * (1.0 - B * t) - N * e * t;
    }
}

const MODEL: &str = r#"
[model]
name = "kuznetsov1994"
[parameters]
s = 1.3e4
p = 0.1245
g = 2.019e7
m = 3.422e-10
d = 0.0412
a = 0.18
b = 2.0e-9
n = 1.101e-7
[states]
E = 3.2e5
T = 5e6
[equations]
E = "s + p * E * T / (g + T) - m * E * T - d * E"
T = "a * T * (1 - b * T) - n * E * T"
"#;

#[test]
fn agrees_with_ode_solvers_dopri5_on_a_nonlinear_tumour_model() {
    // Sparse output: the oracle reports its own accepted steps. Its dense output is off by ~1e-5
    // here (the defect noted in the core-engine issue), so *our* dense output is asked for its
    // step times instead. (Dense mode with dx = 0 never terminates: do not use it.)
    let mut oracle = Dopri5::new(Kuznetsov, 0.0, 200.0, 1.0, State::new(3.2e5, 5e6), 1e-11, 1e-6);
    oracle.set_output(OutputType::Sparse);
    oracle.integrate().expect("oracle integrates");
    let (x_out, y_out) = oracle.results().get();
    let times = x_out.clone();
    assert!(times.len() > 50, "the oracle took {} steps", times.len());
    let model = compile(MODEL);
    for method in [Method::Dopri5, Method::Dop853] {
        let mut options = SolverOptions::new(2);
        options.method = method;
        options.rtol = 1e-11;
        options.atol = vec![1e-6; 2];
        let sol = model
            .simulate(&Regimen::untreated(), 200.0, &times, &options)
            .unwrap();
        assert_eq!(sol.times.len(), times.len());
        for (i, &t) in times.iter().enumerate() {
            for (s, (&ours, &theirs)) in sol.state(i).iter().zip(y_out[i].iter()).enumerate() {
                let what = format!("{method:?} state {s} at t = {t}");
                assert_close(ours, theirs, 1e-6, 1.0, &what);
            }
        }
    }
}
