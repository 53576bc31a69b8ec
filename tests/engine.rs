//! The native-code engine is indistinguishable from the bytecode: for every shipped model, the
//! CSV of `simulate` and the JSON of `compare` are byte-identical under `--engine jit`,
//! `--engine bytecode` and the default (which switches from one to the other mid-run). The
//! reference is the bytecode interpreter, the engine every other test validates.

#[path = "common/chain.rs"]
mod chain;

use std::path::Path;

use assert_cmd::Command;

fn run(args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("relapse")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning: native"),
        "the JIT works on this machine: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn shipped_models() -> Vec<String> {
    let mut models: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    models.sort();
    assert!(models.len() >= 8, "the model library is found");
    models
}

#[test]
fn every_shipped_model_simulates_to_identical_bytes_on_every_engine() {
    for model in shipped_models() {
        let simulate = |engine: &str| run(&["simulate", &model, "--engine", engine, "--output-step", "0.5"]);
        let reference = simulate("bytecode");
        assert_eq!(simulate("jit"), reference, "{model}: jit");
        assert_eq!(simulate("auto"), reference, "{model}: auto");
    }
}

#[test]
fn every_shipped_comparison_is_identical_on_every_engine() {
    for model in shipped_models() {
        let compare = |engine: &str| run(&["compare", &model, "--engine", engine, "--format", "json"]);
        let reference = compare("bytecode");
        assert_eq!(compare("jit"), reference, "{model}: jit");
    }
}

#[test]
fn the_stiff_method_is_identical_on_every_engine_with_a_native_jacobian() {
    // Rodas5P evaluates the symbolic Jacobian every step: under `jit` its programs are native
    // code too, and the bytes do not change.
    for model in ["models/tmdd_mager_jusko2001.toml", "models/hibernation_rigi.toml"] {
        let simulate = |engine: &str| {
            run(&[
                "simulate",
                model,
                "--method",
                "rodas5p",
                "--engine",
                engine,
                "--output-step",
                "1",
            ])
        };
        let reference = simulate("bytecode");
        assert_eq!(simulate("jit"), reference, "{model}: jit");
        assert_eq!(simulate("auto"), reference, "{model}: auto");
    }
    let text = std::fs::read_to_string("models/tmdd_mager_jusko2001.toml").unwrap();
    let compiled = relapse::model::load(&text).unwrap().compile(&[]).unwrap();
    let native = |m: &relapse::model::CompiledModel| {
        m.rhs_jacobian()
            .unwrap()
            .programs()
            .all(|p| matches!(p.native_status(), Some(Ok(()))))
    };
    assert!(!native(&compiled), "bytecode until an engine is chosen");
    compiled.use_engine(relapse::model::Engine::Jit).unwrap();
    assert!(
        native(&compiled),
        "the Jacobian built after `use_engine(Jit)` is native"
    );
}

#[test]
fn a_program_split_into_several_native_functions_gives_identical_bytes() {
    // 10,500 states: the right-hand side is 10,500 instructions (one fused multiply-subtract
    // per equation), more than the 10,000 one function used to be capped at (such a model then
    // ran on the bytecode with a warning, which `run` rejects). It is now split into functions
    // of CHUNK_INSTRUCTIONS, the results crossing from the earlier functions to the last.
    let n = 10_500;
    let source = chain::chain_toml(n, 0.05, 0.05, 0);
    let compiled = relapse::model::load(&source).unwrap().compile(&[]).unwrap();
    assert!(compiled.rhs.instruction_count() > 10_000);
    let native = relapse::expr::NativeProgram::compile(&compiled.rhs).expect("native code for the chain");
    assert!(
        native.function_count() >= 6,
        "{} functions",
        native.function_count()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.toml");
    std::fs::write(&path, &source).unwrap();
    let path = path.display().to_string();
    let simulate = |engine: &str| run(&["simulate", &path, "--engine", engine]);
    assert_eq!(simulate("jit"), simulate("bytecode"));
}
