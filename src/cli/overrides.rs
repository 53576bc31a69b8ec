//! Which parameters each regimen overrides (its `parameters = { … }` that `--set` does not
//! pin), for `compare`'s table and JSON.

use relapse::export::MetricsFormat;
use relapse::model::{CompiledModel, Model};
use relapse::regimen::Regimen;
use serde_json::Value;

/// The parameters `regimen` runs with that differ from the model's, as (name, value) in file
/// order.
pub(crate) fn regimen_overrides(
    model: &Model,
    compiled: &CompiledModel,
    regimen: &Regimen,
) -> Vec<(String, f64)> {
    let own = compiled.regimen_parameter_values(regimen);
    model
        .parameters
        .iter()
        .zip(own.iter().zip(&compiled.parameter_values))
        .filter(|(_, (a, b))| a.to_bits() != b.to_bits())
        .map(|(p, (&a, _))| (p.name.clone(), a))
        .collect()
}

/// `text` (a rendered comparison) with the overrides of `regimens` added: a `parameters`
/// object per regimen in JSON, a `parameters:` line per overriding regimen after a table;
/// CSV is left as it is (one row per regimen, numbers only).
pub(crate) fn annotate(
    text: String,
    format: MetricsFormat,
    overrides: &[(String, Vec<(String, f64)>)],
) -> String {
    match format {
        MetricsFormat::Json => annotate_json(text, overrides),
        MetricsFormat::Table | MetricsFormat::Markdown => {
            let mut text = text;
            for (name, list) in overrides.iter().filter(|(_, l)| !l.is_empty()) {
                let values: Vec<String> = list.iter().map(|(p, v)| format!("{p} = {v}")).collect();
                let line = format!("parameters of `{name}`: {}\n", values.join(", "));
                text.push_str(&if format == MetricsFormat::Markdown {
                    format!("\n{line}")
                } else {
                    line
                });
            }
            text
        }
        MetricsFormat::Csv => text,
    }
}

fn annotate_json(text: String, overrides: &[(String, Vec<(String, f64)>)]) -> String {
    let Ok(mut document) = serde_json::from_str::<Value>(&text) else {
        return text;
    };
    if let Some(Value::Array(entries)) = document.get_mut("regimens") {
        for (entry, (_, list)) in entries.iter_mut().zip(overrides) {
            let object: serde_json::Map<String, Value> = list
                .iter()
                .map(|(p, v)| {
                    (
                        p.clone(),
                        serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
                    )
                })
                .collect();
            if let Value::Object(map) = entry {
                map.insert("parameters".to_string(), Value::Object(object));
            }
        }
    }
    serde_json::to_string_pretty(&document).map_or(text, |s| s + "\n")
}
