//! Hostile schedules, grids and time scales (issue 8): every case ends with exit code 0–3 and a
//! message that names the numbers, within seconds and bounded memory; none panics, hangs or
//! loses a dose. Expected values are closed forms stated at each test (a linear decay
//! x' = −k·x after bolus doses is a sum of exponentials).

mod common;

use std::path::{Path, PathBuf};

use common::{assert_close, compile, relapse};
use predicates::prelude::{PredicateBooleanExt, predicate};
use relapse::solve::{Problem, SolveError, SolverOptions};

/// Writes `toml` as `name` in `dir`.
fn model_file(dir: &Path, name: &str, toml: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, toml).unwrap();
    path
}

/// A one-state model `X' = -k X` with an exposure output, regimen `a` given by `doses`.
fn decay(k: f64, solver: &str, doses: &str) -> String {
    format!(
        "[model]\nname = \"m\"\n[parameters]\nk = {k:e}\n[states]\nX = 0\n[equations]\nX = \"-k*X\"\n\
         [outputs]\nC = {{ expr = \"X\", exposure = true, target = 5 }}\n[solver]\n{solver}\n\
         [regimens.a]\ndoses = [ {doses} ]\n"
    )
}

#[test]
fn dose_times_that_overflow_are_a_located_error_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // 0 + 2·1e308 = inf: the third administration.
        (
            "{ target = \"X\", amount = 10, interval = 1e308, count = 3 }",
            "the last administration time",
        ),
        // lag is an expression of parameters: 1e308 + 1e308.
        (
            "{ target = \"X\", amount = 10, start = 1e308, lag = \"k\" }",
            "is inf",
        ),
        // amount / rate = 1e10 / 1e-300 = inf: the infusion never ends.
        (
            "{ target = \"X\", amount = 1e10, rate = 1e-300 }",
            "the last infusion of this dose stops at t = inf",
        ),
    ];
    for (i, (dose, message)) in cases.into_iter().enumerate() {
        let toml = decay(1e308, "t_end = 10", dose);
        let model = model_file(dir.path(), &format!("m{i}.toml"), &toml);
        // The dose entry is on line 14 of the file `decay` writes, from column 11.
        let located = format!("m{i}.toml:14:11");
        relapse()
            .arg("check")
            .arg(&model)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(message).and(predicate::str::contains(located.as_str())));
        for command in [vec!["simulate"], vec!["compare"], vec!["plot", "--out"]] {
            let mut cmd = relapse();
            cmd.args(&command);
            if command.len() > 1 {
                cmd.arg(dir.path().join("p.png"));
            }
            cmd.arg(&model).assert().code(1);
        }
    }
}

#[test]
fn a_billion_administrations_are_refused_or_cut_at_t_end_without_expanding_them() {
    let dir = tempfile::tempdir().unwrap();
    let doses = "{ target = \"X\", amount = 10, interval = 1, count = 1e9 }";
    let model = model_file(dir.path(), "m.toml", &decay(1.0, "t_end = 1e9", doses));
    // All 1e9 inside [0, t_end]: refused before anything is stored (1e9 × 40 B = 40 GB).
    for command in ["simulate", "compare"] {
        relapse()
            .arg(command)
            .arg(&model)
            .assert()
            .code(3)
            .stderr(predicate::str::contains(
                "1000000000 administrations fall inside [0, t_end = 1000000000], more than the 1000000",
            ));
    }
    // Only the 11 administrations up to t_end = 10 are stored and run.
    relapse()
        .arg("simulate")
        .arg(&model)
        .args(["--t-end", "10", "--times", "10"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("regimen,time,C\na,10,"));
}

#[test]
fn output_grids_beyond_the_row_limit_or_not_advancing_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let doses = "{ target = \"X\", amount = 10 }";
    let huge = model_file(
        dir.path(),
        "huge.toml",
        &decay(1.0, "t_end = 1e12\noutput_step = 1e-6", doses),
    );
    relapse().arg("simulate").arg(&huge).assert().code(2).stderr(
        predicate::str::contains("more than the limit of 10000000")
            .and(predicate::str::contains("--max-rows")),
    );
    let plain = model_file(dir.path(), "plain.toml", &decay(1.0, "t_end = 1", doses));
    for args in [
        vec!["--output-step", "5e-324"],
        vec!["--t-end", "5e-324"],
        vec!["--max-rows", "100"],
    ] {
        relapse()
            .arg("simulate")
            .arg(&plain)
            .args(&args)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2);
    }
    // The default grid has 101 rows: the limit is inclusive, and the file's key is overridden
    // by the flag.
    relapse()
        .arg("simulate")
        .arg(&plain)
        .args(["--max-rows", "101"])
        .assert()
        .success();
    let limited = model_file(
        dir.path(),
        "limited.toml",
        &decay(1.0, "t_end = 1\nmax_output_rows = 5", doses),
    );
    relapse().arg("simulate").arg(&limited).assert().code(2);
    relapse()
        .arg("simulate")
        .arg(&limited)
        .args(["--max-rows", "1000"])
        .assert()
        .success();
    // compare does not build the output grid (1e7 + 1 rows at t_end = 10), so it runs.
    relapse()
        .arg("compare")
        .arg(&huge)
        .args(["--t-end", "10"])
        .assert()
        .success();
}

#[test]
fn a_model_scaled_to_t_end_1e_minus_300_gives_distinct_correct_times_and_metrics() {
    // X' = −1e300·X with 10 at t = 0 and 10 at 8e-301: X = 10·e^{−k t} (+ 10·e^{−k(t − 8e-301)}).
    let k = 1e300;
    let toml = decay(
        k,
        "t_end = 1e-300",
        "{ target = \"X\", amount = 10, interval = 8e-301, count = 2 }",
    );
    let m = compile(&toml);
    let mut options = SolverOptions::new(1);
    options.rtol = 1e-10;
    options.atol = vec![1e-12];
    let times: Vec<f64> = (0..=8).map(|i| f64::from(i) * 1.25e-301).collect();
    let sol = m
        .simulate(&m.regimens[0], 1e-300, &times, &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sol.times, times, "every output keeps its own time");
    for (i, &t) in times.iter().enumerate() {
        let mut x = 10.0 * (-k * t).exp();
        if t >= 8e-301 {
            x += 10.0 * (-k * (t - 8e-301)).exp();
        }
        assert_close(sol.state(i)[0], x, 1e-8, 1e-12, &format!("X({t:e})"));
    }
    // Time above C = 5: from 0 to the crossing at ln 2/k ≈ 6.9e-301 (located relative to the
    // bracket: the old absolute floor of 1e-12 stopped at the first bracket), then from the
    // second dose to t_end (X(1e-300) = 10e^{−1} + 10e^{−0.2} ≈ 11.9 > 5).
    let metrics = m.measure(&m.regimens[0], 1e-300, &options).unwrap().metrics;
    let above = metrics.exposures[0].time_above_target.unwrap();
    assert_close(
        above,
        std::f64::consts::LN_2 / k + 2e-301,
        1e-8,
        0.0,
        "time above target",
    );
}

#[test]
fn event_times_closer_than_t_resolves_are_one_segment_boundary() {
    // Hand-made events at 1 and 1 + 2ε (not merged by a schedule): the 2ε segment is one step.
    let m = compile(&decay(1.0, "t_end = 2", "{ target = \"X\", amount = 10 }"));
    let bolus = |time: f64| relapse::regimen::Event {
        time,
        dose: 0,
        kind: relapse::regimen::EventKind::Bolus {
            target: 0,
            amount: 1.0,
        },
    };
    let events = [bolus(1.0), bolus(1.0 + 2.0 * f64::EPSILON)];
    let problem = Problem {
        initial_state: &[0.0],
        events: &events,
        t_end: 2.0,
        output_times: &[2.0],
    };
    let sol = relapse::solve::simulate(&mut m.system(), &problem, &SolverOptions::new(1)).unwrap();
    // 2·e^{−1}: both boluses decay for one time unit.
    assert_close(sol.state(0)[0], 2.0 * (-1.0_f64).exp(), 1e-6, 0.0, "X(2)");
}

#[test]
fn a_non_finite_dose_quantity_is_located_at_its_field() {
    let dir = tempfile::tempdir().unwrap();
    // 0·1e999 folds to NaN (or is refused as an overflowing literal): either way a located error.
    for dose in [
        "{ target = \"X\", amount = \"0*1e999\" }",
        "{ target = \"X\", amount = 1, bioavailability = \"0*1e999\" }",
    ] {
        let model = model_file(dir.path(), "m.toml", &decay(1.0, "t_end = 1", dose));
        relapse()
            .arg("check")
            .arg(&model)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("m.toml:14:"));
    }
}

#[test]
fn a_non_finite_output_is_a_solver_failure_naming_output_regimen_time_and_states() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "[model]\nname = \"m\"\n[states]\nX = 0\n[equations]\nX = \"1\"\n\
                [outputs]\nX = \"X\"\nL = \"log10(X)\"\n[solver]\nt_end = 1\n";
    let model = model_file(dir.path(), "m.toml", toml);
    // log10(0) = −inf at t = 0: a legitimately zero value, but not a number the CSV can carry.
    relapse()
        .arg("simulate")
        .arg(&model)
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(
            "regimen `untreated`: output `L` is -inf at t = 0 (X = 0); guard its formula, e.g. log10(max(C, 1e-300))",
        ));
    // Leaving the column out leaves nothing to refuse.
    relapse()
        .arg("simulate")
        .arg(&model)
        .args(["--outputs", "X"])
        .assert()
        .success();
}

#[test]
fn a_nan_auc_integrand_is_named_by_its_output() {
    let dir = tempfile::tempdir().unwrap();
    // X = 10·e^{−t} falls below 5 at t = ln 2, where sqrt(X − 5) becomes NaN.
    let toml = "[model]\nname = \"m\"\n[states]\nX = 10\n[equations]\nX = \"-X\"\n\
                [outputs]\nC = { expr = \"sqrt(X - 5)\", exposure = true }\n[solver]\nt_end = 2\n";
    let model = model_file(dir.path(), "m.toml", toml);
    relapse().arg("compare").arg(&model).assert().code(3).stderr(
        predicate::str::contains("output `C` is NaN at t = 0.")
            .and(predicate::str::contains("(it is integrated for its AUC)"))
            .and(predicate::str::contains("integral #").not()),
    );
}

/// The error of running `equations` (state `x`, optional `y`) to `t_end` with DOPRI5 (the
/// explicit method whose failure messages these tests read; `auto` would switch to Rodas5P).
fn failure(states: &str, equations: &str, t_end: f64, max_steps: u64) -> SolveError {
    let toml = format!("[model]\nname = \"m\"\n[states]\n{states}\n[equations]\n{equations}\n");
    let m = compile(&toml);
    let mut options = SolverOptions::new(m.state_names.len());
    options.method = relapse::solve::Method::Dopri5;
    options.max_steps = max_steps;
    m.simulate(&m.regimens[0], t_end, &[t_end], &options).unwrap_err()
}

#[test]
fn blow_up_unbounded_derivatives_and_stiffness_are_told_apart() {
    // x' = x², x(0) = 1: x = 1/(1 − t) blows up at t = 1.
    let e = failure("x = 1", "x = \"x^2\"", 2.0, 1_000_000);
    assert!(
        matches!(e, SolveError::BlowUp { t, .. } if (t - 1.0).abs() < 1e-3),
        "{e:?}"
    );
    assert!(e.to_string().contains("grows without bound near t = 1"), "{e}");
    // x' = −1/x, x(0) = 1: x = sqrt(1 − 2t) reaches 0 at t = 0.5 with an infinite slope.
    let e = failure("x = 1", "x = \"-1/x\"", 2.0, 1_000_000);
    assert!(
        matches!(e, SolveError::UnboundedDerivative { t, .. } if (t - 0.5).abs() < 1e-3),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("division by a quantity reaching zero?"),
        "{e}"
    );
    // x' = 1/y, y' = −1: x stays moderate (1 − ln(1 − t)) while its slope grows without bound.
    let e = failure("x = 1\ny = 1", "x = \"1/y\"\ny = \"-1\"", 2.0, 1_000_000);
    assert!(
        matches!(&e, SolveError::UnboundedDerivative { state, .. } if state == "x"),
        "{e:?}"
    );
    // y' = −10⁴(y − e^{−t}) is stiff (hλ ≈ 3.3 limits the steps): the budget runs out and the
    // message keeps the stiffness warning that a failed run used to discard.
    let e = failure("y = 1", "y = \"-1e4 * (y - exp(-t))\"", 5.0, 5000);
    assert!(
        matches!(
            e,
            SolveError::MaxStepsExceeded {
                stiff_from: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("the problem looked stiff from t = "),
        "{e}"
    );
    // ... and suggests the stiff method instead of a looser tolerance.
    assert!(
        e.to_string().contains("use --method auto (or rodas5p)")
            && !e.to_string().contains("raise --max-steps"),
        "{e}"
    );
}

#[test]
fn the_smallest_t_end_runs_without_a_grid_that_cannot_advance() {
    // t_end = 5e-324: the plot grid step t_end/1500 is 0 (it used to loop forever adding 0),
    // and the one step is shorter than any step the controller could choose.
    let m = compile(&decay(1.0, "t_end = 1", "{ target = \"X\", amount = 10 }"));
    let options = SolverOptions::new(1);
    let trace = m.trace(&m.regimens[0], 5e-324, &options, 1500).unwrap();
    assert!(
        trace.times.len() <= 4 && trace.times.last() == Some(&5e-324),
        "{:?}",
        trace.times
    );
    let sol = m
        .simulate(&m.regimens[0], 5e-324, &[0.0, 5e-324], &options)
        .unwrap();
    assert_eq!(sol.times, [0.0, 5e-324]);
    assert_eq!(sol.state(1)[0], 10.0, "exp(-5e-324) is 1");
}
