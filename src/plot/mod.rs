//! Relapse-curve figures as PNG or SVG (from the file extension), drawn with `plotters` and a
//! bundled DejaVu Sans font, so rendering needs nothing from the system (no fontconfig).
//!
//! A [`Figure`] is plain data: the CLI fills it from a model's traces and metrics; [`render`]
//! draws a main panel (one curve per regimen, threshold and detection lines, nadir and relapse
//! markers), a dose rug, and an optional exposure panel, and writes the file atomically.
//!
//! A [`PopulationFigure`] is the figure of a population run: Kaplan–Meier relapse-free survival
//! with a number-at-risk table above the population relapse curves, drawn by
//! [`render_population`].
//!
//! Canvases are bounded ([`check_canvas`], [`Layout::check`]) and every axis range is made
//! finite and non-degenerate before plotters sees it, so no figure can panic, hang or exhaust
//! memory: values beyond ±1e300 on a linear axis, infinite values and values ≤ 0 on a log axis
//! are drawn at the axis edge and the legend says so.

mod decimate;
mod draw;
mod key;
mod layout;
mod legend;
mod metadata;
mod observed;
mod output;
mod panel;
mod panels;
mod placement;
mod population;
mod strokes;
mod ticks;

use std::collections::HashSet;
use std::path::Path;

pub use layout::{Layout, MAX_PIXELS, MAX_SIDE, check_canvas};
pub(crate) use metadata::xml_escape;
pub use metadata::{ImageMetadata, embed_svg};
pub use observed::Observation;
pub use panel::{PanelLayout, TextBox};
pub use placement::Rect;
pub use population::{
    PopulationFigure, PopulationLayout, SurvivalArm, population_layout, render_population,
    render_population_with_metadata,
};
pub use ticks::nice_times;

/// Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), most distinct colours first.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),   // blue
    (213, 94, 0),    // vermillion
    (0, 158, 115),   // bluish green
    (230, 159, 0),   // orange
    (204, 121, 167), // reddish purple
    (86, 180, 233),  // sky blue
    (240, 228, 66),  // yellow
    (0, 0, 0),       // black
];

/// One polyline; points need not be strictly increasing in x (a jump is two points at one x).
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Legend label.
    pub label: String,
    /// Palette index.
    pub colour: usize,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
}

/// A labelled horizontal dashed line (threshold, detection limit, target).
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// Label drawn at its right end.
    pub label: String,
    /// y value.
    pub value: f64,
}

/// A labelled point on a curve (nadir, relapse time).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Text beside the marker.
    pub label: String,
    /// Palette index of the curve it belongs to.
    pub colour: usize,
    /// Position.
    pub at: (f64, f64),
}

/// One panel with a shared time axis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Panel {
    /// y-axis title (with unit).
    pub y_label: String,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The curves.
    pub curves: Vec<Curve>,
    /// Horizontal reference lines.
    pub levels: Vec<Level>,
    /// Point markers.
    pub markers: Vec<Marker>,
    /// Measurements drawn as points (with error bars when they have bounds).
    pub observations: Vec<Observation>,
}

/// One administration in the dose rug.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseMark {
    /// Row label (regimen and target).
    pub row: String,
    /// Palette index (the regimen's).
    pub colour: usize,
    /// Start time.
    pub start: f64,
    /// End time for an infusion; `None` for a bolus.
    pub end: Option<f64>,
}

/// A whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Title at the top.
    pub title: String,
    /// x-axis title (with unit).
    pub x_label: String,
    /// Time range shown.
    pub t_end: f64,
    /// The main (relapse-curve) panel.
    pub main: Panel,
    /// The exposure panel, if any.
    pub exposure: Option<Panel>,
    /// Extra panels below the exposure panel (`--panels`, `[plot] panels`), in order.
    pub panels: Vec<Panel>,
    /// The dose rug.
    pub doses: Vec<DoseMark>,
    /// Size in pixels.
    pub size: (u32, u32),
}

/// Why a canvas size is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// Beyond [`MAX_SIDE`] a side or [`MAX_PIXELS`] in all.
    #[error(
        "a {width}×{height} canvas is too large: at most {MAX_SIDE} pixels a side and {MAX_PIXELS} \
         pixels (64 Mpx) in all"
    )]
    TooLarge {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
    /// Below the minimum of the figure's [`Layout`].
    #[error(
        "a {width}×{height} canvas is too small for this figure: it needs at least \
         {min_width}×{min_height} pixels (for its title, panels and {rug_rows} dose-rug row{})",
        if *rug_rows == 1 { "" } else { "s" }
    )]
    TooSmall {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
        /// Smallest width accepted.
        min_width: u32,
        /// Smallest height accepted for this layout.
        min_height: u32,
        /// Dose-rug rows of the figure.
        rug_rows: usize,
    },
    /// So many dose-rug rows that no accepted canvas is tall enough.
    #[error(
        "{rows} dose-rug rows (regimen → target pairs) need a canvas taller than {MAX_SIDE} \
         pixels: plot fewer regimens"
    )]
    TooManyRows {
        /// Dose-rug rows of the figure.
        rows: usize,
    },
    /// So many extra panels that no accepted canvas is tall enough.
    #[error("{panels} extra panels need a canvas taller than {MAX_SIDE} pixels: draw fewer panels")]
    TooManyPanels {
        /// Extra panels of the figure.
        panels: usize,
    },
    /// Below the minimum of a population figure's [`PopulationLayout`].
    #[error(
        "a {width}×{height} canvas is too small for a population figure of {arms} arm{}: it needs \
         at least {min_width}×{min_height} pixels (for its title, two panels and the \
         number-at-risk table)",
        if *arms == 1 { "" } else { "s" }
    )]
    PopulationTooSmall {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
        /// Smallest width accepted.
        min_width: u32,
        /// Smallest height accepted for this many arms.
        min_height: u32,
        /// Arms (regimens) of the figure.
        arms: usize,
    },
    /// So many arms that no accepted canvas has room for the number-at-risk table.
    #[error(
        "{arms} arms need a number-at-risk table taller than {MAX_SIDE} pixels: plot fewer \
         regimens"
    )]
    TooManyArms {
        /// Arms (regimens) of the figure.
        arms: usize,
    },
}

/// Why a figure could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file extension is neither `.png` nor `.svg`.
    #[error("cannot tell the image format of `{0}`: use a .png or .svg file name")]
    UnknownFormat(String),
    /// The canvas is too large or too small.
    #[error(transparent)]
    Size(#[from] SizeError),
    /// The time axis does not end at a finite, positive time.
    #[error("the time axis must end at a finite, positive time, not {0}")]
    TimeAxis(f64),
    /// Drawing failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// Writing the file failed.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The target path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

static FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Registers the bundled font as "sans-serif" (idempotent).
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, FONT)
            .unwrap_or_else(|_| unreachable!("the bundled font is valid"));
    });
}

/// Number of distinct rows (by name) of a dose rug.
pub fn rug_row_count(doses: &[DoseMark]) -> usize {
    doses.iter().map(|d| d.row.as_str()).collect::<HashSet<_>>().len()
}

/// The layout of `figure`'s curve panels (the main panel, then the exposure panel) exactly as
/// [`render`] draws them: plotting areas, legend boxes, label boxes and the curves' pixels, so
/// that tests can check that no text overlaps another and no legend covers a curve.
pub fn layout(figure: &Figure) -> Result<Vec<PanelLayout>, PlotError> {
    Layout::of(figure).check(figure.size)?;
    if !(figure.t_end.is_finite() && figure.t_end > 0.0) {
        return Err(PlotError::TimeAxis(figure.t_end));
    }
    register_font();
    draw::layout(figure)
}

/// Draws `figure` into `path` (PNG or SVG by extension) through a temporary file in the same
/// folder that keeps the extension, then renames it into place. The size is checked first
/// ([`Layout::check`]); nothing is written if it is refused.
pub fn render(figure: &Figure, path: &Path) -> Result<(), PlotError> {
    render_with_metadata(figure, path, &ImageMetadata::default())
}

/// [`render`], with `metadata` embedded in the image (PNG text chunks, SVG `<metadata>`).
pub fn render_with_metadata(figure: &Figure, path: &Path, metadata: &ImageMetadata) -> Result<(), PlotError> {
    let format = output::image_format(path)?;
    check_figure(figure)?;
    register_font();
    output::write_image_with(path, (format, metadata), |tmp| match format {
        output::ImageFormat::Png => draw::png(figure, tmp),
        output::ImageFormat::Svg => draw::svg(figure, tmp),
    })
}

/// The SVG document of `figure`, in memory (for embedding in HTML), with `metadata`.
pub fn render_svg_string(figure: &Figure, metadata: &ImageMetadata) -> Result<String, PlotError> {
    check_figure(figure)?;
    register_font();
    let svg = draw::svg_string(figure)?;
    metadata::embed_svg(&svg, metadata)
        .ok_or_else(|| PlotError::Draw("the drawn image has an unexpected form".to_string()))
}

/// The canvas and the time axis of `figure` are drawable.
fn check_figure(figure: &Figure) -> Result<(), PlotError> {
    Layout::of(figure).check(figure.size)?;
    if !(figure.t_end.is_finite() && figure.t_end > 0.0) {
        return Err(PlotError::TimeAxis(figure.t_end));
    }
    Ok(())
}
