//! Hostile expressions and names (issue 8): deep nesting gives a located error instead of a
//! stack overflow, flat runs of operators work at any length (parse → compile → simulate →
//! time derivative for the metrics), overflowing literals are errors, the power rewrites are
//! bit-identical to `powf`, and names that would break the CSV or markdown output are refused.
//!
//! Expected values come from the definitions: a left-to-right loop over the same f64
//! operations for long chains, `f64::powf` (the platform libm, as the unrewritten bytecode
//! calls it) for the power rewrites, and the documented messages for diagnostics.

mod common;

use relapse::expr::{Graph, MAX_NESTING, Program, Scope, lower, parse};
use relapse::model;
use relapse::solve::SolverOptions;

/// The messages of an invalid model, each as `line:column message`.
fn errors(toml: &str) -> Vec<String> {
    let diagnostics = match model::load(toml) {
        Ok(m) => m.compile(&[]).expect_err("model must be invalid"),
        Err(d) => d,
    };
    diagnostics
        .iter()
        .map(|d| {
            let span = d.span.expect("located");
            let line = toml[..span.start].matches('\n').count() + 1;
            let column = span.start - toml[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("{line}:{column} {}", d.message)
        })
        .collect()
}

/// A one-state model (`x' = -x`, x(0) = 2) with an output `s` given by `expr`.
fn model_with_output(expr: &str) -> String {
    format!(
        "[model]\nname = \"m\"\n[states]\nx = 2.0\n[equations]\nx = \"-x\"\n\
         [outputs]\ns = {{ expr = \"{expr}\", exposure = true }}\n"
    )
}

#[test]
fn nesting_up_to_the_limit_is_accepted() {
    let src = format!("{}x{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert!(parse(&src).is_ok());
    let src = format!("{}x{}", "abs(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert!(parse(&src).is_ok());
    let src = format!("{}x", "-".repeat(MAX_NESTING));
    assert!(parse(&src).is_ok());
}

#[test]
fn nesting_beyond_the_limit_is_a_located_error() {
    // The 257th opening token is the one blamed: `(`, `-` and `!` at byte 256, and for
    // `abs(abs(…` the `(` of the 257th call, at byte 4·256 + 3.
    let cases = [
        ("(", ")", 256),
        ("abs(", ")", 4 * 256 + 3),
        ("-", "", 256),
        ("!", "", 256),
    ];
    for (open, close, blamed) in cases {
        let deep = 20_000;
        let src = format!("{}x{}", open.repeat(deep), close.repeat(deep));
        let err = parse(&src).unwrap_err();
        assert_eq!(err.message, "expression nested deeper than 256 levels", "{open}");
        assert_eq!(err.span.start, blamed, "{open}");
        assert!(err.hint.is_some());
    }
    let src = format!("2{}", "^2".repeat(20_000));
    assert_eq!(
        parse(&src).unwrap_err().span.start,
        1 + 2 * MAX_NESTING,
        "the 257th `^` is blamed"
    );
}

#[test]
fn deep_nesting_in_a_model_file_is_reported_with_its_line_and_column() {
    let deep = format!("{}x{}", "(".repeat(5000), ")".repeat(5000));
    let messages = errors(&model_with_output(&deep));
    // Line 8 is `s = { expr = "`; the expression starts at column 15.
    assert_eq!(
        messages,
        [format!(
            "8:{} expression nested deeper than 256 levels",
            15 + MAX_NESTING
        )]
    );
}

/// `x op1 x op2 x …` with `n` terms, cycling through `ops`, and its value by a left-to-right loop.
fn chain(n: usize, ops: &[&str], x: f64) -> (String, f64) {
    let mut src = String::from("x");
    let mut value = x;
    for i in 0..n - 1 {
        let op = ops[i % ops.len()];
        src.push_str(&format!(" {op} x"));
        value = match op {
            "+" => value + x,
            "-" => value - x,
            "*" => value * x,
            "/" => value / x,
            _ => unreachable!(),
        };
    }
    (src, value)
}

fn eval_chain(src: &str, x: f64) -> f64 {
    let mut graph = Graph::new();
    let mut scope = Scope::new();
    let state = graph.state(0);
    scope.bind("x", state);
    let root = lower(&parse(src).unwrap(), &scope, &mut graph).unwrap();
    let mut program = Program::compile(&graph, &[root], 1).unwrap();
    let mut out = [0.0];
    program.eval(0.0, &[x], &mut out);
    out[0]
}

#[test]
fn flat_chains_of_100_000_terms_compile_and_keep_left_to_right_order() {
    let x = 1.1;
    for ops in [&["+"][..], &["*", "/"], &["-", "+"], &["-"]] {
        let (src, expected) = chain(100_000, ops, x);
        assert_eq!(eval_chain(&src, x).to_bits(), expected.to_bits(), "{ops:?}");
    }
}

#[test]
fn a_100_000_term_output_simulates_and_gets_metrics() {
    for ops in [&["+"][..], &["*", "/"], &["-", "+"]] {
        let (src, _) = chain(100_000, ops, 1.0);
        let compiled = common::compile(&model_with_output(&src));
        let options = SolverOptions::new(1);
        let times = [0.0, 0.5, 1.0];
        let solution = compiled
            .simulate(&compiled.regimens[0], 1.0, &times, &options)
            .unwrap();
        let rows = compiled.output_rows(&solution);
        for (row, i) in rows.iter().zip(0..) {
            let x = solution.state(i)[0];
            assert_eq!(row[0].to_bits(), chain(100_000, ops, x).1.to_bits(), "{ops:?}");
        }
        // The exposure's metrics use its symbolic time derivative (extrema are its roots).
        let measured = compiled.measure(&compiled.regimens[0], 1.0, &options).unwrap();
        let exposure = &measured.metrics.exposures[0];
        assert!(
            exposure.auc.is_finite() && exposure.cmax.value.is_finite(),
            "{ops:?}"
        );
    }
}

#[test]
fn long_runs_of_logic_and_calls_with_many_arguments_work() {
    let n = 50_000;
    let and = vec!["x > 0"; n].join(" && ");
    assert_eq!(eval_chain(&format!("if({and}, 1, 2)"), 1.0), 1.0);
    let or = vec!["x < 0"; n].join(" || ");
    assert_eq!(eval_chain(&format!("if({or}, 1, 2)"), 1.0), 2.0);
    let args = vec!["x"; n].join(", ");
    assert_eq!(eval_chain(&format!("max({args})"), 3.0), 3.0);
}
