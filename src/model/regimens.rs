//! The `[regimens.NAME]` sections and their `doses` arrays.

use toml::de::{DeTable, DeValue};

use super::reader::{Reader, Value, span_of};
use super::{DoseQuantity, DoseSpec, InfusionSpec, RegimenSpec, StateVariable};
use crate::diagnostic::{Diagnostic, Span};
use crate::regimen::Cycle;

const DOSE_KEYS: [&str; 13] = [
    "target",
    "amount",
    "start",
    "interval",
    "count",
    "duration",
    "rate",
    "lag",
    "bioavailability",
    "while",
    "cycle",
    "ss",
    "ss_states",
];

pub(super) fn read_regimens(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
    states: &[StateVariable],
) -> Vec<RegimenSpec> {
    let Some(table) = section.and_then(|v| reader.table(v, "[regimens]")) else {
        return Vec::new();
    };
    let mut regimens = Vec::new();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        // A regimen name may hold dots (`"qw_3.33mgkg"`, a dose in a name), quoted in TOML.
        reader.identifier(&name.replace('.', "_"), span_of(key), "regimen");
        let context = format!("[regimens.{name}]");
        let Some(regimen) = reader.table(value, &context) else {
            continue;
        };
        if dotted_name(reader, name, regimen) {
            continue;
        }
        reader.check_keys(
            regimen,
            &["title", "doses", "parameters", "switches", "rules"],
            &context,
        );
        let title = regimen.get("title").and_then(|v| reader.string(v, "`title`"));
        let doses = match regimen.get("doses") {
            Some(v) => read_doses(reader, v, states, &context),
            None => {
                reader.error(
                    Diagnostic::error(span_of(key), format!("{context} has no `doses`"))
                        .with_hint("add `doses = [ ... ]`; write `doses = []` for an untreated arm"),
                );
                Vec::new()
            }
        };
        let parameters = regimen
            .get("parameters")
            .map(|v| super::regimen_parameters::read(reader, v, &context))
            .unwrap_or_default();
        let adaptive = super::adaptive::read_adaptive(reader, regimen, span_of(key), &context);
        if let Some(second) = doses.iter().filter(|d| d.steady_state.is_some()).nth(1) {
            reader.error(
                Diagnostic::error(
                    second.span,
                    format!("{context} has more than one `ss = true` dose"),
                )
                .with_hint(
                    "one dose line sets the steady state the regimen starts from; drop `ss` from the others",
                ),
            );
        }
        regimens.push(RegimenSpec {
            name: name.to_string(),
            title,
            doses,
            parameters,
            adaptive,
        });
    }
    regimens
}

/// `[regimens.qw_3.33mgkg]` is TOML for a table `qw_3` holding a table `33mgkg`: a regimen
/// whose only entries are tables (no `doses`) is reported with the quoted spelling.
fn dotted_name(reader: &mut Reader<'_>, name: &str, regimen: &DeTable<'_>) -> bool {
    if regimen.contains_key("doses") || regimen.is_empty() {
        return false;
    }
    let nested: Vec<(&str, Span)> = regimen
        .iter()
        .filter(|(_, v)| matches!(v.get_ref(), DeValue::Table(_)))
        .map(|(k, _)| (k.get_ref().as_ref(), span_of(k)))
        .filter(|(k, _)| *k != "parameters")
        .collect();
    if nested.is_empty() {
        return false;
    }
    for (inner, span) in nested {
        reader.error(
            Diagnostic::error(
                span,
                format!("`[regimens.{name}.{inner}]` is a table `{inner}` inside a regimen `{name}`, not a regimen"),
            )
            .with_hint(format!(
                "a dot separates TOML table names; to name the regimen `{name}.{inner}`, quote it: `[regimens.\"{name}.{inner}\"]` (or write `{name}_{inner}`)"
            )),
        );
    }
    true
}

fn read_doses(
    reader: &mut Reader<'_>,
    value: &Value<'_>,
    states: &[StateVariable],
    context: &str,
) -> Vec<DoseSpec> {
    let DeValue::Array(items) = value.get_ref() else {
        reader.wrong_type(value, &format!("`doses` in {context}"), "an array of tables");
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let table = reader.table(item, &format!("a dose in {context}"))?;
            let steady_state = super::cycles::read_steady_state(reader, table, states);
            let mut dose = read_dose(reader, table, span_of(item), states, context)?;
            dose.steady_state = steady_state?;
            Some(dose)
        })
        .collect()
}

fn read_dose(
    reader: &mut Reader<'_>,
    table: &DeTable<'_>,
    span: Span,
    states: &[StateVariable],
    context: &str,
) -> Option<DoseSpec> {
    let dose_context = format!("a dose of {context}");
    reader.check_keys(table, &DOSE_KEYS, &dose_context);
    let target = read_target(reader, table, span, states);
    let amount = match table.get("amount") {
        Some(v) => reader.expression(v, "`amount`"),
        None => {
            reader.error(
                Diagnostic::error(span, format!("{dose_context} has no `amount`"))
                    .with_hint("add `amount = ...`"),
            );
            None
        }
    };
    let start = match table.get("start") {
        Some(v) => reader.number_where(v, "`start`", ("must be ≥ 0", |x| x >= 0.0)),
        None => Some(0.0),
    };
    let interval = table
        .get("interval")
        .and_then(|v| reader.number_where(v, "`interval`", ("must be > 0", |x| x > 0.0)));
    if let Some(cycle) = table.get("cycle") {
        if let Some(count) = table.get("count") {
            reader.error(
                Diagnostic::error(span_of(count), "a dose with a `cycle` cannot also have a `count`")
                    .with_hint("the number of cycles is the cycle's own `count`: `cycle = { length = 21, on = \"1-14\", count = 6 }`"),
            );
        }
        // Slots are one time unit apart unless `interval` says otherwise.
        let interval = match table.get("interval") {
            Some(_) => interval,
            None => Some(1.0),
        };
        let cycle = super::cycles::read_cycle(reader, cycle, interval);
        return finish_dose(reader, table, span, (target, amount, start), (interval, cycle));
    }
    let count = match table.get("count") {
        Some(v) => reader
            .number_where(
                v,
                "`count`",
                ("must be a whole number ≥ 1", |x| {
                    x >= 1.0 && x.fract() == 0.0 && x <= 1e9
                }),
            )
            .map(|x| x as u32),
        None => Some(1),
    };
    if count.is_some_and(|c| c > 1) && interval.is_none() && !table.contains_key("interval") {
        reader.error(
            Diagnostic::error(
                span_of(table.get("count").expect("count > 1 was read")),
                "`count` > 1 needs an `interval`",
            )
            .with_hint("add `interval = ...` (time between administrations)"),
        );
    }
    let infusion = read_infusion(reader, table)?;
    let lag = table.get("lag").and_then(|v| reader.expression(v, "`lag`"));
    let bioavailability = table
        .get("bioavailability")
        .and_then(|v| reader.expression(v, "`bioavailability`"));
    Some(DoseSpec {
        target: target?,
        amount: amount?,
        start: start?,
        interval,
        count: count?,
        cycle: None,
        steady_state: None,
        infusion,
        lag,
        bioavailability,
        span,
    })
}

/// The rest of a dose with a cycle: its count is the cycle's number of administrations.
fn finish_dose(
    reader: &mut Reader<'_>,
    table: &DeTable<'_>,
    span: Span,
    (target, amount, start): (Option<usize>, Option<DoseQuantity>, Option<f64>),
    (interval, cycle): (Option<f64>, Option<Cycle>),
) -> Option<DoseSpec> {
    let infusion = read_infusion(reader, table)?;
    let lag = table.get("lag").and_then(|v| reader.expression(v, "`lag`"));
    let bioavailability = table
        .get("bioavailability")
        .and_then(|v| reader.expression(v, "`bioavailability`"));
    let cycle = cycle?;
    if table.contains_key("count") {
        return None;
    }
    Some(DoseSpec {
        target: target?,
        amount: amount?,
        start: start?,
        interval: Some(interval?),
        // read_cycle bounds the administrations to MAX_CYCLE_ADMINISTRATIONS (< u32::MAX).
        count: u32::try_from(cycle.administrations()).ok()?,
        cycle: Some(cycle),
        steady_state: None,
        infusion,
        lag,
        bioavailability,
        span,
    })
}

fn read_target(
    reader: &mut Reader<'_>,
    table: &DeTable<'_>,
    span: Span,
    states: &[StateVariable],
) -> Option<usize> {
    let Some(value) = table.get("target") else {
        reader.error(
            Diagnostic::error(span, "dose has no `target`")
                .with_hint("add `target = \"STATE\"` (the state that receives the dose)"),
        );
        return None;
    };
    let name = reader.string(value, "`target`")?;
    let found = states.iter().position(|s| s.name == name);
    if found.is_none() {
        let names = states.iter().map(|s| s.name.as_str());
        reader.error(
            Diagnostic::error(span_of(value), format!("unknown state `{name}` as dose target"))
                .with_optional_hint(
                    crate::suggest::closest(&name, names.clone()).map(|s| format!("did you mean `{s}`?")),
                )
                .with_hint(format!("states: {}", names.collect::<Vec<_>>().join(", "))),
        );
    }
    found
}

/// `Some(None)` for a bolus, `Some(Some(_))` for an infusion, `None` if the entry is broken.
fn read_infusion(reader: &mut Reader<'_>, table: &DeTable<'_>) -> Option<Option<InfusionSpec>> {
    match (table.get("duration"), table.get("rate")) {
        (Some(_), Some(rate)) => {
            reader.error(
                Diagnostic::error(span_of(rate), "a dose has both `duration` and `rate`")
                    .with_hint("an infusion is given by its duration or by its rate, not both"),
            );
            None
        }
        (Some(d), None) => Some(Some(InfusionSpec::Duration(reader.expression(d, "`duration`")?))),
        (None, Some(r)) => Some(Some(InfusionSpec::Rate(reader.expression(r, "`rate`")?))),
        (None, None) => Some(None),
    }
}
