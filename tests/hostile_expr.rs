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
    // A product's time derivative reads every link of the chain; a sum's does not.
    for ops in [&["*", "/"][..], &["-", "+"]] {
        let (src, _) = chain(100_000, ops, 1.0);
        let compiled = common::compile(&model_with_output(&src));
        let options = SolverOptions::new(1);
        let times = [0.0, 0.5, 1.0];
        let solution = compiled
            .simulate(&compiled.regimens[0], 1.0, &times, &options)
            .unwrap();
        let rows = compiled
            .output_rows(&compiled.regimens[0], &solution, &[0])
            .unwrap();
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

/// `x^exponent` by the compiled bytecode (where the rewrites apply) for each of `xs`.
fn compiled_powers(exponent: &str, xs: &[f64]) -> Vec<f64> {
    let mut graph = Graph::new();
    let mut scope = Scope::new();
    let state = graph.state(0);
    scope.bind("x", state);
    let root = lower(&parse(&format!("x^{exponent}")).unwrap(), &scope, &mut graph).unwrap();
    let mut program = Program::compile(&graph, &[root], 1).unwrap();
    xs.iter()
        .map(|&x| {
            let mut out = [0.0];
            program.eval(0.0, &[x], &mut out);
            out[0]
        })
        .collect()
}

/// Special values and a deterministic spread of bit patterns over the whole f64 range.
fn power_inputs() -> Vec<f64> {
    let mut xs = vec![
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        -f64::from_bits(0x000f_ffff_ffff_ffff),
        f64::MIN_POSITIVE,
        -f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        1.0,
        -1.0,
        2.0,
        -4.0,
        0.25,
        1e-320,
        1e154,
        1e200,
        -1e-300,
    ];
    // A 64-bit LCG (Knuth's MMIX constants): reproducible, and covers every exponent and sign.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..200_000 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        xs.push(f64::from_bits(state));
    }
    xs
}

fn same_bits(a: f64, b: f64) -> bool {
    // A NaN's payload is not observable in any output; every other bit is compared.
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn ulps_apart(a: f64, b: f64) -> u64 {
    let ordered = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 { i64::MIN - bits } else { bits }
    };
    (ordered(a) - ordered(b)).unsigned_abs()
}

/// The value of `x^e` for one exponent `e`, as a function of `x`.
type Definition = fn(f64) -> f64;

/// `x^2` and `x^0.5` are defined as correctly rounded (`x*x`; `sqrt` with `pow`'s +0 at −0 and
/// +inf at −inf); the graph rewrites them to exactly that, and constant folding, the bytecode's
/// general power instruction and the reference tree walk compute the same. Against glibc's
/// `powf` (IEEE `pow`, within 1 ulp): identical at every special case (±0, ±inf, NaN, negative
/// bases), within 1 ulp elsewhere, subnormals included.
#[test]
fn power_rewrites_are_bit_identical_to_the_definition_of_power() {
    let xs = power_inputs();
    let definitions: [(&str, f64, Definition); 3] = [
        ("0.5", 0.5, |x| {
            if x == f64::NEG_INFINITY {
                f64::INFINITY
            } else {
                x.sqrt() + 0.0
            }
        }),
        ("2", 2.0, |x| x * x),
        ("1", 1.0, |x| x),
    ];
    for (exponent, e, definition) in definitions {
        let rewritten = compiled_powers(exponent, &xs);
        // `x^y` with y a state: the general instruction, no rewrite.
        let general = compiled_general_powers(e, &xs);
        for ((&x, got), unrewritten) in xs.iter().zip(rewritten).zip(general) {
            let what = format!("x^{exponent} at x = {x:e}");
            assert!(same_bits(got, definition(x)), "{what}: {got:e}");
            assert!(
                same_bits(got, unrewritten),
                "{what}: general instruction {unrewritten:e}"
            );
            assert!(same_bits(got, relapse::expr::power(x, e)), "{what}: folding");
            let libm = x.powf(std::hint::black_box(e));
            // IEEE 754 pow's special cases: zeros, infinities, NaN, and NaN for x < 0 at 0.5.
            let special = x == 0.0 || !x.is_finite() || libm.is_nan();
            if special {
                assert!(same_bits(got, libm), "{what}: {got:e}, powf {libm:e}");
            } else {
                assert!(ulps_apart(got, libm) <= 1, "{what}: {got:e}, powf {libm:e}");
            }
        }
    }
    // The two places where a plain square root would differ from `pow`.
    assert_eq!(compiled_powers("0.5", &[-0.0])[0].to_bits(), 0.0_f64.to_bits());
    assert_eq!(compiled_powers("0.5", &[f64::NEG_INFINITY])[0], f64::INFINITY);
}

/// `x^y` compiled with `y` a state (so no rewrite applies), at `y = exponent`.
fn compiled_general_powers(exponent: f64, xs: &[f64]) -> Vec<f64> {
    let mut graph = Graph::new();
    let mut scope = Scope::new();
    let (x, y) = (graph.state(0), graph.state(1));
    scope.bind("x", x);
    scope.bind("y", y);
    let root = lower(&parse("x^y").unwrap(), &scope, &mut graph).unwrap();
    let mut program = Program::compile(&graph, &[root], 2).unwrap();
    xs.iter()
        .map(|&x| {
            let mut out = [0.0];
            program.eval(0.0, &[x, exponent], &mut out);
            out[0]
        })
        .collect()
}

/// A minimal valid model with `extra` appended (sections or keys after `[outputs]`).
fn minimal(parameters: &str, states: &str, extra: &str) -> String {
    format!(
        "[model]\nname = \"m\"\n[parameters]\n{parameters}\n[states]\n{states}\n\
         [equations]\nx = \"-x\"\n{extra}"
    )
}

#[test]
fn out_of_range_numbers_in_toml_and_expressions_are_located_errors() {
    let toml = minimal(
        "k = 99999999999999999999\nj = 1e999\nm = 1e-400",
        "x = \"2e308\"",
        "",
    );
    assert_eq!(
        errors(&toml),
        [
            "4:5 parameter `k`: integer literal `99999999999999999999` is out of range for a 64-bit integer",
            "5:5 parameter `j`: number `1e999` is out of range for a 64-bit float",
            "8:6 number literal `2e308` is out of range for a 64-bit float",
        ]
    );
    // The hint gives the float the integer was presumably meant to be.
    let hints = model::load(&toml)
        .unwrap_err()
        .iter()
        .next()
        .unwrap()
        .hints
        .clone();
    assert_eq!(hints, ["write it as a float: `1e20`"]);
}

#[test]
fn names_that_break_csv_or_markdown_are_refused_all_at_once() {
    let toml = minimal(
        "time = 1\n\"k|2\" = 2",
        "x = 1\nregimen = 1",
        "regimen = \"0\"\n[derived]\n\"a\\nb\" = \"x\"\n[outputs]\n\"C (ng/mL)\" = \"x\"\n\
         [regimens.\"q 24h\"]\ndoses = []\n",
    );
    assert_eq!(
        errors(&toml),
        [
            "4:1 `time` cannot be a parameter name",
            "5:1 `k|2` is not a valid parameter name",
            "8:1 `regimen` cannot be a state name",
            "13:1 `a\\nb` is not a valid derived value name",
            "15:1 `C (ng/mL)` is not a valid output name",
            "16:11 `q 24h` is not a valid regimen name",
        ]
    );
    let spellings: Vec<String> = model::load(&toml)
        .unwrap_err()
        .iter()
        .filter_map(|d| d.hints.iter().find(|h| h.starts_with("write it as")).cloned())
        .collect();
    assert_eq!(
        spellings,
        [
            "write it as `k_2`",
            "write it as `a_b`",
            "write it as `C_ng_mL`",
            "write it as `q_24h`"
        ]
    );
}

#[test]
fn a_state_named_time_is_refused_even_without_outputs() {
    // Without [outputs], every state is an output column: `time` would repeat the header.
    let toml = minimal("", "time = 1\nx = 1", "time = \"0\"\n");
    assert_eq!(errors(&toml), ["6:1 `time` cannot be a state name"]);
}

/// The deepest accepted trees go through every pass that recurses over the syntax tree
/// (lowering, the reference walk, clone, drop) on a test thread's default 2 MiB stack, in an
/// unoptimised build, and through compile, simulate and the monitor's time derivative.
#[test]
fn the_deepest_accepted_expressions_run_through_the_whole_pipeline() {
    let calls = format!("{}x{}", "abs(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    let runs = format!(
        "{}x{}",
        "x + 0.5 * (".repeat(MAX_NESTING / 2),
        ")".repeat(MAX_NESTING / 2)
    );
    let signs = format!("{}x", "-".repeat(MAX_NESTING));
    for src in [calls, runs, signs] {
        let ast = parse(&src).unwrap();
        let copy = ast.clone();
        assert_eq!(copy, ast);
        let reference = relapse::expr::reference_eval(&ast, &|n| (n == "x").then_some(1.5)).unwrap();
        assert_eq!(eval_chain(&src, 1.5).to_bits(), reference.to_bits());
        let compiled = common::compile(&model_with_output(&src));
        let measured = compiled
            .measure(&compiled.regimens[0], 1.0, &SolverOptions::new(1))
            .unwrap();
        assert!(measured.metrics.exposures[0].auc.is_finite());
    }
}
