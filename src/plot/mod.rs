//! Relapse-curve figures as PNG or SVG (from the file extension), drawn with `plotters` and a
//! bundled DejaVu Sans font, so rendering needs nothing from the system (no fontconfig).
//!
//! A [`Figure`] is plain data: the CLI fills it from a model's traces and metrics; [`render`]
//! draws a main panel (one curve per regimen, threshold and detection lines, nadir and relapse
//! markers), a dose rug, and an optional exposure panel, and writes the file atomically.

mod draw;

use std::path::Path;

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
#[derive(Debug, Clone, PartialEq)]
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
    /// The dose rug.
    pub doses: Vec<DoseMark>,
    /// Size in pixels.
    pub size: (u32, u32),
}

/// Why a figure could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file extension is neither `.png` nor `.svg`.
    #[error("cannot tell the image format of `{0}`: use a .png or .svg file name")]
    UnknownFormat(String),
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

/// Draws `figure` into `path` (PNG or SVG by extension) through a temporary file in the same
/// folder that keeps the extension, then renames it into place.
pub fn render(figure: &Figure, path: &Path) -> Result<(), PlotError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let svg = match extension.as_deref() {
        Some("png") => false,
        Some("svg") => true,
        _ => return Err(PlotError::UnknownFormat(path.display().to_string())),
    };
    register_font();
    let mut failure = None;
    let written = crate::atomic::write_atomically(path, |tmp| {
        let drawn = if svg {
            draw::svg(figure, tmp)
        } else {
            draw::png(figure, tmp)
        };
        drawn.map_err(|e| {
            let message = e.to_string();
            failure = Some(e);
            std::io::Error::other(message)
        })
    });
    match (written, failure) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(drawing)) => Err(drawing),
        (Err(source), None) => Err(PlotError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}
