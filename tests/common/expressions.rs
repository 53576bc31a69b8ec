//! Random expression texts over every operator and function of the language, for the property
//! tests of the bytecode, the native code and the symbolic Jacobian. Each test supplies its own
//! leaves (numbers and names in the ranges it needs).
#![allow(dead_code, unreachable_pub)]

use proptest::prelude::*;

/// Expressions up to `depth` levels and about `size` nodes, built from `leaf`: arithmetic, unary
/// minus, powers with fixed exponents, every function, `min`/`max`/`pow` with 2 and 3 arguments,
/// `if` with compound (possibly negated) conditions, and one form the language refuses (`!` outside
/// a condition), which a test must skip.
pub fn expression(leaf: BoxedStrategy<String>, depth: u32, size: u32) -> impl Strategy<Value = String> {
    leaf.prop_recursive(depth, size, 3, |inner| {
        let comparison = (
            inner.clone(),
            inner.clone(),
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]),
        )
            .prop_map(|(a, b, op)| format!("({a} {op} {b})"));
        let condition = (
            comparison.clone(),
            comparison,
            prop::sample::select(vec!["&&", "||"]),
            any::<bool>(),
        )
            .prop_map(|(a, b, op, negate)| {
                if negate {
                    format!("!({a} {op} {b})")
                } else {
                    format!("({a} {op} {b})")
                }
            });
        prop_oneof![
            (
                inner.clone(),
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "/"])
            )
                .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (
                inner.clone(),
                prop::sample::select(vec!["1.5", "0.3", "x", "y", "-0.7", "2", "0.5", "3", "0"])
            )
                .prop_map(|(a, e)| format!("{a}^{e}")),
            (
                inner.clone(),
                prop::sample::select(vec!["exp", "log", "ln", "log10", "sqrt", "abs", "floor", "ceil"])
            )
                .prop_map(|(a, f)| format!("{f}({a})")),
            (
                inner.clone(),
                inner.clone(),
                prop::sample::select(vec!["min", "max", "pow"])
            )
                .prop_map(|(a, b, f)| format!("{f}({a}, {b})")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("max({a}, {b}, {c})")),
            (condition.clone(), inner.clone()).prop_map(|(c, a)| format!("!{c} * {a}")),
            (condition, inner.clone(), inner).prop_map(|(c, a, b)| format!("if({c}, {a}, {b})")),
        ]
    })
}
