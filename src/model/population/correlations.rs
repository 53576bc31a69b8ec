//! `[population.correlations]`: correlations between etas, and the positive-definiteness of
//! their matrix.

use std::collections::HashMap;

use super::super::reader::{Reader, Value, span_of};
use crate::diagnostic::{Diagnostic, Span, line_column};
use crate::population::{Correlation, PopulationSpec};

/// Reads `[population.correlations]` into `spec.correlations`, then checks the matrix.
pub(super) fn read_correlations(
    reader: &mut Reader<'_>,
    value: &Value<'_>,
    listed: &[&str],
    spec: &mut PopulationSpec,
) {
    let Some(table) = reader.table(value, "[population.correlations]") else {
        return;
    };
    let mut seen: HashMap<(usize, usize), Span> = HashMap::new();
    let mut complete = true;
    for (key, entry) in table.iter() {
        let pair = read_pair(reader, key.get_ref(), span_of(key), listed, spec);
        let what = format!("correlation `{}`", key.get_ref());
        let coefficient = reader.number(entry, &what).and_then(|r| {
            if r.abs() < 1.0 {
                return Some(r);
            }
            reader.error(
                Diagnostic::error(
                    span_of(entry),
                    format!("{what} must be strictly between −1 and 1, found {r}"),
                )
                .with_hint("|r| = 1 would make one eta an exact copy of the other"),
            );
            None
        });
        let (Some((first, second)), Some(coefficient)) = (pair, coefficient) else {
            complete = false;
            continue;
        };
        let span = span_of(key);
        if let Some(previous) = seen.insert((first.min(second), first.max(second)), span) {
            let (line, _) = line_column(reader.source, previous.start);
            reader.error(
                Diagnostic::error(
                    span,
                    format!("duplicate correlation {}", pair_name(spec, first, second)),
                )
                .with_hint(format!("first given on line {line}; keep one of them")),
            );
            complete = false;
            continue;
        }
        spec.correlations.push(Correlation {
            first,
            second,
            coefficient,
            span,
        });
    }
    if complete && let Err(e) = spec.correlation_factor() {
        let message = "the correlation matrix of [population.correlations] is not positive definite";
        let hint = format!(
            "its smallest eigenvalue is {:.3}; these correlations cannot all hold at once \
             (e.g. A,B and B,C strongly positive but A,C negative); weaken some of them",
            e.smallest_eigenvalue
        );
        reader.error(Diagnostic::error(span_of(value), message).with_hint(hint));
    }
}

fn pair_name(spec: &PopulationSpec, first: usize, second: usize) -> String {
    let name = |i: usize| &spec.variability[i].name;
    format!("between `{}` and `{}`", name(first), name(second))
}

/// Indices into `spec.variability` of the two parameters of an `"A,B"` key.
fn read_pair(
    reader: &mut Reader<'_>,
    key: &str,
    span: Span,
    listed: &[&str],
    spec: &PopulationSpec,
) -> Option<(usize, usize)> {
    let names: Vec<&str> = key.split(',').map(str::trim).collect();
    let [a, b] = names[..] else {
        reader.error(
            Diagnostic::error(
                span,
                format!("correlation key `{key}` is not of the form \"A,B\""),
            )
            .with_hint("name two parameters of [population.parameters], e.g. `\"CL,V\" = 0.6`"),
        );
        return None;
    };
    if a == b {
        reader.error(
            Diagnostic::error(span, format!("`{a}` cannot be correlated with itself"))
                .with_hint("a correlation names two different parameters"),
        );
        return None;
    }
    let first = varying(reader, a, span, listed, spec);
    let second = varying(reader, b, span, listed, spec);
    Some((first?, second?))
}

/// Index in `spec.variability` of `name`; reports it if it is not listed at all (an entry that
/// is listed but has problems was already reported).
fn varying(
    reader: &mut Reader<'_>,
    name: &str,
    span: Span,
    listed: &[&str],
    spec: &PopulationSpec,
) -> Option<usize> {
    if let Some(i) = spec.variability.iter().position(|v| v.name == name) {
        return Some(i);
    }
    if !listed.contains(&name) {
        let hint = match crate::suggest::closest(name, listed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "only varying parameters have etas to correlate; \
                 add `{name} = {{ cv = ... }}` to [population.parameters]"
            ),
        };
        let message = format!("`{name}` is not listed in [population.parameters]");
        reader.error(Diagnostic::error(span, message).with_hint(hint));
    }
    None
}
