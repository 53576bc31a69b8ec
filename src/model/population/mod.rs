//! The `[population]` section: patient count, seed, inter-individual variability of listed
//! parameters and correlations between their etas, read into a [`PopulationSpec`].

mod correlations;
mod variability;

use toml::de::DeValue;

use super::Parameter;
use super::reader::{Reader, Value, span_of};
use crate::diagnostic::Diagnostic;
use crate::population::{MAX_PATIENTS, PopulationSpec};

const POPULATION_KEYS: [&str; 4] = ["size", "seed", "parameters", "correlations"];

/// Reads `[population]`, if present; problems go to `reader`, and entries with problems are left
/// out of the spec.
const NO_VARIABILITY_HINT: &str =
    "every patient is the typical patient; add `[population.parameters]`, e.g. `CL = { cv = 0.3 }`";

pub(super) fn read_population(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
    parameters: &[Parameter],
) -> Option<PopulationSpec> {
    let section = section?;
    let table = reader.table(section, "[population]")?;
    reader.check_keys(table, &POPULATION_KEYS, "[population]");
    let mut spec = PopulationSpec {
        size: table.get("size").and_then(|v| read_size(reader, v)),
        seed: table
            .get("seed")
            .and_then(|v| whole_number(reader, v, "seed", 2021)),
        span: span_of(section),
        ..PopulationSpec::default()
    };
    let listed = match table.get("parameters") {
        Some(v) => variability::read_variability(reader, v, parameters, &mut spec),
        None => Vec::new(),
    };
    if let Some(v) = table.get("correlations") {
        correlations::read_correlations(reader, v, &listed, &mut spec);
    }
    if spec.variability.is_empty() && listed.is_empty() {
        reader.error(
            Diagnostic::warning(span_of(section), "[population] lists no varying parameters")
                .with_hint(NO_VARIABILITY_HINT),
        );
    }
    Some(spec)
}

fn read_size(reader: &mut Reader<'_>, value: &Value<'_>) -> Option<u64> {
    let size = whole_number(reader, value, "size", 500)?;
    if (1..=MAX_PATIENTS).contains(&size) {
        return Some(size);
    }
    let (message, hint) = if size == 0 {
        (
            "`size` must be ≥ 1, found 0".to_string(),
            "a population needs at least one patient",
        )
    } else {
        (
            format!("`size` must be at most {MAX_PATIENTS} (10^8), found {size}"),
            "the bound keeps a run and its output files a manageable size",
        )
    };
    reader.error(Diagnostic::error(span_of(value), message).with_hint(hint));
    None
}

/// A whole number in `0..=u64::MAX`: an integer of any size (TOML integers are 64-bit signed,
/// but the text is kept, so a seed may use the whole `u64` range), or a float that is whole and
/// exact (≤ 2^53, e.g. `1e5`).
fn whole_number(reader: &mut Reader<'_>, value: &Value<'_>, key: &str, example: u64) -> Option<u64> {
    const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    let span = span_of(value);
    let what = &format!("`{key}`");
    let parsed = match value.get_ref() {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).map_err(|_| None),
        DeValue::Float(_) => {
            let x = reader.number(value, what)?;
            if x.fract() != 0.0 {
                Err(Some(format!("{what} must be a whole number, found {x}")))
            } else if x.abs() > EXACT_FLOAT_LIMIT {
                Err(Some(format!("{what} = {x} is too large to be exact as a float")))
            } else {
                Ok(x as i128)
            }
        }
        _ => {
            reader.wrong_type(value, what, "a whole number");
            return None;
        }
    };
    let message = match parsed {
        Ok(n) if n < 0 => format!("{what} must be ≥ 0, found {n}"),
        Ok(n) => match u64::try_from(n) {
            Ok(n) => return Some(n),
            Err(_) => format!("{what} must be at most {} (2^64 − 1), found {n}", u64::MAX),
        },
        Err(Some(message)) => message,
        Err(None) => format!("{what} must be at most {} (2^64 − 1)", u64::MAX),
    };
    let hint = format!("write a whole number, e.g. `{key} = {example}`");
    reader.error(Diagnostic::error(span, message).with_hint(hint));
    None
}

#[cfg(test)]
mod tests;
