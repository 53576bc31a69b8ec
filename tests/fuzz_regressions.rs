//! Every input the fuzz targets (`fuzz/`) found crashing, hanging or exhausting memory, replayed
//! through the same harness (`fuzz/harness/mod.rs`, compiled here unchanged). A file is named
//! `<target>-<what it exercises>.<ext>`; each has its own test below, and
//! `every_saved_input_has_a_test` makes sure none is left out.
//!
//! Expected behaviour (from the issue "Hardening"): the harness returns, i.e. no panic; each
//! run is bounded by the harness's options and by [`TIME_LIMIT`].

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

#[path = "../fuzz/harness/mod.rs"]
mod harness;

const DIR: &str = "tests/fuzz_regressions";
/// Wall-clock limit per input (the fuzz runs use `-timeout=10` on an optimised build).
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The harness each file name prefix belongs to.
fn harness_for(target: &str) -> fn(&[u8]) {
    match target {
        "diagnostics" => harness::diagnostics,
        "pipeline" => harness::pipeline,
        "plot" => harness::plot,
        "figure" => harness::figure,
        "cli_args" => harness::cli_args,
        other => panic!("no fuzz target `{other}`"),
    }
}

/// Runs the saved input `name` through its target's harness on a thread with the main
/// thread's stack size (libFuzzer runs targets on the main thread), failing on a panic or
/// when it does not finish in time.
fn replay(name: &str) {
    let path = Path::new(DIR).join(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let target = name.split_once('-').expect("<target>-<name>").0;
    let run = harness_for(target);
    let (done, finished) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(name.to_string())
        .stack_size(8 << 20)
        .spawn(move || {
            let outcome = std::panic::catch_unwind(|| run(&data));
            let _ = done.send(outcome.is_ok());
        })
        .expect("thread");
    match finished.recv_timeout(TIME_LIMIT) {
        Ok(true) => worker.join().expect("joined"),
        Ok(false) => panic!("{name}: the `{target}` harness panicked (message above)"),
        Err(_) => panic!("{name}: the `{target}` harness did not finish in {TIME_LIMIT:?}"),
    }
}

macro_rules! regressions {
    ($($(#[$attr:meta])* $test:ident => $file:literal,)*) => {
        $(
            $(#[$attr])*
            #[test]
            fn $test() {
                replay($file);
            }
        )*

        const LISTED: &[&str] = &[$($file),*];
    };
}

regressions! {
    // Found by `plot`: an infusion (amount 1, duration 1e7) running far past t_end = 1 puts the
    // dose-rug bar millions of pixels off the canvas; plotters' i32 pixel arithmetic overflows
    // (a panic with overflow checks, a wrapped bar without). Also reachable with `relapse plot`.
    plot_infusion_ends_far_beyond_t_end => "plot-infusion_ends_far_beyond_t_end.toml",
    // Found by `figure`: a curve point at x = 2e16 on a figure with t_end = 1e-22 (the same
    // overflow in plotters' coordinate mapping; `render` draws whatever a Figure holds).
    figure_curve_point_far_beyond_t_end => "figure-curve_point_far_beyond_t_end.bin",
    // Seeded into `diagnostics` from the issue: 5,000 nested parentheses overflow the stack
    // while parsing/lowering (a stack overflow aborts this whole test binary, not only the test).
    diagnostics_parentheses_nested_5000_deep => "diagnostics-parentheses_nested_5000_deep.toml",
    // Seeded into `pipeline` from tests/hostile/: `interval = 1e308, count = 3` puts doses at
    // +inf; `simulate` returns Ok with fewer rows than output times.
    pipeline_dose_times_overflow_to_infinity => "pipeline-dose_times_overflow_to_infinity.toml",
}

#[test]
fn every_saved_input_has_a_test() {
    let mut unlisted: Vec<PathBuf> = std::fs::read_dir(DIR)
        .expect("tests/fuzz_regressions")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !LISTED.contains(&name)
        })
        .collect();
    unlisted.sort();
    assert!(
        unlisted.is_empty(),
        "add a test to tests/fuzz_regressions.rs for: {unlisted:?}"
    );
}
