//! What a figure adds to the relapse curves, resolved before anything is solved: the shown
//! time unit (`--time-unit`), extra panels (`--panels`, `[plot] panels`), measurements
//! (`--data`) and the canvas size (`--width`/`--height`, `[plot]`, defaults).

use relapse::model::{Model, PanelSpec};
use relapse::observed::ObservedRow;
use relapse::plot::Figure;
use relapse::units::{TimeUnit, conversion};

use super::CliError;
use super::args::FigureArgs;
use super::figure::Context;
use super::observed::{self, Targets};

/// Canvas size without `--width`/`--height` or `[plot]` sizes.
pub(crate) const DEFAULT_SIZE: (u32, u32) = (1200, 750);

/// A figure's additions, checked.
pub(crate) struct Extras {
    /// Model time × this = shown time.
    pub(crate) time_factor: f64,
    /// Extra panels.
    pub(crate) specs: Vec<PanelSpec>,
    /// Canvas size.
    pub(crate) size: (u32, u32),
    data: Vec<ObservedRow>,
    targets: Targets,
}

impl Extras {
    /// Resolves and checks the additions of a figure of `model` drawing outputs `selected`.
    pub(crate) fn new(model: &Model, args: &FigureArgs, selected: &[usize]) -> Result<Self, CliError> {
        let time_factor = match args.time_unit {
            Some(unit) => conversion(model.time_unit.as_deref(), unit.into())
                .map_err(|e| CliError::Usage(format!("`--time-unit`: {e}")))?,
            None => 1.0,
        };
        let specs = super::panels::specs(model, &args.panels)?;
        let plot = model.plot.as_ref();
        let size = (
            args.width
                .or(plot.and_then(|p| p.width))
                .unwrap_or(DEFAULT_SIZE.0),
            args.height
                .or(plot.and_then(|p| p.height))
                .unwrap_or(DEFAULT_SIZE.1),
        );
        let targets = Targets::new(model, selected, &specs);
        let data = match &args.data {
            Some(path) => observed::load(path, model, &targets)?,
            None => Vec::new(),
        };
        Ok(Self {
            time_factor,
            specs,
            size,
            data,
            targets,
        })
    }

    /// Adds the panels and measurements to `figure` (built in the shown time unit, except its
    /// dose rug and time axis, converted here) and sets its size.
    pub(crate) fn apply(&self, context: &Context<'_>, figure: &mut Figure) -> Result<(), CliError> {
        figure.size = self.size;
        figure.t_end *= self.time_factor;
        for dose in &mut figure.doses {
            dose.start *= self.time_factor;
            dose.end = dose.end.map(|e| e * self.time_factor);
        }
        figure.panels = super::panels::panels(context, &self.specs, self.time_factor)?;
        observed::attach(
            figure,
            &self.data,
            &self.targets,
            (context.regimens, self.time_factor),
        );
        let late = self
            .data
            .iter()
            .filter(|r| r.time > context.settings.t_end)
            .count();
        if late > 0 {
            // Not an error: a data set often runs longer than the simulated interval.
            super::console::stderr(&format!(
                "warning: {late} measurement{} after t_end = {} {} not shown; raise --t-end to see them\n",
                if late == 1 { "" } else { "s" },
                context.settings.t_end,
                if late == 1 { "is" } else { "are" },
            ))?;
        }
        Ok(())
    }
}

/// The time unit the figure is shown in: `--time-unit`, else the model's.
pub(crate) fn shown_time_unit<'m>(model: &'m Model, args: &FigureArgs) -> Option<&'m str> {
    match args.time_unit {
        Some(unit) => Some(TimeUnit::from(unit).name()),
        None => model.time_unit.as_deref(),
    }
}
