//! `parameters = { NAME = VALUE, … }` inside `[regimens.NAME]`: parameter overrides applied
//! while that regimen runs (precedence: `--set` > regimen > the file's or a virtual patient's
//! value).

use toml::de::DeValue;

use super::reader::{Reader, Value, span_of};
use super::{Derived, Parameter, RegimenSpec, StateVariable};
use crate::diagnostic::{Diagnostic, Span};

/// Most overrides one regimen may carry (bounds user-controlled work per regimen).
const MAX_OVERRIDES: usize = 10_000;

/// One `NAME = VALUE` of a regimen's `parameters` table.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenParameter {
    /// Parameter name (checked against `[parameters]` once those are known).
    pub name: String,
    /// Value while the regimen runs.
    pub value: f64,
    /// Span of the name.
    pub span: Span,
}

/// Reads the `parameters` table of `context` (a regimen); names are checked by [`check`].
pub(super) fn read(reader: &mut Reader<'_>, value: &Value<'_>, context: &str) -> Vec<RegimenParameter> {
    let what = format!("`parameters` in {context}");
    let Some(table) = reader.table(value, &what) else {
        return Vec::new();
    };
    if table.len() > MAX_OVERRIDES {
        reader.error(Diagnostic::error(
            span_of(value),
            format!(
                "{what} has {} entries; at most {MAX_OVERRIDES} are allowed",
                table.len()
            ),
        ));
        return Vec::new();
    }
    table
        .iter()
        .filter_map(|(key, v)| {
            let name: &str = key.get_ref();
            if let DeValue::String(_) = v.get_ref() {
                reader.error(
                    Diagnostic::error(
                        span_of(v),
                        format!("parameter `{name}` in {context} must be a number, found a string"),
                    )
                    .with_hint(
                        "a regimen overrides parameters with numbers; write derived formulas in [parameters]",
                    ),
                );
                return None;
            }
            let value = reader.number(v, &format!("parameter `{name}` in {context}"))?;
            Some(RegimenParameter {
                name: name.to_string(),
                value,
                span: span_of(key),
            })
        })
        .collect()
}

/// Checks that every override names a parameter (not a state or a derived value), like
/// `--set`, with a did-you-mean hint.
pub(super) fn check(
    reader: &mut Reader<'_>,
    regimen: &RegimenSpec,
    parameters: &[Parameter],
    states: &[StateVariable],
    derived: &[Derived],
) {
    let context = &format!("[regimens.{}]", regimen.name);
    for o in &regimen.parameters {
        let diagnostic = if let Some(p) = parameters.iter().find(|p| p.name == o.name) {
            let Some(expr) = &p.expr else { continue };
            Diagnostic::error(
                o.span,
                format!(
                    "`{}` in {context} is a derived parameter, computed from {}",
                    o.name,
                    super::derived_parameters::list_names(&super::derived_parameters::names_used(expr))
                ),
            )
            .with_hint("override the parameters it is computed from instead")
        } else if states.iter().any(|s| s.name == o.name) {
            Diagnostic::error(
                o.span,
                format!("`{}` in {context} is a state, not a parameter", o.name),
            )
            .with_hint("a regimen can override parameters only; a state's value is set by a dose")
        } else if derived.iter().any(|d| d.name == o.name) {
            Diagnostic::error(
                o.span,
                format!("`{}` in {context} is a derived value, not a parameter", o.name),
            )
            .with_hint("override the parameters it is computed from instead")
        } else {
            Diagnostic::error(o.span, format!("unknown parameter `{}` in {context}", o.name))
                .with_optional_hint(
                    crate::suggest::closest(&o.name, parameters.iter().map(|p| p.name.as_str()))
                        .map(|s| format!("did you mean `{s}`?")),
                )
        };
        reader.error(diagnostic);
    }
}
