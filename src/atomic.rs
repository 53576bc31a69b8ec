//! Writing a file so that readers never see it half-written: write a temporary file in the same
//! folder (keeping the extension, which some writers look at), then rename it into place.

use std::io;
use std::path::Path;

/// Calls `write` with a temporary path beside `path`, then renames the result to `path`.
/// The file gets ordinary permissions (0644 on Unix), not the temporary file's 0600.
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let suffix = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(".relapse-")
        .suffix(&suffix)
        .tempfile_in(dir)?;
    write(tmp.path())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
