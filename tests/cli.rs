//! The real binary: exit codes (0 ok, 1 invalid model, 2 usage, 3 solver failure, 4 I/O),
//! files written atomically, every shipped model checks and simulates to finite output.

mod common;

use common::{relapse, shipped_models};

use predicates::prelude::{PredicateBooleanExt, predicate};

#[test]
fn every_shipped_model_checks() {
    for model in shipped_models() {
        relapse()
            .arg("check")
            .arg(&model)
            .assert()
            .success()
            .stderr(predicate::str::contains(": ok"));
    }
}

#[test]
fn every_shipped_model_simulates_every_regimen_to_finite_output() {
    for model in shipped_models() {
        let out = relapse().arg("simulate").arg(&model).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            model.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let csv = String::from_utf8(out.stdout).unwrap();
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("regimen,time,"));
        let rows: Vec<&str> = lines.collect();
        assert!(rows.len() > 10, "{}", model.display());
        for row in rows {
            for field in row.split(',').skip(1) {
                let v: f64 = field
                    .parse()
                    .unwrap_or_else(|_| panic!("{}: bad field {field}", model.display()));
                assert!(v.is_finite(), "{}: {row}", model.display());
            }
        }
    }
}

#[test]
fn simulate_writes_csv_atomically_and_prints_stats() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pk.csv");
    relapse()
        .args([
            "simulate",
            "models/pk_oral_1cpt.toml",
            "--regimen",
            "daily",
            "--stats",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("stats: regimen `daily`:")
                .and(predicate::str::contains("RHS evaluations"))
                .and(predicate::str::contains(", 14 doses\n")),
        );
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("regimen,time,Ag,Ac,C\ndaily,0,80,0,0\n"), "{csv}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn simulate_honours_times_outputs_and_regimen_order() {
    relapse()
        .args([
            "simulate",
            "models/pk_oral_1cpt.toml",
            "--regimen",
            "loading",
            "--regimen",
            "daily",
        ])
        .args(["--times", "0,21", "--outputs", "C"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(
                "^regimen,time,C\nloading,0,0\nloading,21,[0-9.e-]+\ndaily,0,0\ndaily,21,",
            )
            .unwrap(),
        );
}

#[test]
fn set_overrides_a_parameter() {
    let run = |set: &[&str]| {
        let out = relapse()
            .args([
                "simulate",
                "models/pk_oral_1cpt.toml",
                "--regimen",
                "daily",
                "--times",
                "21",
                "--outputs",
                "Ac",
            ])
            .args(set)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(2)
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let base = run(&[]);
    let half = run(&["--set", "F=0.5"]);
    // Linear model: halving bioavailability halves every amount (to solver tolerance).
    assert!((half / base - 0.5).abs() < 1e-6, "{base} {half}");
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    relapse()
        .args(["simulate", "models/pk_oral_1cpt.toml", "--regimen", "daly"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown regimen `daly`; did you mean `daily`?",
        ));
    relapse()
        .args(["simulate", "models/pk_oral_1cpt.toml", "--times", "1,50"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "output time 50 is outside [0, t_end = 21]",
        ));
    relapse()
        .args(["simulate", "models/pk_oral_1cpt.toml", "--set", "CLL=3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown parameter `CLL`; did you mean `CL`?",
        ));
    relapse()
        .args(["simulate", "models/pk_oral_1cpt.toml", "--rtol", "-1"])
        .assert()
        .code(2);
    relapse()
        .args(["simulate", "models/pk_oral_1cpt.toml", "--no-such-flag"])
        .assert()
        .code(2);
    relapse()
        .args([
            "simulate",
            "models/pk_oral_1cpt.toml",
            "--out",
            "models/pk_oral_1cpt.toml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is the model file; choose another output name",
        ));
}

#[test]
fn invalid_model_exits_1_and_missing_file_exits_4() {
    relapse()
        .args(["simulate", "tests/invalid/unknown_name.toml", "--t-end", "1"])
        .assert()
        .code(1);
    relapse()
        .args(["check", "no/such/model.toml"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("cannot read `no/such/model.toml`"));
}

#[test]
fn solver_failure_exits_3_with_time_and_state() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("blowup.toml");
    // y' = y², y(0) = 1 blows up at t = 1.
    std::fs::write(
        &model,
        "[model]\nname = \"b\"\n[states]\ny = 1\n[equations]\ny = \"y^2\"\n",
    )
    .unwrap();
    let out_file = dir.path().join("never.csv");
    relapse()
        .arg("simulate")
        .arg(&model)
        .args(["--t-end", "2", "--out"])
        .arg(&out_file)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("regimen `untreated`").and(predicate::str::contains("`y`")));
    assert!(!out_file.exists(), "no partial output on failure");
    relapse()
        .arg("simulate")
        .arg(&model)
        .args(["--t-end", "0.9", "--max-steps", "5"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("maximum of 5 steps"));
}

#[test]
fn non_finite_derivative_is_reported_with_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("log0.toml");
    std::fs::write(
        &model,
        "[model]\nname = \"l\"\n[states]\nx = 0\n[equations]\nx = \"log(x)\"\n",
    )
    .unwrap();
    relapse()
        .arg("simulate")
        .arg(&model)
        .args(["--t-end", "1"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("dx/dt is -inf at t = 0"));
}

#[test]
fn help_and_version_exit_0() {
    relapse()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("simulate"));
    relapse().arg("--version").assert().success();
}

#[test]
fn stiffness_is_detected_and_reported_as_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("stiff.toml");
    // y' = −10⁴(y − e^{−t}): eigenvalue −10⁴, so explicit steps are stability-limited (hλ ≈ 3.3).
    std::fs::write(
        &model,
        "[model]\nname = \"s\"\n[states]\ny = 1\n[equations]\ny = \"-1e4 * (y - exp(-t))\"\n",
    )
    .unwrap();
    relapse()
        .arg("simulate")
        .arg(&model)
        .args(["--t-end", "5", "--method", "dopri5"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("warning: regimen `untreated`: the problem looks stiff from t = ")
                .and(predicate::str::contains("use --method auto (or rodas5p)")),
        );
    // `plot` used to drop the warning (issue 13).
    relapse()
        .arg("plot")
        .arg(&model)
        .args(["--t-end", "5", "--method", "dopri5", "--out"])
        .arg(dir.path().join("stiff.svg"))
        .assert()
        .success()
        .stderr(predicate::str::contains("the problem looks stiff from t = "));
}

#[test]
fn compare_prints_a_table_and_writes_every_format() {
    relapse()
        .args(["compare", "models/stein_regrowth.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("relapse_time [day]").and(predicate::str::contains("relapsed")));
    let dir = tempfile::tempdir().unwrap();
    for (file, check) in [
        ("m.md", "| regimen | nadir [x baseline] |"),
        ("m.csv", "regimen,nadir,t_nadir,relapse_time,status"),
        ("m.json", "\"relapse_status\": \"relapsed\""),
    ] {
        let path = dir.path().join(file);
        relapse()
            .args(["compare", "models/stein_regrowth.toml", "--out"])
            .arg(&path)
            .assert()
            .success();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(check), "{file}: {text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(json["model"], "stein_regrowth");
    assert_eq!(json["baseline"], "observed");
    assert_eq!(json["t_end"], 500.0);
    let r = &json["regimens"][0];
    for key in [
        "nadir",
        "relapse_time",
        "relapse_status",
        "delay_vs_baseline",
        "detection",
        "depth_of_response",
    ] {
        assert!(
            !r[key].is_null() || key == "delay_vs_baseline",
            "{key} missing: {r}"
        );
    }
    // Closed form (Stein): nadir at ln(d/g)/(d+g) = 104.66 d; the default rtol gives ~1e-4.
    let nadir_time = r["nadir"]["time"].as_f64().unwrap();
    assert!((nadir_time - 10f64.ln() / 0.022).abs() < 1e-3, "{nadir_time}");
}

#[test]
fn compare_reports_exposure_metrics_and_checks_its_arguments() {
    relapse()
        .args([
            "compare",
            "models/pk_oral_1cpt.toml",
            "--format",
            "csv",
            "--baseline",
            "loading",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("regimen,c_cmax,c_tmax,"));
    relapse()
        .args(["compare", "models/pk_oral_1cpt.toml", "--baseline", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`--baseline nope` is not among the regimens",
        ));
}

#[test]
fn set_values_that_break_the_model_are_shown_in_the_file() {
    relapse()
        .args(["simulate", "models/pk_oral_1cpt.toml", "--set", "V=0"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("error: division by zero: this divisor is always 0")
                .and(predicate::str::contains("models/pk_oral_1cpt.toml:27:11")),
        );
}

/// The rows of a `simulate` CSV: header names and one vector of cells per row.
fn csv_rows(stdout: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn outputs_may_name_states_and_derived_values() {
    // The shipped model without its Ag and Ac output columns: Ag and Ac are then only states,
    // C only a derived value (in mg/L) besides the output C (in ng/mL).
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("pk.toml");
    let text = std::fs::read_to_string("models/pk_oral_1cpt.toml")
        .unwrap()
        .replace("Ag = \"Ag\"\nAc = \"Ac\"\n", "")
        .replace("C = \"Ac / V\"", "conc = \"Ac / V\"")
        .replace("expr = \"C * 1000\"", "expr = \"conc * 1000\"");
    std::fs::write(&model, text).unwrap();
    let run = |path: &std::path::Path, outputs: &str| {
        let out = relapse()
            .arg("simulate")
            .arg(path)
            .args(["--regimen", "daily", "--outputs", outputs])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        csv_rows(&out.stdout)
    };
    let (header, rows) = run(&model, "Ac,conc,C");
    assert_eq!(header, ["regimen", "time", "Ac", "conc", "C"]);
    // Reference: the shipped model's own Ac output column, on the same steps (adding outputs
    // does not change the integration), so the cells are identical text.
    let (_, reference) = run(std::path::Path::new("models/pk_oral_1cpt.toml"), "Ac,C");
    assert_eq!(rows.len(), reference.len());
    for (row, reference) in rows.iter().zip(&reference) {
        assert_eq!(row[2], reference[2], "Ac at t = {}", row[1]);
        assert_eq!(row[4], reference[3], "C at t = {}", row[1]);
        // conc = Ac / V in mg/L, C = 1000·conc in ng/mL: equal up to one rounding each.
        let (conc, c): (f64, f64) = (row[3].parse().unwrap(), row[4].parse().unwrap());
        assert!((1000.0 * conc - c).abs() <= 1e-12 * c.abs(), "{conc} vs {c}");
    }
    // A misspelt name lists every name that may be asked for.
    relapse()
        .arg("simulate")
        .arg(&model)
        .args(["--outputs", "conk"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown output `conk`; did you mean `conc`?").and(
                predicate::str::contains("outputs, states and derived values: C, Ag, Ac, conc"),
            ),
        );
}
