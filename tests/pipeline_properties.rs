//! Property (issue "Hardening"): any model that `relapse::model::load` accepts (what `relapse
//! check` accepts) runs through compile, `simulate` and `measure` (what `compare` runs) and
//! every exporter without a panic. Errors are fine. Models are small and random: expressions
//! over the declared parameters, states and `t`, random dose lines, sometimes a `[relapse]`
//! section and exposure outputs. The run goes through the fuzz `pipeline` harness
//! (`fuzz/harness/mod.rs`), which also checks one CSV row per output time and JSON that parses.

use proptest::prelude::*;

#[path = "../fuzz/harness/mod.rs"]
mod harness;

/// Numbers as they appear in model files: ordinary magnitudes mostly, some edge cases.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (-20i32..20).prop_map(|i| format!("{}", f64::from(i) / 4.0)),
        3 => (1u32..1000, -6i32..6).prop_map(|(m, e)| format!("{m}e{e}")),
        1 => prop::sample::select(vec!["0", "1e-300", "1e300", "1_000", "0.1"]).prop_map(str::to_string),
    ]
}

/// Non-negative numbers, for dose times.
fn time() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0u32..40).prop_map(|i| format!("{}", f64::from(i) / 4.0)),
        1 => prop::sample::select(vec!["0", "1e-300", "0.1", "1e3"]).prop_map(str::to_string),
    ]
}

/// An expression over `names` and `pi` (and `t` if `with_t`: it is not allowed in initial
/// values and dose quantities), at most `depth` levels deep.
fn expression(names: Vec<String>, depth: u32, with_t: bool) -> BoxedStrategy<String> {
    let mut leaves = vec!["pi".to_string()];
    if with_t {
        leaves.push("t".to_string());
    }
    leaves.extend(names);
    let leaf = prop_oneof![number(), prop::sample::select(leaves)].boxed();
    leaf.prop_recursive(depth, 24, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "/", "^"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (
                prop::sample::select(vec!["exp", "log", "ln", "log10", "sqrt", "abs", "floor", "ceil"]),
                inner.clone()
            )
                .prop_map(|(f, a)| format!("{f}({a})")),
            (
                prop::sample::select(vec!["pow", "min", "max"]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
            (
                inner.clone(),
                prop::sample::select(vec!["<", ">=", "=="]),
                inner.clone(),
                inner.clone(),
                inner
            )
                .prop_map(|(a, cmp, b, x, y)| format!("if({a} {cmp} {b}, {x}, {y})")),
        ]
    })
    .boxed()
}

/// A dose quantity: mostly `abs(…)` of an expression of parameters, so that most are valid.
fn quantity(parameters: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => expression(parameters.clone(), 1, false).prop_map(|e| format!("abs({e})")),
        1 => expression(parameters, 1, false),
    ]
}

/// One `doses` entry for one of `states` states, quantities expressions of `parameters`.
fn dose(states: usize, parameters: Vec<String>) -> impl Strategy<Value = String> {
    (
        0..states,
        quantity(parameters.clone()),
        prop::option::of(time()),
        prop::option::of((time(), 1u32..6)),
        prop::option::of((any::<bool>(), quantity(parameters.clone()))),
        prop::option::of(quantity(parameters.clone())),
        prop::option::of(quantity(parameters)),
    )
        .prop_map(|(target, amount, start, repeat, infusion, lag, bio)| {
            let mut fields = vec![
                format!("target = \"x{target}\""),
                format!("amount = \"{amount}\""),
            ];
            fields.extend(start.map(|s| format!("start = {s}")));
            if let Some((interval, count)) = repeat {
                fields.push(format!("interval = {interval}"));
                fields.push(format!("count = {count}"));
            }
            if let Some((by_rate, q)) = infusion {
                fields.push(format!("{} = \"{q}\"", if by_rate { "rate" } else { "duration" }));
            }
            fields.extend(lag.map(|l| format!("lag = \"{l}\"")));
            fields.extend(bio.map(|b| format!("bioavailability = \"{b}\"")));
            format!("{{ {} }}", fields.join(", "))
        })
}

/// A whole model file.
fn model() -> impl Strategy<Value = String> {
    (prop::collection::vec(number(), 0..4), 1usize..4).prop_flat_map(|(values, states)| {
        let parameters: Vec<String> = (0..values.len()).map(|i| format!("p{i}")).collect();
        let mut names = parameters.clone();
        names.extend((0..states).map(|i| format!("x{i}")));
        (
            Just(values),
            prop::collection::vec(expression(parameters.clone(), 1, false), states),
            prop::collection::vec(expression(names.clone(), 3, true), states),
            prop::option::of(expression(names.clone(), 2, true)),
            prop::collection::vec((expression(names.clone(), 2, true), any::<bool>()), 0..3),
            prop::collection::vec(prop::collection::vec(dose(states, parameters), 0..4), 0..3),
            (
                prop::sample::select(vec!["1", "10", "100", "0.001"]),
                any::<bool>(),
            ),
        )
            .prop_map(
                |(values, initial, equations, observable, outputs, regimens, solver)| {
                    let mut toml = String::from("[model]\nname = \"m\"\n\n[parameters]\n");
                    for (i, v) in values.iter().enumerate() {
                        toml += &format!("p{i} = {v}\n");
                    }
                    toml += "\n[states]\n";
                    for (i, init) in initial.iter().enumerate() {
                        toml += &format!("x{i} = \"{init}\"\n");
                    }
                    toml += "\n[equations]\n";
                    for (i, rhs) in equations.iter().enumerate() {
                        toml += &format!("x{i} = \"{rhs}\"\n");
                    }
                    if !outputs.is_empty() {
                        toml += "\n[outputs]\n";
                        for (i, (expr, exposure)) in outputs.iter().enumerate() {
                            toml += &format!("y{i} = {{ expr = \"{expr}\", exposure = {exposure} }}\n");
                        }
                    }
                    if let Some(observable) = observable {
                        toml += &format!("\n[relapse]\nobservable = \"{observable}\"\n");
                    }
                    let (t_end, method) = solver;
                    let method = if method { "dopri5" } else { "dop853" };
                    toml +=
                        &format!("\n[solver]\nt_end = {t_end}\nmethod = \"{method}\"\nmax_steps = 2000\n");
                    for (r, doses) in regimens.iter().enumerate() {
                        toml += &format!("\n[regimens.r{r}]\ndoses = [ {} ]\n", doses.join(", "));
                    }
                    toml
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn accepted_models_simulate_and_compare_without_panicking(source in model()) {
        harness::pipeline(source.as_bytes());
    }
}

/// The generator is not vacuous: a good share of its models are valid and reach the solver.
#[test]
fn generated_models_are_often_valid() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = model();
    let valid = (0..100)
        .filter(|_| {
            let source = strategy.new_tree(&mut runner).expect("tree").current();
            harness::prepare(source.as_bytes()).is_some()
        })
        .count();
    assert!(valid >= 30, "only {valid} of 100 generated models are valid");
}
