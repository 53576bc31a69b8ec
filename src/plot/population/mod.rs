//! The figure of a population run: Kaplan–Meier relapse-free survival per arm (step curves,
//! censoring ticks, shaded 95 % bands, the median marked) over a number-at-risk table, as in
//! clinical papers, and below them the population relapse curves (median of the observable
//! with its 25–75 % and 5–95 % bands across patients, threshold and detection limit).
//!
//! A [`PopulationFigure`] is plain data filled by the population runner; [`render_population`]
//! checks the canvas ([`PopulationLayout`]), then draws and writes the file atomically, as
//! [`crate::plot::render`] does. The time ticks of both panels are the columns of the table,
//! so the numbers at risk stand under their ticks.

mod bands;
mod frame;
mod layout;
mod median;
mod scene;
mod shapes;
mod survival;
mod table;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend, WHITE};

pub use layout::PopulationLayout;

use super::draw::err;
use super::layout::{TITLE_FONT, label_area};
use super::output::{ImageFormat, image_format, write_image_with};
use super::panel::PanelLayout;
use super::{ImageMetadata, PlotError, register_font};

/// One regimen's arm of a population figure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SurvivalArm {
    /// Legend and table label: the regimen's title if any, else its name.
    pub label: String,
    /// Palette index, as in `plot` (regimen order).
    pub colour: usize,
    /// Kaplan–Meier step curve: (time, survival, lower, upper) at 0 and at every event time,
    /// in increasing time; S is right-continuous (each value holds until the next time), the
    /// limits are the 95 % log–log interval, NaN where undefined. Times in the figure's unit.
    pub steps: Vec<(f64, f64, f64, f64)>,
    /// Times of censored observations, drawn as ticks on the curve.
    pub censored: Vec<f64>,
    /// Kaplan–Meier median relapse-free time, if reached.
    pub median: Option<f64>,
    /// Number at risk at each of [`PopulationFigure::at_risk_times`].
    pub at_risk: Vec<usize>,
    /// Times of the population relapse curve.
    pub band_times: Vec<f64>,
    /// The 5, 25, 50, 75 and 95 % percentiles of the observable across patients at each of
    /// `band_times` (each as long as `band_times`; NaN leaves a gap).
    pub percentiles: [Vec<f64>; 5],
}

/// A whole population figure.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationFigure {
    /// Title at the top.
    pub title: String,
    /// Time-axis title with its unit (`time [day]`), under both panels.
    pub x_label: String,
    /// End of the time axis of both panels (finite, > 0).
    pub t_end: f64,
    /// One arm per regimen, in regimen order.
    pub arms: Vec<SurvivalArm>,
    /// Times of the number-at-risk columns, which are also the time ticks (see
    /// [`crate::plot::nice_times`]); columns whose labels would overlap are left out. When
    /// empty, round ticks are chosen and the table has no numbers.
    pub at_risk_times: Vec<f64>,
    /// y-axis title of the relapse-curve panel: the observable's name and unit.
    pub y_label: String,
    /// Logarithmic y axis for the relapse-curve panel.
    pub log_y: bool,
    /// Relapse threshold: label and value, drawn as a dashed line.
    pub threshold: Option<(String, f64)>,
    /// Detection limit: label and value, drawn as a dashed line.
    pub detection_limit: Option<(String, f64)>,
    /// Size in pixels.
    pub size: (u32, u32),
}

impl PopulationFigure {
    /// A good default canvas for up to about 8 arms (the smallest is [`PopulationLayout`]'s).
    pub const DEFAULT_SIZE: (u32, u32) = (1200, 900);
}

impl Default for PopulationFigure {
    /// An empty figure on [`PopulationFigure::DEFAULT_SIZE`] with a log relapse-curve axis.
    fn default() -> Self {
        Self {
            title: String::new(),
            x_label: "time".to_string(),
            t_end: 1.0,
            arms: Vec::new(),
            at_risk_times: Vec::new(),
            y_label: String::new(),
            log_y: true,
            threshold: None,
            detection_limit: None,
            size: Self::DEFAULT_SIZE,
        }
    }
}

/// Draws `figure` into `path` (PNG or SVG by extension) through a temporary file in the same
/// folder, renamed into place once complete. The format, the canvas ([`PopulationLayout::check`])
/// and the time axis are checked first; nothing is written if one is refused.
pub fn render_population(figure: &PopulationFigure, path: &Path) -> Result<(), PlotError> {
    render_population_with_metadata(figure, path, &ImageMetadata::default())
}

/// [`render_population`], with `metadata` embedded in the image (PNG text chunks, SVG
/// `<metadata>`).
pub fn render_population_with_metadata(
    figure: &PopulationFigure,
    path: &Path,
    metadata: &ImageMetadata,
) -> Result<(), PlotError> {
    let format = image_format(path)?;
    PopulationLayout::of(figure).check(figure.size)?;
    if !(figure.t_end.is_finite() && figure.t_end > 0.0) {
        return Err(PlotError::TimeAxis(figure.t_end));
    }
    register_font();
    write_image_with(path, (format, metadata), |tmp| match format {
        ImageFormat::Png => {
            let area = BitMapBackend::new(tmp, figure.size).into_drawing_area();
            draw(figure, area, true).map(drop)
        }
        ImageFormat::Svg => {
            let area = SVGBackend::new(tmp, figure.size).into_drawing_area();
            draw(figure, area, false).map(drop)
        }
    })
}

/// The layout of `figure`'s two panels (the survival panel, then the relapse-curve panel)
/// exactly as [`render_population`] draws them: plotting areas, legend boxes, label boxes, the
/// curves' pixels and the bands' outlines, so that tests can check that no text overlaps
/// another and no text or legend covers data.
pub fn population_layout(figure: &PopulationFigure) -> Result<Vec<PanelLayout>, PlotError> {
    PopulationLayout::of(figure).check(figure.size)?;
    if !(figure.t_end.is_finite() && figure.t_end > 0.0) {
        return Err(PlotError::TimeAxis(figure.t_end));
    }
    register_font();
    let mut text = String::new();
    draw(
        figure,
        SVGBackend::with_string(&mut text, figure.size).into_drawing_area(),
        false,
    )
}

/// Draws `figure` on `root` (`bitmap`: the backend is a bitmap, whose strokes are cut into
/// pieces it draws correctly) and returns the layout of its panels.
fn draw<DB: DrawingBackend>(
    figure: &PopulationFigure,
    root: DrawingArea<DB, Shift>,
    bitmap: bool,
) -> Result<Vec<PanelLayout>, PlotError> {
    root.fill(&WHITE).map_err(err)?;
    let root = root
        .titled(&figure.title, ("sans-serif", TITLE_FONT))
        .map_err(err)?;
    let parts = PopulationLayout::of(figure).heights(figure.size.1);
    let (survival_area, rest) = root.split_vertically(parts.survival);
    let (table_area, relapse_area) = rest.split_vertically(parts.table);
    // The table's row labels (after a swatch of about three characters) share the y-label
    // area of both panels, so the time axes line up.
    let longest = figure
        .arms
        .iter()
        .map(|a| a.label.chars().count() + 3)
        .max()
        .unwrap_or(0);
    // At most a third of the canvas: long regimen titles are shortened with an ellipsis in the
    // at-risk table rather than squeezing both panels to half the width.
    let label_area =
        label_area(figure.size.0, longest).min(label_area(figure.size.0, 0).max(figure.size.0 / 3));
    let frame = frame::Frame::new(figure, label_area, &root)?;
    let (survival, columns) = survival::draw(&survival_area, figure, (&frame, bitmap))?;
    table::draw(&table_area, figure, &frame, &columns)?;
    let relapse = bands::draw(&relapse_area, figure, (&frame, bitmap))?;
    root.present().map_err(err)?;
    Ok(vec![survival, relapse])
}
