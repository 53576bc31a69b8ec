//! Per-regimen parameters (`[regimens.NAME] parameters = { … }`) against closed forms.
//!
//! Reference: the one-compartment oral model's central amount after a bolus D into the gut at
//! t = 0 is the Bateman function A(t) = D·ka/(ka−ke)·(e^{−ke t} − e^{−ka t}) (Gibaldi & Perrier,
//! Pharmacokinetics, 2nd ed., ch. 1). Tolerance: relative 1e-8 at rtol = 1e-10, atol = 1e-12
//! (the global error of DOPRI5 at these settings is a few times rtol; a regimen run with the
//! wrong ka is off by tens of percent).

mod common;

use common::{assert_close, compile, relapse, run, tight};
use relapse::model::{self, ParameterOverride};
use relapse::solve::Method;

const ORAL: &str = r#"
[model]
name = "oral"
[parameters]
ka = 1.3
ke = 0.2
D = 100.0
[states]
Ag = 0
Ac = 0
[equations]
Ag = "-ka * Ag"
Ac = "ka * Ag - ke * Ac"
[outputs]
Ac = { expr = "Ac", exposure = true }
[regimens.standard]
doses = [ { target = "Ag", amount = "D" } ]
[regimens.fast]
parameters = { ka = 3.0 }
doses = [ { target = "Ag", amount = "D" } ]
[regimens.fast_half]
parameters = { ka = 3.0, D = 50.0 }
doses = [ { target = "Ag", amount = "D" } ]
"#;

fn bateman(t: f64, ka: f64, ke: f64, dose: f64) -> f64 {
    dose * ka / (ka - ke) * ((-ke * t).exp() - (-ka * t).exp())
}

fn check(m: &relapse::model::CompiledModel, index: usize, ka: f64, ke: f64, dose: f64) {
    let times: Vec<f64> = (0..=40).map(|i| f64::from(i) * 0.25).collect();
    let sol = run(m, index, 10.0, &times, &tight(Method::Dopri5, 2));
    for (i, &t) in sol.times.iter().enumerate() {
        let what = format!("{} Ac at t = {t}", m.regimens[index].name);
        assert_close(sol.states[2 * i + 1], bateman(t, ka, ke, dose), 1e-8, 1e-3, &what);
    }
}

#[test]
fn each_regimen_runs_with_its_own_parameters() {
    let m = compile(ORAL);
    check(&m, 0, 1.3, 0.2, 100.0);
    check(&m, 1, 3.0, 0.2, 100.0);
    // The dose amount `D` folds with the regimen's value too.
    check(&m, 2, 3.0, 0.2, 50.0);
    assert_eq!(m.regimens[2].doses[0].amount, 50.0);
    assert_eq!(m.regimen_parameter_values(&m.regimens[1]), [3.0, 0.2, 100.0]);
    assert_eq!(m.parameter_values, [1.3, 0.2, 100.0]);
}

#[test]
fn set_wins_over_a_regimen_override() {
    let model = model::load(ORAL).unwrap();
    let set = |name: &str, value: f64| ParameterOverride {
        name: name.to_string(),
        value,
    };
    let m = model.compile(&[set("ka", 2.0), set("ke", 0.5)]).unwrap();
    for index in 0..2 {
        check(&m, index, 2.0, 0.5, 100.0);
    }
    check(&m, 2, 2.0, 0.5, 50.0);
}

#[test]
fn population_runs_take_the_regimen_override_unless_pinned() {
    let model = model::load(ORAL).unwrap();
    let patient = [0.9, 0.3, 80.0];
    let m = model.compile_values(&patient).unwrap();
    assert_eq!(m.regimen_parameter_values(&m.regimens[0]), patient);
    assert_eq!(m.regimen_parameter_values(&m.regimens[2]), [3.0, 0.3, 50.0]);
    let pinned = model.compile_values_pinned(&patient, &[0]).unwrap();
    assert_eq!(
        pinned.regimen_parameter_values(&pinned.regimens[2]),
        [0.9, 0.3, 50.0]
    );
    check(&pinned, 2, 0.9, 0.3, 50.0);
}

#[test]
fn compare_reports_the_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oral.toml");
    std::fs::write(&path, ORAL).unwrap();
    let out = relapse()
        .args([
            "compare",
            path.to_str().unwrap(),
            "--t-end",
            "10",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let regimens = json["regimens"].as_array().unwrap();
    assert_eq!(regimens[0]["parameters"], serde_json::json!({}));
    assert_eq!(regimens[1]["parameters"], serde_json::json!({ "ka": 3.0 }));
    assert_eq!(
        regimens[2]["parameters"],
        serde_json::json!({ "ka": 3.0, "D": 50.0 })
    );
    // Cmax of the `fast` arm is the Bateman maximum at t = ln(ka/ke)/(ka − ke).
    let tmax = (3.0_f64 / 0.2).ln() / 2.8;
    let cmax = regimens[1]["exposure"]["Ac"]["cmax"].as_f64().unwrap();
    assert_close(cmax, bateman(tmax, 3.0, 0.2, 100.0), 1e-5, 1.0, "fast Cmax");
    // `--set ka` pins ka in every regimen: no regimen overrides it any more.
    let out = relapse()
        .args([
            "compare",
            path.to_str().unwrap(),
            "--t-end",
            "10",
            "--set",
            "ka=2",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("parameters of `fast_half`: D = 50\n"), "{table}");
    assert!(!table.contains("parameters of `fast`:"), "{table}");
}

#[test]
fn a_quoted_dotted_regimen_name_is_one_regimen() {
    let text = ORAL.replace("[regimens.fast]", "[regimens.\"fast.3mg\"]");
    let m = compile(&text);
    assert_eq!(m.regimens[1].name, "fast.3mg");
    check(&m, 1, 3.0, 0.2, 100.0);
}
