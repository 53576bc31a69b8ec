//! Derived parameters (`ke = "CL / V"` in `[parameters]`) against the closed form of a
//! one-compartment IV bolus: A(t) = D·e^{−(CL/V)·t} (Gibaldi & Perrier, Pharmacokinetics, 2nd
//! ed., ch. 1). Tolerance: relative 1e-8 at rtol = 1e-10, atol = 1e-12 (DOPRI5's global error is
//! a few times rtol; a ke that did not follow `--set CL` would be off by ~60 % at t = 5).

mod common;

use common::{assert_close, relapse, run, tight};
use relapse::model::{self, ParameterOverride};
use relapse::solve::Method;

const BOLUS: &str = r#"
[model]
name = "bolus"
[parameters]
CL = 2.0
V = { value = 10.0, unit = "L" }
ke = { value = "CL / V", unit = "1/h" }
half_life = "log(2) / ke"
[states]
A = 0
[equations]
A = "-ke * A"
[outputs]
A = { expr = "A", exposure = true }
[regimens.iv]
doses = [ { target = "A", amount = 100 } ]
[regimens.fast_clearance]
parameters = { CL = 5.0 }
doses = [ { target = "A", amount = 100 } ]
"#;

fn check(m: &relapse::model::CompiledModel, index: usize, ke: f64) {
    let times: Vec<f64> = (0..=20).map(|i| f64::from(i) * 0.25).collect();
    let sol = run(m, index, 5.0, &times, &tight(Method::Dopri5, 1));
    for (i, &t) in sol.times.iter().enumerate() {
        assert_close(
            sol.states[i],
            100.0 * (-ke * t).exp(),
            1e-8,
            1e-6,
            &format!("A at t = {t}"),
        );
    }
}

#[test]
fn a_derived_parameter_follows_set_and_regimen_overrides() {
    let model = model::load(BOLUS).unwrap();
    let m = model.compile(&[]).unwrap();
    assert_eq!(m.parameter_values[2], 0.2);
    assert_close(m.parameter_values[3], 2f64.ln() / 0.2, 1e-15, 1.0, "half_life");
    check(&m, 0, 0.2);
    check(&m, 1, 0.5);
    let set = ParameterOverride {
        name: "CL".to_string(),
        value: 3.0,
    };
    let m = model.compile(&[set]).unwrap();
    check(&m, 0, 0.3);
    // --set CL wins over the regimen's CL = 5.
    check(&m, 1, 0.3);
}

#[test]
fn set_on_a_derived_name_says_what_it_is_derived_from() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bolus.toml");
    std::fs::write(&path, BOLUS).unwrap();
    // Runs `simulate --set SET` on the model at `path` and returns its stderr; it must fail.
    let refused = |set: &str| {
        let out = relapse()
            .args(["simulate", path.to_str().unwrap(), "--t-end", "1", "--set", set])
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = refused("ke=0.4");
    assert!(
        stderr.contains("`ke` is a derived parameter, computed from `CL` and `V`"),
        "{stderr}"
    );
    let with_derived = BOLUS.replace("[equations]", "[derived]\nksyn = \"ke * V\"\n[equations]");
    std::fs::write(&path, with_derived).unwrap();
    let stderr = refused("ksyn=1");
    assert!(
        stderr.contains("`ksyn` is a derived value ([derived]), computed from `ke` and `V`"),
        "{stderr}"
    );
}
