//! Scale (issue 10): large generated models load, compile and solve; `simulate` streams its
//! CSV byte-identically to the CSV built in memory; a run that fails while streaming leaves no
//! file behind.

#[path = "common/chain.rs"]
mod chain;

use std::path::Path;
use std::process::Command;

use relapse::export::{OutputTable, trajectory_csv};
use relapse::solve::SolverOptions;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_relapse"))
}

/// Poisson probability t^j e^(−t) / j!: the exact amount in compartment j of a unit chain.
fn chain_exact(j: i32, t: f64) -> f64 {
    let factorial: f64 = (1..=j).map(f64::from).product();
    t.powi(j) * (-t).exp() / factorial
}

/// The chain file asks for rtol 1e-8, atol 1e-10 per step; ten times both leaves room for the
/// global error the local control lets accumulate over the run.
fn close(got: f64, exact: f64) -> bool {
    (got - exact).abs() <= 1e-7 * exact.abs() + 1e-9
}

#[test]
fn a_20000_state_chain_loads_compiles_and_solves() {
    // Past the old limit of 4,095 states. Short run so the debug build stays fast.
    let source = chain::chain_toml(20_000, 0.05, 0.05, 0);
    let model = relapse::model::load(&source).expect("the chain loads");
    let compiled = model.compile(&[]).expect("the chain compiles");
    compiled
        .use_engine(relapse::model::Engine::Bytecode)
        .expect("the bytecode is always available");
    let regimen = &compiled.regimens[0];
    let solution = compiled
        .simulate(regimen, 0.05, &[0.0, 0.05], &file_options(&model))
        .expect("the chain solves");
    let y = solution.state(1);
    for j in 0..3 {
        let exact = chain_exact(j, 0.05);
        assert!(close(y[j as usize], exact), "A{j}: {} vs {exact}", y[j as usize]);
    }
    assert!(y.iter().all(|v| v.is_finite() && *v >= -1e-10));
}

#[test]
fn a_4000_state_chain_matches_equations_to_states() {
    // The equations are listed in reverse so that a lookup mixing up positions would show.
    let n = 4_000;
    let source = chain::chain_toml(n, 0.1, 0.1, 0);
    let (head, equations) = source.split_once("[equations]\n").unwrap();
    let (body, tail) = equations.split_once("\n\n").unwrap();
    let reversed: Vec<&str> = body.lines().rev().collect();
    let source = format!("{head}[equations]\n{}\n\n{tail}", reversed.join("\n"));
    let model = relapse::model::load(&source).expect("the chain loads");
    let compiled = model.compile(&[]).expect("the chain compiles");
    let solution = compiled
        .simulate(&compiled.regimens[0], 0.1, &[0.1], &file_options(&model))
        .unwrap();
    for j in 0..4 {
        let exact = chain_exact(j, 0.1);
        let got = solution.state(0)[j as usize];
        assert!(close(got, exact), "A{j}: {got} vs {exact}");
    }
}

/// The file's solver settings, as `simulate` resolves them without flags.
fn file_options(model: &relapse::model::Model) -> SolverOptions {
    let n = model.states.len();
    let mut o = SolverOptions::new(n);
    o.method = model.solver.method.unwrap_or_default();
    o.rtol = model.solver.rtol.unwrap_or(o.rtol);
    if let Some(atol) = &model.solver.atol {
        o.atol = atol.to_vec(n);
    }
    o.max_steps = model.solver.max_steps.unwrap_or(o.max_steps);
    o
}

/// The CSV `simulate` used to build in memory (whole solve, then every row, then the bytes),
/// for the output times each regimen's rows of `streamed` show (a time already moved onto a
/// dose stays there): the reference the streamed output must equal byte for byte.
fn in_memory_csv(source: &str, streamed: &str) -> Vec<u8> {
    let model = relapse::model::load(source).unwrap();
    let compiled = model.compile(&[]).unwrap();
    compiled.use_engine(relapse::model::Engine::Bytecode).unwrap();
    let options = file_options(&model);
    let t_end = model.solver.t_end.unwrap();
    let columns: Vec<usize> = (0..compiled.output_names.len()).collect();
    let tables: Vec<OutputTable> = compiled
        .regimens
        .iter()
        .map(|regimen| {
            let times: Vec<f64> = streamed
                .lines()
                .skip(1)
                .filter_map(|line| line.strip_prefix(&format!("{},", regimen.name)))
                .map(|rest| rest.split(',').next().unwrap().parse().unwrap())
                .collect();
            let solution = compiled.simulate(regimen, t_end, &times, &options).unwrap();
            let rows = compiled.output_rows(regimen, &solution, &columns).unwrap();
            OutputTable {
                regimen: regimen.name.clone(),
                times: solution.times,
                rows,
            }
        })
        .collect();
    trajectory_csv(&compiled.output_names, &tables).unwrap()
}

#[test]
fn streamed_csv_is_byte_identical_to_the_in_memory_csv_for_every_shipped_model() {
    let dir = tempfile::tempdir().unwrap();
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut checked = 0;
    for entry in std::fs::read_dir(models).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let out = dir.path().join("out.csv");
        let status = binary()
            .args(["simulate", "--engine", "bytecode", "--out"])
            .arg(&out)
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success(), "{}", path.display());
        let streamed = std::fs::read_to_string(&out).unwrap();
        let source = std::fs::read_to_string(&path).unwrap();
        let expected = in_memory_csv(&source, &streamed);
        assert!(streamed.as_bytes() == expected, "{} differs", path.display());
        checked += 1;
    }
    assert!(checked >= 8, "the model library is found");
}

#[test]
fn a_run_failing_mid_stream_leaves_no_file() {
    // The output is 1/(t − 5): rows for t = 0 … 4 are written, then it is infinite at t = 5.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.toml");
    std::fs::write(
        &model,
        "[model]\nname = \"m\"\ntime_unit = \"day\"\n\n[states]\nx = { initial = 1.0, unit = \"1\" }\n\n\
         [equations]\nx = \"-x\"\n\n[outputs]\ny = \"1 / (t - 5)\"\n\n[solver]\nt_end = 10\noutput_step = 1\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let result = binary()
        .args(["simulate", "--out"])
        .arg(&out)
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(
        result.status.code(),
        Some(3),
        "a non-finite output is a solver error"
    );
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("output `y` is inf at t = 5"), "{stderr}");
    assert!(stderr.contains("x = "), "names the states: {stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("m.toml")],
        "no output nor temporary file"
    );
}
