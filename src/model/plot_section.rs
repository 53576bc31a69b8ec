//! `[plot]`: figure settings stored with the model, so that `relapse plot MODEL` shows what
//! the model is about without flags: extra panels of outputs, states or derived values, each
//! on a log or linear axis, and a canvas size that has room for them.
//!
//! ```toml
//! [plot]
//! height = 1300
//! panels = [
//!   { series = ["P"], scale = "log", title = "persisters" },
//!   { series = ["S", "R"], scale = "log" },
//! ]
//! ```

use toml::de::DeValue;

use super::reader::{Reader, Value, span_of};
use super::series::series_source;
use super::{Derived, Output, StateVariable};
use crate::diagnostic::{Diagnostic, Span};

/// Most extra panels in one figure: each needs 40 px of plotting height at least, and a
/// figure of more panels is no longer readable on a slide.
pub const MAX_PANELS: usize = 6;
/// Most series in one panel (the palette has 8 colours).
pub const MAX_SERIES: usize = 8;

/// The y scale of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AxisScale {
    /// Linear (the default for an extra panel).
    #[default]
    Linear,
    /// Logarithmic, base 10.
    Log,
}

impl AxisScale {
    /// The scale called `text` (`log` or `linear`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "log" => Some(Self::Log),
            "linear" => Some(Self::Linear),
            _ => None,
        }
    }
}

/// One extra panel: the series drawn in it, one curve per series and regimen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PanelSpec {
    /// Names of outputs, states or derived values (outputs first when a name is both).
    pub series: Vec<String>,
    /// Its y scale.
    pub scale: AxisScale,
    /// y-axis title; default: the series names and their common unit.
    pub title: Option<String>,
}

/// `[plot]` settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlotSpec {
    /// Extra panels below the main and exposure panels, in order.
    pub panels: Vec<PanelSpec>,
    /// Canvas width in pixels, unless `--width` is given.
    pub width: Option<u32>,
    /// Canvas height in pixels, unless `--height` is given.
    pub height: Option<u32>,
}

/// The names a model offers to `[plot]`.
pub(super) struct Series<'m> {
    pub(super) outputs: &'m [Output],
    pub(super) states: &'m [StateVariable],
    pub(super) derived: &'m [Derived],
}

pub(super) fn read_plot(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
    names: &Series<'_>,
) -> Option<PlotSpec> {
    let value = section?;
    let table = reader.table(value, "[plot]")?;
    reader.check_keys(table, &["panels", "width", "height"], "[plot]");
    let side = (
        "must be a whole number of pixels from 1 to 16384",
        pixels as fn(f64) -> bool,
    );
    let size = |reader: &mut Reader<'_>, key: &str| {
        let v = table.get(key)?;
        reader
            .number_where(v, &format!("`{key}`"), side)
            .map(|x| x as u32)
    };
    let width = size(reader, "width");
    let height = size(reader, "height");
    let panels = table
        .get("panels")
        .map_or_else(Vec::new, |v| read_panels(reader, v, names));
    Some(PlotSpec {
        panels,
        width,
        height,
    })
}

fn pixels(x: f64) -> bool {
    x.fract() == 0.0 && (1.0..=16_384.0).contains(&x)
}

fn read_panels(reader: &mut Reader<'_>, value: &Value<'_>, names: &Series<'_>) -> Vec<PanelSpec> {
    let DeValue::Array(items) = value.get_ref() else {
        reader.wrong_type(value, "`panels`", "an array of tables");
        return Vec::new();
    };
    if items.len() > MAX_PANELS {
        reader.error(
            Diagnostic::error(
                span_of(value),
                format!("{} panels, at most {MAX_PANELS} are allowed", items.len()),
            )
            .with_hint("put several series in one panel: `series = [\"S\", \"P\"]`"),
        );
        return Vec::new();
    }
    items
        .iter()
        .filter_map(|item| read_panel(reader, item, names))
        .collect()
}

fn read_panel(reader: &mut Reader<'_>, value: &Value<'_>, names: &Series<'_>) -> Option<PanelSpec> {
    let table = reader.table(value, "a panel")?;
    reader.check_keys(table, &["series", "scale", "title"], "a panel");
    let title = table.get("title").and_then(|v| reader.string(v, "`title`"));
    let scale = match table.get("scale") {
        None => Some(AxisScale::default()),
        Some(v) => {
            let text = reader.string(v, "`scale`")?;
            let scale = AxisScale::parse(&text);
            if scale.is_none() {
                reader.error(
                    Diagnostic::error(span_of(v), format!("unknown scale `{text}`"))
                        .with_hint("write `scale = \"log\"` or `scale = \"linear\"`"),
                );
            }
            scale
        }
    };
    let Some(series) = table.get("series") else {
        reader.error(
            Diagnostic::error(span_of(value), "a panel has no `series`")
                .with_hint("add e.g. `series = [\"P\"]`: outputs, states or derived values"),
        );
        return None;
    };
    let series = read_series(reader, series, names)?;
    Some(PanelSpec {
        series,
        scale: scale?,
        title,
    })
}

fn read_series(reader: &mut Reader<'_>, value: &Value<'_>, names: &Series<'_>) -> Option<Vec<String>> {
    let DeValue::Array(items) = value.get_ref() else {
        reader.wrong_type(value, "`series`", "an array of names");
        return None;
    };
    if items.is_empty() || items.len() > MAX_SERIES {
        reader.error(
            Diagnostic::error(
                span_of(value),
                format!("{} series in a panel, expected 1 to {MAX_SERIES}", items.len()),
            )
            .with_hint("split the series over several panels"),
        );
        return None;
    }
    let mut series = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items.iter() {
        let Some(name) = reader.string(item, "a series") else {
            ok = false;
            continue;
        };
        if series_source(names.outputs, names.states, names.derived, &name).is_none() {
            reader.error(unknown_series(&name, span_of(item), names));
            ok = false;
        }
        series.push(name);
    }
    ok.then_some(series)
}

fn unknown_series(name: &str, span: Span, names: &Series<'_>) -> Diagnostic {
    let all: Vec<&str> = names
        .outputs
        .iter()
        .map(|o| o.name.as_str())
        .chain(names.states.iter().map(|s| s.name.as_str()))
        .chain(names.derived.iter().map(|d| d.name.as_str()))
        .collect();
    Diagnostic::error(span, format!("unknown series `{name}` in [plot]"))
        .with_optional_hint(
            crate::suggest::closest(name, all.iter().copied()).map(|s| format!("did you mean `{s}`?")),
        )
        .with_hint("a series is an output, a state or a derived value of the model")
}
