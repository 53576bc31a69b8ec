//! Choosing the image format from a file name and writing a figure atomically, for every kind
//! of figure: the drawing goes to a temporary file beside the target (keeping the extension)
//! that is renamed into place only once it is complete.

use std::path::Path;

use super::PlotError;
use super::metadata::{ImageMetadata, embed_png, embed_svg};

/// The image formats a figure can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ImageFormat {
    /// A bitmap, through plotters' bitmap backend.
    Png,
    /// A vector image, through plotters' SVG backend.
    Svg,
}

/// The format named by `path`'s extension (`.png` or `.svg`, any case).
pub(super) fn image_format(path: &Path) -> Result<ImageFormat, PlotError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("png") => Ok(ImageFormat::Png),
        Some("svg") => Ok(ImageFormat::Svg),
        _ => Err(PlotError::UnknownFormat(path.display().to_string())),
    }
}

/// Runs `draw` on a temporary file beside `path` and renames it into place; a drawing error
/// is returned as it is (not as an I/O error), and nothing is left behind on any error.
pub(super) fn write_image(
    path: &Path,
    draw: impl FnOnce(&Path) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    let mut failure = None;
    let written = crate::atomic::write_atomically(path, |tmp| {
        draw(tmp).map_err(|e| {
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

/// [`write_image`], then `metadata` embedded in the temporary file before it is renamed into
/// place (PNG `iTXt` chunks, SVG `<metadata>` elements); not for a device, FIFO or socket.
pub(super) fn write_image_with(
    path: &Path,
    (format, metadata): (ImageFormat, &ImageMetadata),
    draw: impl FnOnce(&Path) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    write_image(path, |tmp| {
        draw(tmp)?;
        // A device, FIFO or socket is written straight through (see `atomic`): what was written
        // cannot be read back, so such an image goes without metadata.
        let regular = std::fs::symlink_metadata(tmp).is_ok_and(|m| m.file_type().is_file());
        if regular && !metadata.entries.is_empty() {
            embed_file(tmp, format, metadata)?;
        }
        Ok(())
    })
}

fn embed_file(tmp: &Path, format: ImageFormat, metadata: &ImageMetadata) -> Result<(), PlotError> {
    let io = |source| PlotError::Io {
        path: tmp.display().to_string(),
        source,
    };
    let bytes = std::fs::read(tmp).map_err(io)?;
    let embedded = match format {
        ImageFormat::Png => embed_png(&bytes, metadata),
        ImageFormat::Svg => String::from_utf8(bytes)
            .ok()
            .and_then(|svg| embed_svg(&svg, metadata))
            .map(String::into_bytes),
    };
    let embedded =
        embedded.ok_or_else(|| PlotError::Draw("the drawn image has an unexpected form".to_string()))?;
    std::fs::write(tmp, embedded).map_err(io)
}
