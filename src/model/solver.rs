//! The `[solver]` and `[relapse]` sections.

use toml::de::DeValue;

use super::reader::{Reader, Value, span_of};
use super::{AbsoluteTolerance, OutputGrid, RelapseSpec, SolverSettings, StateVariable};
use crate::diagnostic::Diagnostic;
use crate::solve::Method;

const SOLVER_KEYS: [&str; 8] = [
    "method",
    "rtol",
    "atol",
    "t_end",
    "output_step",
    "output_times",
    "max_steps",
    "max_output_rows",
];

/// Default absolute tolerance for states not listed in an `atol` table without `default`.
pub(crate) const DEFAULT_ATOL: f64 = 1e-9;

fn positive(x: f64) -> bool {
    x > 0.0
}

fn non_negative(x: f64) -> bool {
    x >= 0.0
}

pub(super) fn read_solver(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
    states: &[StateVariable],
) -> SolverSettings {
    let mut settings = SolverSettings::default();
    let Some(table) = section.and_then(|v| reader.table(v, "[solver]")) else {
        return settings;
    };
    reader.check_keys(table, &SOLVER_KEYS, "[solver]");
    let must_be_positive = ("must be > 0", positive as fn(f64) -> bool);
    if let Some(v) = table.get("method") {
        settings.method = read_method(reader, v);
    }
    settings.rtol = table
        .get("rtol")
        .and_then(|v| reader.number_where(v, "`rtol`", must_be_positive));
    settings.atol = table.get("atol").and_then(|v| read_atol(reader, v, states));
    settings.t_end = table
        .get("t_end")
        .and_then(|v| reader.number_where(v, "`t_end`", must_be_positive));
    let whole = (
        "must be a whole number ≥ 1",
        (|x: f64| x >= 1.0 && x.fract() == 0.0) as fn(f64) -> bool,
    );
    settings.max_steps = table
        .get("max_steps")
        .and_then(|v| reader.number_where(v, "`max_steps`", whole))
        .map(|n| n as u64);
    settings.max_output_rows = table
        .get("max_output_rows")
        .and_then(|v| reader.number_where(v, "`max_output_rows`", whole))
        .map(|n| n as u64);
    let step = table.get("output_step");
    let times = table.get("output_times");
    if let (Some(_), Some(t)) = (step, times) {
        reader.error(
            Diagnostic::error(span_of(t), "`output_step` and `output_times` are both given")
                .with_hint("keep one of them"),
        );
    } else if let Some(v) = step {
        settings.output = reader
            .number_where(v, "`output_step`", must_be_positive)
            .map(OutputGrid::Step);
    } else if let Some(v) = times {
        settings.output = read_times(reader, v).map(OutputGrid::Times);
    }
    settings
}

fn read_method(reader: &mut Reader<'_>, value: &Value<'_>) -> Option<Method> {
    let name = reader.string(value, "`method`")?;
    match Method::from_name(&name) {
        Some(m) => Some(m),
        None => {
            let names = Method::NAMES;
            reader.error(
                Diagnostic::error(span_of(value), format!("unknown method `{name}`"))
                    .with_optional_hint(
                        crate::suggest::closest(&name, names).map(|s| format!("did you mean `{s}`?")),
                    )
                    .with_hint(format!("methods: {}", names.join(", "))),
            );
            None
        }
    }
}

fn read_atol(
    reader: &mut Reader<'_>,
    value: &Value<'_>,
    states: &[StateVariable],
) -> Option<AbsoluteTolerance> {
    let must_be_positive = ("must be > 0", positive as fn(f64) -> bool);
    let DeValue::Table(table) = value.get_ref() else {
        let default = reader.number_where(value, "`atol`", must_be_positive)?;
        return Some(AbsoluteTolerance {
            default,
            per_state: Vec::new(),
        });
    };
    let mut atol = AbsoluteTolerance {
        default: DEFAULT_ATOL,
        per_state: Vec::new(),
    };
    for (key, v) in table.iter() {
        let name: &str = key.get_ref();
        let Some(x) = reader.number_where(v, &format!("`atol.{name}`"), must_be_positive) else {
            continue;
        };
        if name == "default" {
            atol.default = x;
        } else if let Some(i) = states.iter().position(|s| s.name == name) {
            atol.per_state.push((i, x));
        } else {
            let candidates = states.iter().map(|s| s.name.as_str()).chain(["default"]);
            reader.error(
                Diagnostic::error(span_of(key), format!("unknown state `{name}` in `atol`"))
                    .with_optional_hint(
                        crate::suggest::closest(name, candidates).map(|s| format!("did you mean `{s}`?")),
                    )
                    .with_hint("keys of an `atol` table are `default` or state names"),
            );
        }
    }
    Some(atol)
}

fn read_times(reader: &mut Reader<'_>, value: &Value<'_>) -> Option<Vec<f64>> {
    let DeValue::Array(items) = value.get_ref() else {
        reader.wrong_type(value, "`output_times`", "an array of numbers");
        return None;
    };
    let mut times = Vec::with_capacity(items.len());
    for item in items.iter() {
        let t = reader.number_where(item, "an output time", ("must be ≥ 0", non_negative))?;
        if times.last().is_some_and(|&last| t <= last) {
            reader.error(
                Diagnostic::error(span_of(item), "`output_times` must be strictly increasing")
                    .with_hint("sort the times and remove duplicates"),
            );
            return None;
        }
        times.push(t);
    }
    if times.is_empty() {
        reader.error(Diagnostic::error(span_of(value), "`output_times` is empty"));
        return None;
    }
    Some(times)
}

pub(super) fn read_relapse(reader: &mut Reader<'_>, section: Option<&Value<'_>>) -> Option<RelapseSpec> {
    let value = section?;
    let table = reader.table(value, "[relapse]")?;
    reader.check_keys(
        table,
        &[
            "observable",
            "name",
            "unit",
            "threshold",
            "detection_limit",
            "threshold_label",
            "detection_label",
        ],
        "[relapse]",
    );
    let name = table.get("name").and_then(|v| reader.string(v, "`name`"));
    let unit = table.get("unit").and_then(|v| reader.string(v, "`unit`"));
    let threshold = table
        .get("threshold")
        .and_then(|v| reader.expression(v, "`threshold`"));
    let detection_limit = table
        .get("detection_limit")
        .and_then(|v| reader.expression(v, "`detection_limit`"));
    let threshold_label = table
        .get("threshold_label")
        .and_then(|v| reader.string(v, "`threshold_label`"));
    let detection_label = table
        .get("detection_label")
        .and_then(|v| reader.string(v, "`detection_label`"));
    let Some(observable) = table.get("observable") else {
        reader.error(
            Diagnostic::error(span_of(value), "[relapse] has no `observable`")
                .with_hint("add e.g. `observable = \"S + P + R\"` (the tumour burden)"),
        );
        return None;
    };
    let observable = reader.expression(observable, "`observable`")?;
    Some(RelapseSpec {
        observable,
        name,
        unit,
        threshold,
        detection_limit,
        threshold_label,
        detection_label,
    })
}
