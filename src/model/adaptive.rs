//! Reading the adaptive part of `[regimens.NAME]`: `switches`, `rules` and each dose's `while`.

use toml::de::{DeTable, DeValue};

use super::reader::{Reader, Value, span_of};
use crate::diagnostic::{Diagnostic, Span};
use crate::expr::{BinaryOp, Expr, ExprKind};
use crate::regimen::adaptive::{Gate, MAX_RULES, MAX_SWITCHES};

/// The switches, rules and dose gates of one regimen, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveSpec {
    /// Switch names and initial values, in file order.
    pub switches: Vec<(String, bool)>,
    /// One entry per dose entry of the regimen (in file order): its `while`, if any.
    pub gates: Vec<Option<Gate>>,
    /// Rules in file order.
    pub rules: Vec<RuleSpec>,
}

/// One `rules` entry: fires when `left − right` crosses zero in its direction.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    /// A of `A < B` / `A > B`.
    pub left: Expr,
    /// B.
    pub right: Expr,
    /// True for `>` (upward crossing), false for `<`.
    pub rising: bool,
    /// Switch indices and values to set.
    pub set: Vec<(usize, bool)>,
}

/// Reads `switches`, `rules` and the doses' `while`; `None` if the regimen uses none of them.
pub(super) fn read_adaptive(
    reader: &mut Reader<'_>,
    regimen: &DeTable<'_>,
    name_span: Span,
    context: &str,
) -> Option<AdaptiveSpec> {
    let dose_items: Vec<&Value<'_>> = match regimen.get("doses").map(|v| v.get_ref()) {
        Some(DeValue::Array(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    let whiles: Vec<Option<&Value<'_>>> = dose_items
        .iter()
        .map(|item| match item.get_ref() {
            DeValue::Table(t) => t.get("while"),
            _ => None,
        })
        .collect();
    let switches_value = regimen.get("switches");
    let rules_value = regimen.get("rules");
    if switches_value.is_none() && rules_value.is_none() && whiles.iter().all(Option::is_none) {
        return None;
    }
    let switches = match switches_value {
        Some(v) => read_switches(reader, v, context),
        None => {
            let what = if rules_value.is_some() {
                "`rules`"
            } else {
                "a dose with `while`"
            };
            reader.error(
                Diagnostic::error(name_span, format!("{context} has {what} but no `switches`"))
                    .with_hint("declare the switches with their initial values: `switches = { on = true }`"),
            );
            Vec::new()
        }
    };
    let names: Vec<&str> = switches.iter().map(|(n, _)| n.as_str()).collect();
    let gates = whiles
        .iter()
        .map(|w| w.and_then(|v| read_gate(reader, v, &names)))
        .collect();
    let rules = match rules_value {
        Some(v) => read_rules(reader, v, &names, context),
        None => Vec::new(),
    };
    Some(AdaptiveSpec {
        switches,
        gates,
        rules,
    })
}

fn read_switches(reader: &mut Reader<'_>, value: &Value<'_>, context: &str) -> Vec<(String, bool)> {
    let Some(table) = reader.table(value, &format!("`switches` in {context}")) else {
        return Vec::new();
    };
    if table.len() > MAX_SWITCHES {
        reader.error(
            Diagnostic::error(
                span_of(value),
                format!(
                    "{context} declares {} switches; at most {MAX_SWITCHES} are supported",
                    table.len()
                ),
            )
            .with_hint("split the regimen, or combine switches"),
        );
        return Vec::new();
    }
    let mut switches = Vec::new();
    for (key, v) in table.iter() {
        let name: &str = key.get_ref();
        if !reader.identifier(name, span_of(key), "switch") {
            continue;
        }
        let what = format!("switch `{name}` (its initial value)");
        if let Some(b) = reader.boolean(v, &what) {
            switches.push((name.to_string(), b));
        }
    }
    switches
}

/// A located "unknown switch" error, with a did-you-mean.
fn unknown_switch(reader: &mut Reader<'_>, span: Span, name: &str, names: &[&str]) {
    let hint = if names.is_empty() {
        "declare it in `switches = { … }`".to_string()
    } else {
        format!("switches: {}", names.join(", "))
    };
    reader.error(
        Diagnostic::error(span, format!("unknown switch `{name}`"))
            .with_optional_hint(
                crate::suggest::closest(name, names.iter().copied()).map(|s| format!("did you mean `{s}`?")),
            )
            .with_hint(hint),
    );
}

fn read_gate(reader: &mut Reader<'_>, value: &Value<'_>, names: &[&str]) -> Option<Gate> {
    let text = reader.string(value, "`while`")?;
    let trimmed = text.trim();
    let (wanted, name) = match trimmed.strip_prefix('!') {
        Some(rest) => (false, rest.trim()),
        None => (true, trimmed),
    };
    match names.iter().position(|n| *n == name) {
        Some(switch) => Some(Gate { switch, wanted }),
        None => {
            unknown_switch(reader, span_of(value), name, names);
            None
        }
    }
}

fn read_rules(reader: &mut Reader<'_>, value: &Value<'_>, names: &[&str], context: &str) -> Vec<RuleSpec> {
    let DeValue::Array(items) = value.get_ref() else {
        reader.wrong_type(value, &format!("`rules` in {context}"), "an array of tables");
        return Vec::new();
    };
    if items.len() > MAX_RULES {
        reader.error(
            Diagnostic::error(
                span_of(value),
                format!(
                    "{context} has {} rules; at most {MAX_RULES} are supported",
                    items.len()
                ),
            )
            .with_hint("combine rules that set the same switches"),
        );
        return Vec::new();
    }
    items
        .iter()
        .filter_map(|item| {
            let table = reader.table(item, &format!("a rule in {context}"))?;
            read_rule(reader, table, span_of(item), names)
        })
        .collect()
}

fn read_rule(reader: &mut Reader<'_>, table: &DeTable<'_>, span: Span, names: &[&str]) -> Option<RuleSpec> {
    reader.check_keys(table, &["crossing", "set"], "a rule");
    let crossing = match table.get("crossing") {
        Some(v) => read_crossing(reader, v),
        None => {
            reader.error(
                Diagnostic::error(span, "a rule has no `crossing`")
                    .with_hint("add `crossing = \"N < 0.5 * N0\"` (fires when N falls below 0.5·N0)"),
            );
            None
        }
    };
    let set = match table.get("set") {
        Some(v) => read_set(reader, v, names),
        None => {
            reader.error(
                Diagnostic::error(span, "a rule has no `set`")
                    .with_hint("add `set = { on = false }` (the switches it sets)"),
            );
            None
        }
    };
    let (left, right, rising) = crossing?;
    Some(RuleSpec {
        left,
        right,
        rising,
        set: set?,
    })
}

/// `"A < B"` or `"A > B"`: exactly one comparison, at the top.
fn read_crossing(reader: &mut Reader<'_>, value: &Value<'_>) -> Option<(Expr, Expr, bool)> {
    let expr = reader.expression(value, "`crossing`")?;
    let malformed = |reader: &mut Reader<'_>, message: &str| {
        reader.error(
            Diagnostic::error(span_of(value), format!("`crossing` {message}")).with_hint(
                "write one comparison `A < B` (fires when A falls below B) or `A > B` (when A rises above B)",
            ),
        );
        None
    };
    match expr.kind {
        ExprKind::Binary(op @ (BinaryOp::Less | BinaryOp::Greater), a, b) => {
            if has_comparison(&a) || has_comparison(&b) {
                return malformed(reader, "must have exactly one comparison");
            }
            Some((*a, *b, op == BinaryOp::Greater))
        }
        ExprKind::Binary(BinaryOp::LessEq | BinaryOp::GreaterEq, ..) => malformed(
            reader,
            "uses `<=` or `>=`; a crossing has no equality case, use `<` or `>`",
        ),
        _ => malformed(reader, "is not a comparison `A < B` or `A > B`"),
    }
}

fn has_comparison(e: &Expr) -> bool {
    use BinaryOp::{And, Eq, Greater, GreaterEq, Less, LessEq, NotEq, Or};
    match &e.kind {
        ExprKind::Number(_) | ExprKind::Name(_) => false,
        ExprKind::Unary(_, x) => has_comparison(x),
        ExprKind::Binary(op, a, b) => {
            matches!(op, Less | LessEq | Greater | GreaterEq | Eq | NotEq | And | Or)
                || has_comparison(a)
                || has_comparison(b)
        }
        ExprKind::Chain(first, rest) => {
            has_comparison(first)
                || rest
                    .iter()
                    .any(|(op, x)| matches!(op, And | Or) || has_comparison(x))
        }
        // A comparison inside a function call (`if(x > 1, a, b)`) is a value, not the crossing.
        ExprKind::Call { .. } => false,
    }
}

fn read_set(reader: &mut Reader<'_>, value: &Value<'_>, names: &[&str]) -> Option<Vec<(usize, bool)>> {
    let table = reader.table(value, "`set`")?;
    let mut set = Vec::new();
    let mut ok = true;
    for (key, v) in table.iter() {
        let name: &str = key.get_ref();
        let value = reader.boolean(v, &format!("`set.{name}`"));
        match (names.iter().position(|n| *n == name), value) {
            (Some(i), Some(b)) => set.push((i, b)),
            (None, _) => {
                unknown_switch(reader, span_of(key), name, names);
                ok = false;
            }
            _ => ok = false,
        }
    }
    ok.then_some(set)
}
