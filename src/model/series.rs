//! Series: the values a model can show by name — its outputs, states and derived values —
//! for figure panels and for `--outputs`. A state or derived value becomes an output whose
//! formula is its own name, so every consumer of outputs shows it with no extra machinery.

use super::{Derived, Model, Output, StateVariable};
use crate::diagnostic::Span;
use crate::expr::{Expr, ExprKind};

/// What a series name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesSource {
    /// The output of this index.
    Output(usize),
    /// The state of this index.
    State(usize),
    /// The derived value of this index.
    Derived(usize),
}

impl Model {
    /// What the series `name` of a panel refers to: an output, else a state, else a derived
    /// value.
    pub fn series_source(&self, name: &str) -> Option<SeriesSource> {
        series_source(&self.outputs, &self.states, &self.derived, name)
    }

    /// Every name a panel may show (outputs, states, derived values), for suggestions.
    pub fn series_names(&self) -> Vec<&str> {
        let outputs = self.outputs.iter().map(|o| o.name.as_str());
        let states = self.states.iter().map(|s| s.name.as_str());
        outputs
            .chain(states)
            .chain(self.derived.iter().map(|d| d.name.as_str()))
            .collect()
    }
}

pub(super) fn series_source(
    outputs: &[Output],
    states: &[StateVariable],
    derived: &[Derived],
    name: &str,
) -> Option<SeriesSource> {
    let output = outputs
        .iter()
        .position(|o| o.name == name)
        .map(SeriesSource::Output);
    let state = || {
        states
            .iter()
            .position(|s| s.name == name)
            .map(SeriesSource::State)
    };
    let derived = || {
        derived
            .iter()
            .position(|d| d.name == name)
            .map(SeriesSource::Derived)
    };
    output.or_else(state).or_else(derived)
}

impl Model {
    /// The output that shows series `name`: the output of that name, else the state or derived
    /// value as an output (the state's unit; a derived value has none). `None` for an unknown
    /// name.
    pub fn series_output(&self, name: &str) -> Option<Output> {
        let value = |unit: Option<String>| Output {
            name: name.to_string(),
            expr: Expr {
                kind: ExprKind::Name(name.to_string()),
                span: Span::new(0, 0),
            },
            unit,
            exposure: false,
            target: None,
        };
        match self.series_source(name)? {
            SeriesSource::Output(i) => Some(self.outputs[i].clone()),
            SeriesSource::State(i) => Some(value(self.states[i].unit.clone())),
            SeriesSource::Derived(_) => Some(value(None)),
        }
    }

    /// Appends an output for every name of `names` that is a state or derived value and not
    /// already an output, so that it can be selected like any output column. Unknown names are
    /// left for the caller to report. Returns whether any output was added.
    pub fn expose_series(&mut self, names: &[String]) -> bool {
        let mut added = false;
        for name in names {
            if matches!(
                self.series_source(name),
                Some(SeriesSource::State(_) | SeriesSource::Derived(_))
            ) && let Some(output) = self.series_output(name)
            {
                self.outputs.push(output);
                added = true;
            }
        }
        added
    }
}
