//! `--data FILE.csv`: reading measurements and placing them on the figure's panels. Rows are
//! checked twice: as CSV by the library ([`relapse::observed`]), then against the model (the
//! regimen exists, the output is drawn); every problem is printed with its line and column.

use std::io::Read;
use std::path::Path;

use relapse::diagnostic::{Diagnostic, Diagnostics};
use relapse::expr::ExprKind;
use relapse::model::{Model, PanelSpec};
use relapse::observed::{MAX_BYTES, ObservedRow, read_observations};
use relapse::plot::{Figure, Observation};
use relapse::regimen::Regimen;

use super::{CliError, EXIT_USAGE, print_diagnostics};

/// Reads the measurements of `path` and checks them against the model and the panels of the
/// figure (`targets`), before anything is solved; located problems are printed.
pub(crate) fn load(path: &Path, model: &Model, targets: &Targets) -> Result<Vec<ObservedRow>, CliError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| CliError::Io(format!("cannot read `{}`: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(CliError::Usage(format!(
            "`{}` is larger than {} MiB, the limit for a data file",
            path.display(),
            MAX_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::Usage(format!(
            "`{}` is not UTF-8 text (byte offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    let reported = |diagnostics: &Diagnostics| match print_diagnostics(path, &text, diagnostics) {
        Ok(()) => CliError::Reported(EXIT_USAGE),
        Err(e) => e,
    };
    let rows = read_observations(&text).map_err(|d| reported(&d))?;
    let mut problems = unknown_regimens(&rows, model);
    problems.extend(undrawn_outputs(&rows, targets));
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(reported(&problems))
    }
}

fn unknown_regimens(rows: &[ObservedRow], model: &Model) -> Diagnostics {
    let names: Vec<&str> = if model.regimens.is_empty() {
        vec!["untreated"]
    } else {
        model.regimens.iter().map(|r| r.name.as_str()).collect()
    };
    let mut problems = Diagnostics::new();
    for row in rows {
        let Some(regimen) = &row.regimen else { continue };
        if !names.contains(&regimen.as_str()) {
            problems.push(
                Diagnostic::error(row.regimen_span, format!("unknown regimen `{regimen}`"))
                    .with_optional_hint(
                        relapse::suggest::closest(regimen, names.iter().copied())
                            .map(|s| format!("did you mean `{s}`?")),
                    )
                    .with_hint(format!("regimens of the model: {}", names.join(", "))),
            );
        }
        if problems.iter().len() >= relapse::observed::MAX_REPORTED {
            break;
        }
    }
    problems
}

fn undrawn_outputs(rows: &[ObservedRow], targets: &Targets) -> Diagnostics {
    let mut problems = Diagnostics::new();
    for row in rows {
        if targets.panel_of(row.output.as_deref()).is_some() {
            continue;
        }
        let output = row.output.as_deref().unwrap_or_default();
        problems.push(
            Diagnostic::error(
                row.output_span,
                format!("output `{output}` is not drawn in this figure"),
            )
            .with_optional_hint(
                relapse::suggest::closest(output, targets.all()).map(|s| format!("did you mean `{s}`?")),
            )
            .with_hint(format!(
                "drawn: {}; add a panel with `--panels {output}`, or leave `output` empty for the main panel",
                targets.all().join(", ")
            )),
        );
        if problems.iter().len() >= relapse::observed::MAX_REPORTED {
            break;
        }
    }
    problems
}

/// What each panel of a figure shows, for matching a row's `output`: the main panel, the
/// exposure panel, then the extra panels.
pub(crate) struct Targets {
    /// Names of the main panel's quantity (the observable's, or the drawn outputs).
    pub(crate) main: Vec<String>,
    /// Outputs in the exposure panel.
    pub(crate) exposure: Vec<String>,
    /// The series of each extra panel.
    pub(crate) panels: Vec<Vec<String>>,
}

impl Targets {
    /// The targets of a figure of `model` with `selected` outputs and `specs` extra panels.
    pub(crate) fn new(model: &Model, selected: &[usize], specs: &[PanelSpec]) -> Self {
        let outputs: Vec<String> = selected.iter().map(|&o| model.outputs[o].name.clone()).collect();
        let (main, exposure) = match &model.relapse {
            Some(relapse) => {
                let mut main = vec!["observable".to_string()];
                main.extend(relapse.name.clone());
                if let ExprKind::Name(name) = &relapse.observable.kind {
                    main.push(name.clone());
                }
                (main, outputs)
            }
            None => (outputs, Vec::new()),
        };
        Self {
            main,
            exposure,
            panels: specs.iter().map(|s| s.series.clone()).collect(),
        }
    }

    /// Which panel draws `output`: 0 the main panel, 1 the exposure panel, 2 + k extra panel k.
    fn panel_of(&self, output: Option<&str>) -> Option<usize> {
        let Some(output) = output else { return Some(0) };
        let has = |names: &[String]| names.iter().any(|n| n == output);
        if has(&self.main) {
            return Some(0);
        }
        if has(&self.exposure) {
            return Some(1);
        }
        self.panels.iter().position(|p| has(p)).map(|k| 2 + k)
    }

    fn all(&self) -> Vec<&str> {
        let all = self
            .main
            .iter()
            .chain(&self.exposure)
            .chain(self.panels.iter().flatten());
        all.map(String::as_str).collect()
    }
}

/// Puts `rows` on the panels of `figure` (times multiplied by `time_factor`); a row of a
/// regimen that is not plotted (`--regimen`) is left out. Rows were checked by [`load`].
pub(crate) fn attach(
    figure: &mut Figure,
    rows: &[ObservedRow],
    targets: &Targets,
    (regimens, time_factor): (&[Regimen], f64),
) {
    for row in rows {
        let colour = match &row.regimen {
            None => None,
            Some(name) => match regimens.iter().position(|r| &r.name == name) {
                Some(i) => Some(i),
                None => continue,
            },
        };
        let observation = Observation {
            time: row.time * time_factor,
            value: row.value,
            bounds: row.bounds,
            colour,
        };
        let target = match targets.panel_of(row.output.as_deref()) {
            Some(0) => Some(&mut figure.main),
            Some(1) => figure.exposure.as_mut(),
            Some(k) => figure.panels.get_mut(k - 2),
            None => None,
        };
        if let Some(target) = target {
            target.observations.push(observation);
        }
    }
}
