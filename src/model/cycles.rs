//! The `cycle = { length = L, on = "DAYS", count = C }` field of a dose.

use toml::de::DeValue;

use super::reader::{Reader, Value, span_of};
use crate::diagnostic::Diagnostic;
use crate::regimen::{Cycle, SlotError, parse_slots};

/// The most administrations one dose's cycles may list (cycles × slots), as for `count`.
const MAX_CYCLE_ADMINISTRATIONS: u64 = 1_000_000_000;

/// Reads and checks a dose's `cycle` table; `interval` is the dose's spacing of slots (`None`
/// if it was invalid: the slots are then not checked against the length).
pub(super) fn read_cycle(reader: &mut Reader<'_>, value: &Value<'_>, interval: Option<f64>) -> Option<Cycle> {
    let table = reader.table(value, "`cycle`")?;
    reader.check_keys(table, &["length", "on", "count"], "`cycle`");
    let missing = |reader: &mut Reader<'_>, key: &str, example: &str| {
        reader.error(
            Diagnostic::error(span_of(value), format!("`cycle` has no `{key}`"))
                .with_hint(format!("add `{key} = {example}")),
        );
    };
    let length = match table.get("length") {
        Some(v) => reader.number_where(v, "cycle `length`", ("must be a finite number > 0", |x| x > 0.0)),
        None => {
            missing(
                reader,
                "length",
                "21` (time units from one cycle's start to the next)",
            );
            None
        }
    };
    let count = match table.get("count") {
        Some(v) => reader
            .number_where(
                v,
                "cycle `count`",
                ("must be a whole number ≥ 1 (the number of cycles)", |x| {
                    x >= 1.0 && x.fract() == 0.0 && x <= 1e9
                }),
            )
            .map(|x| x as u32),
        None => {
            missing(reader, "count", "6` (the number of cycles)");
            None
        }
    };
    let on = match table.get("on") {
        Some(v) => read_slots(reader, v),
        None => {
            missing(reader, "on", "\"1-14\"` (the slots dosed in each cycle, from 1)");
            None
        }
    };
    let cycle = Cycle {
        length: length?,
        on: on?,
        count: count?,
    };
    if let Some(interval) = interval {
        check_fits(
            reader,
            &cycle,
            interval,
            table.get("on").map_or(span_of(value), span_of),
        )?;
    }
    let total = cycle.administrations();
    if total > MAX_CYCLE_ADMINISTRATIONS {
        reader.error(
            Diagnostic::error(
                span_of(value),
                format!(
                    "this cycle lists {total} administrations ({} per cycle × {} cycles), more than {MAX_CYCLE_ADMINISTRATIONS}",
                    cycle.slots_per_cycle(),
                    cycle.count
                ),
            )
            .with_hint("lower the cycle's `count` or the slots in `on`"),
        );
        return None;
    }
    Some(cycle)
}

fn read_slots(reader: &mut Reader<'_>, value: &Value<'_>) -> Option<Vec<crate::regimen::SlotRange>> {
    let DeValue::String(text) = value.get_ref() else {
        reader.wrong_type(
            value,
            "cycle `on`",
            "a string of slots such as \"1-14\" or \"1-2,5\"",
        );
        return None;
    };
    match parse_slots(text) {
        Ok(slots) => Some(slots),
        Err(e) => {
            let hint = match e {
                SlotError::Repeated(_) => "list each slot once: `\"1-5\"` rather than `\"1-5,3\"`",
                SlotError::Backwards { .. } => "write a range from its first slot to its last: `\"2-5\"`",
                _ => "slots count from 1 and are listed as `\"1-14\"` or `\"1-2,5\"`",
            };
            reader.error(Diagnostic::error(span_of(value), format!("cycle `on`: {e}")).with_hint(hint));
            None
        }
    }
}

/// Every slot's administration must fall inside its cycle: (last slot − 1)·interval < length.
fn check_fits(
    reader: &mut Reader<'_>,
    cycle: &Cycle,
    interval: f64,
    span: crate::diagnostic::Span,
) -> Option<()> {
    let slot = cycle.last_slot();
    let offset = f64::from(slot - 1) * interval;
    if offset < cycle.length {
        return Some(());
    }
    let hint = if interval == 1.0 {
        format!(
            "a cycle of length {} has slots 1 to {}: lengthen the cycle or drop the later slots",
            cycle.length,
            cycle.length.ceil()
        )
    } else {
        format!(
            "slots are `interval` = {interval} apart: lengthen the cycle, shorten `interval` or drop the later slots"
        )
    };
    reader.error(
        Diagnostic::error(
            span,
            format!(
                "slot {slot} falls {offset} after the cycle's start, beyond the cycle `length` = {}",
                cycle.length
            ),
        )
        .with_hint(hint),
    );
    None
}

/// Reads `ss` and `ss_states` of a dose: `Some(None)` for an ordinary dose, `Some(Some(states))`
/// for a steady-state start (state indices, all by default), `None` if something is wrong.
pub(super) fn read_steady_state(
    reader: &mut Reader<'_>,
    table: &toml::de::DeTable<'_>,
    states: &[super::StateVariable],
) -> Option<Option<Vec<usize>>> {
    let ss = match table.get("ss") {
        Some(v) => reader.boolean(v, "`ss`")?,
        None => false,
    };
    let listed = table.get("ss_states");
    if !ss {
        if let Some(v) = listed {
            reader.error(
                Diagnostic::error(span_of(v), "`ss_states` without `ss = true`")
                    .with_hint("add `ss = true` to start this dose at steady state, or drop `ss_states`"),
            );
            return None;
        }
        return Some(None);
    }
    let ss_span = table.get("ss").map(span_of)?;
    let mut ok = true;
    let mut refuse = |reader: &mut Reader<'_>, message: &str, hint: &str| {
        reader.error(Diagnostic::error(ss_span, message.to_string()).with_hint(hint.to_string()));
        ok = false;
    };
    if !table.contains_key("interval") {
        refuse(
            reader,
            "`ss = true` needs an `interval`",
            "steady state is reached when the dose is given every `interval` forever: add `interval = ...`",
        );
    }
    if table.contains_key("cycle") {
        refuse(
            reader,
            "`ss = true` cannot be combined with a `cycle`",
            "start the steady state with a plain repeated dose (`interval`, `count`) and give the cycles as another dose line",
        );
    }
    if table.get("start").is_some_and(|v| !is_zero(v.get_ref())) {
        refuse(
            reader,
            "a steady-state dose starts the run: its `start` must be 0",
            "drop `start`, or shift the other doses instead",
        );
    }
    let indices = match listed {
        None => Some((0..states.len()).collect()),
        Some(v) => read_state_list(reader, v, states),
    };
    if ok { indices.map(Some) } else { None }
}

/// True for a literal 0 (`0`, `0.0`); a start that is not a number is reported elsewhere.
fn is_zero(value: &DeValue<'_>) -> bool {
    match value {
        DeValue::Integer(i) => i
            .as_str()
            .trim_start_matches(['+', '-'])
            .bytes()
            .all(|b| b == b'0' || b == b'_'),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>() == Ok(0.0),
        _ => true,
    }
}

fn read_state_list(
    reader: &mut Reader<'_>,
    value: &Value<'_>,
    states: &[super::StateVariable],
) -> Option<Vec<usize>> {
    let DeValue::Array(items) = value.get_ref() else {
        reader.wrong_type(value, "`ss_states`", "an array of state names");
        return None;
    };
    if items.is_empty() {
        reader.error(
            Diagnostic::error(span_of(value), "`ss_states` is empty")
                .with_hint("list the states that reach steady state, e.g. `ss_states = [\"Ag\", \"Ac\"]`, or drop it for all"),
        );
        return None;
    }
    let mut indices = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(name) = reader.string(item, "a state in `ss_states`") else {
            ok = false;
            continue;
        };
        match states.iter().position(|s| s.name == name) {
            Some(i) if !indices.contains(&i) => indices.push(i),
            Some(_) => {}
            None => {
                ok = false;
                let names = states.iter().map(|s| s.name.as_str());
                reader.error(
                    Diagnostic::error(span_of(item), format!("unknown state `{name}` in `ss_states`"))
                        .with_optional_hint(
                            crate::suggest::closest(&name, names.clone())
                                .map(|s| format!("did you mean `{s}`?")),
                        )
                        .with_hint(format!("states: {}", names.collect::<Vec<_>>().join(", "))),
                );
            }
        }
    }
    indices.sort_unstable();
    ok.then_some(indices)
}
