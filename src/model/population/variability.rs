//! `[population.parameters]`: which parameters vary, with which distribution and spread.

use toml::de::{DeTable, DeValue};

use super::super::Parameter;
use super::super::reader::{Reader, Value, span_of};
use crate::diagnostic::{Diagnostic, Span, line_column};
use crate::population::{Distribution, PopulationSpec, Variability, omega_from_cv};

const VARIABILITY_KEYS: [&str; 4] = ["cv", "omega", "sd", "distribution"];
const SPREADS: [&str; 3] = ["cv", "omega", "sd"];

/// Reads `[population.parameters]` into `spec.variability`; returns every key listed (valid or
/// not), so that correlations naming an entry with problems do not add a second error.
pub(super) fn read_variability<'v>(
    reader: &mut Reader<'_>,
    value: &'v Value<'_>,
    parameters: &[Parameter],
    spec: &mut PopulationSpec,
) -> Vec<&'v str> {
    let Some(table) = reader.table(value, "[population.parameters]") else {
        return Vec::new();
    };
    let mut listed = Vec::new();
    for (key, entry) in table.iter() {
        let name: &str = key.get_ref();
        listed.push(name);
        let parameter = find_parameter(reader, name, span_of(key), parameters);
        let Some(shape) = read_shape(reader, name, entry) else {
            continue;
        };
        let Some(parameter) = parameter else {
            continue;
        };
        let typical = parameters[parameter].value;
        if let (false, Err(reason)) = (typical.is_nan(), shape.0.check_typical(typical)) {
            let (line, _) = line_column(reader.source, parameters[parameter].span.start);
            reader.error(
                Diagnostic::error(
                    span_of(key),
                    format!(
                        "`{name}` has {} variability but its typical value is {typical}",
                        shape.0
                    ),
                )
                .with_hint(reason)
                .with_hint(format!(
                    "the typical value is declared on line {line}; \
                     for a parameter that may be ≤ 0 use `distribution = \"normal\"`"
                )),
            );
            continue;
        }
        spec.variability.push(Variability {
            parameter,
            name: name.to_string(),
            distribution: shape.0,
            omega: shape.1,
            span: span_of(key),
        });
    }
    listed
}

fn find_parameter(
    reader: &mut Reader<'_>,
    name: &str,
    span: Span,
    parameters: &[Parameter],
) -> Option<usize> {
    let index = parameters.iter().position(|p| p.name == name);
    if index.is_none() {
        let names = parameters.iter().map(|p| p.name.as_str());
        reader.error(
            Diagnostic::error(
                span,
                format!("unknown parameter `{name}` in [population.parameters]"),
            )
            .with_hint(match crate::suggest::closest(name, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "only parameters declared in [parameters] can vary".to_string(),
            }),
        );
    }
    if let Some(expr) = index.and_then(|i| parameters[i].expr.as_ref()) {
        let from = super::super::derived_parameters::names_used(expr);
        reader.error(
            Diagnostic::error(
                span,
                format!(
                    "`{name}` in [population.parameters] is a derived parameter, computed from {}",
                    super::super::derived_parameters::list_names(&from)
                ),
            )
            .with_hint("let the parameters it is computed from vary instead; it follows them"),
        );
        return None;
    }
    index
}

/// The distribution and the eta's standard deviation of one `{ cv | omega | sd, distribution }`.
fn read_shape(reader: &mut Reader<'_>, name: &str, entry: &Value<'_>) -> Option<(Distribution, f64)> {
    let context = format!("[population.parameters] `{name}`");
    let DeValue::Table(table) = entry.get_ref() else {
        reader.error(
            Diagnostic::error(
                span_of(entry),
                format!("{context} must be a table such as `{{ cv = 0.3 }}`"),
            )
            .with_hint(format!(
                "`{name} = {{ cv = 0.3 }}` is log-normal variability with a 30 % coefficient of variation"
            )),
        );
        return None;
    };
    reader.check_keys(table, &VARIABILITY_KEYS, &context);
    let distribution = match table.get("distribution") {
        None => Some(Distribution::LogNormal),
        Some(v) => read_distribution(reader, v),
    };
    let spread = read_spread(reader, name, entry, table, distribution?);
    Some((distribution?, spread?))
}

fn read_distribution(reader: &mut Reader<'_>, value: &Value<'_>) -> Option<Distribution> {
    let name = reader.string(value, "`distribution`")?;
    let distribution = Distribution::from_name(&name);
    if distribution.is_none() {
        let names = Distribution::NAMES;
        reader.error(
            Diagnostic::error(span_of(value), format!("unknown distribution `{name}`"))
                .with_optional_hint(
                    crate::suggest::closest(&name, names).map(|s| format!("did you mean `{s}`?")),
                )
                .with_hint(format!("distributions: {}", names.join(", "))),
        );
    }
    distribution
}

/// The standard deviation of the eta from exactly one of `cv`, `omega`, `sd`.
fn read_spread(
    reader: &mut Reader<'_>,
    name: &str,
    entry: &Value<'_>,
    table: &DeTable<'_>,
    distribution: Distribution,
) -> Option<f64> {
    let allowed: &[&str] = match distribution {
        Distribution::LogNormal => &["cv", "omega"],
        Distribution::Normal => &["sd"],
        Distribution::LogitNormal => &["omega"],
    };
    let expected = allowed
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    let given: Vec<(&str, &Value<'_>)> = SPREADS
        .iter()
        .filter_map(|&k| table.get(k).map(|v| (k, v)))
        .collect();
    if given.is_empty() {
        reader.error(
            Diagnostic::error(span_of(entry), format!("`{name}` has no {expected}"))
                .with_hint(format!("add one, e.g. {}", example_spread(distribution))),
        );
        return None;
    }
    let (mut chosen, mut ok) = (None, true);
    for &(key, value) in &given {
        let problem = if !allowed.contains(&key) {
            format!("`{key}` does not apply to {distribution} `{name}`")
        } else if let Some((first, _)) = chosen {
            format!("conflicting `{first}` and `{key}` for `{name}`")
        } else {
            chosen = Some((key, value));
            continue;
        };
        let hint = if allowed.contains(&key) {
            format!("give exactly one of {expected}")
        } else {
            format!(
                "a {distribution} parameter takes {expected}; {}",
                spread_meaning(key)
            )
        };
        reader.error(Diagnostic::error(span_of(value), problem).with_hint(hint));
        ok = false;
    }
    let (key, value) = chosen?;
    let x = reader.number(value, &format!("`{key}` of `{name}`"))?;
    if x < 0.0 {
        reader.error(
            Diagnostic::error(
                span_of(value),
                format!("`{key}` of `{name}` must be ≥ 0, found {x}"),
            )
            .with_hint("it is a spread; use 0 for no variability"),
        );
        return None;
    }
    ok.then(|| if key == "cv" { omega_from_cv(x) } else { x })
}

fn spread_meaning(key: &str) -> &'static str {
    match key {
        "cv" => "`cv` is the coefficient of variation of a log-normal parameter",
        "sd" => "`sd` is the standard deviation of an additive `normal` parameter",
        _ => "`omega` is the standard deviation of the eta on the log or logit scale",
    }
}

fn example_spread(distribution: Distribution) -> &'static str {
    match distribution {
        Distribution::LogNormal => "`cv = 0.3` (30 %) or `omega = 0.3`",
        Distribution::Normal => "`sd = 0.05` (in the parameter's unit)",
        Distribution::LogitNormal => "`omega = 0.3` (on the logit scale)",
    }
}
