//! Writing an output file so that readers never see it half-written, and so that naming a special
//! file as an output never destroys it.
//!
//! What happens depends on what the output path is:
//! - a regular file, or a path that does not exist yet: the content is written to a temporary
//!   file `.relapse-XXXXXX.ext` in the same folder (keeping the extension, which some writers look
//!   at) and renamed into place. A replaced file keeps its permissions; a new one gets 0644 on Unix.
//! - a symbolic link: the link is followed (through chains of links, also to a target that does
//!   not exist yet) and its final target is replaced as above, in the target's folder. The link
//!   itself stays a link, as editors do it.
//! - anything else that exists (a character or block device such as `/dev/null`, a FIFO, a
//!   socket): written straight through, never renamed over — renaming over `/dev/null` as root
//!   would replace the device for the whole machine.
//! - a folder: an error.
//!
//! Every temporary file that exists is recorded, so that a signal handler can remove them all with
//! [`remove_temporaries`] before the process exits.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tempfile::NamedTempFile;

/// Links followed before giving up, as Linux's own limit for path resolution.
const MAX_LINKS: usize = 40;

/// Paths of the temporary files that exist now. Creating, committing and dropping a temporary
/// file happen while holding this lock, so [`remove_temporaries`] never misses one.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An output file being written: either a temporary file that [`commit`](Self::commit) renames
/// over the target, or (for devices, FIFOs and sockets) the target itself. Dropping it without
/// committing removes the temporary file.
#[derive(Debug)]
pub struct OutputFile {
    /// The path to replace or write, symbolic links followed.
    target: PathBuf,
    /// `None` when writing straight to `target`.
    temp: Option<NamedTempFile>,
    /// Permissions the replaced file had; `None` for a new file.
    permissions: Option<fs::Permissions>,
}

impl OutputFile {
    /// Prepares writing `path` (see the module documentation for what happens to links and
    /// special files). For a regular or new file this creates the temporary file now, so an
    /// output folder that is missing or not writable is an error here, before any work.
    pub fn create(path: &Path) -> io::Result<Self> {
        let target = resolve_links(path)?;
        match fs::metadata(&target) {
            Ok(meta) if meta.is_dir() => Err(io::Error::new(io::ErrorKind::IsADirectory, "is a directory")),
            Ok(meta) if !meta.is_file() => Ok(Self {
                target,
                temp: None,
                permissions: None,
            }),
            Ok(meta) => Self::replacing(target, Some(meta.permissions())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::replacing(target, None),
            Err(e) => Err(e),
        }
    }

    fn replacing(target: PathBuf, permissions: Option<fs::Permissions>) -> io::Result<Self> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let suffix = target
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let mut live = live();
        let temp = tempfile::Builder::new()
            .prefix(".relapse-")
            .suffix(&suffix)
            .tempfile_in(dir)?;
        live.push(temp.path().to_path_buf());
        Ok(Self {
            target,
            temp: Some(temp),
            permissions,
        })
    }

    /// The path to write the content to now: the temporary file, or the target itself when it is
    /// a device, FIFO or socket.
    pub fn path(&self) -> &Path {
        self.temp.as_ref().map_or(&self.target, NamedTempFile::path)
    }

    /// True when the content goes straight to the target (a device, FIFO or socket).
    pub fn is_direct(&self) -> bool {
        self.temp.is_none()
    }

    /// Renames the written temporary file over the target (nothing to do when writing straight
    /// through).
    pub fn commit(mut self) -> io::Result<()> {
        let Some(temp) = &self.temp else {
            return Ok(());
        };
        if let Some(permissions) = self.permissions.take().or_else(new_file_permissions) {
            fs::set_permissions(temp.path(), permissions)?;
        }
        let mut live = live();
        let temp = self.temp.take().unwrap_or_else(|| unreachable!("checked above"));
        live.retain(|p| p != temp.path());
        // On failure the temporary file is dropped (and removed) here, still under the lock.
        temp.persist(&self.target).map(drop).map_err(|e| e.error)
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let mut live = live();
            live.retain(|p| p != temp.path());
            // Removed while holding the lock, so a signal handler never sees it half-gone.
            drop(temp);
        }
    }
}

/// Permissions of a new output file: 0644 on Unix rather than the temporary file's 0600.
#[cfg(unix)]
fn new_file_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<fs::Permissions> {
    None
}

/// Calls `write` with the path to write to (see [`OutputFile::path`]), then puts the result in
/// place; an error from `write` leaves the target untouched (unless it is a special file).
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    let file = OutputFile::create(path)?;
    write(file.path())?;
    file.commit()
}

/// `path` with the symbolic links of its last component followed to the final target, which
/// need not exist. Relative link targets are taken from the link's folder.
pub fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} levels of symbolic links"
    )))
}

/// Every temporary file removed, and the lock on the list of them held: while this value lives,
/// creating, committing or dropping an [`OutputFile`] waits.
#[must_use = "the lock is what keeps new temporary files from appearing; exit while holding it"]
pub struct TemporariesRemoved {
    _live: MutexGuard<'static, Vec<PathBuf>>,
}

/// Removes every temporary file that exists now, for a signal handler that then exits while
/// holding the returned value (which keeps any other thread from creating a new one).
pub fn remove_temporaries() -> TemporariesRemoved {
    let mut live = live();
    for path in live.drain(..) {
        // Best effort: a file already renamed into place or removed is fine.
        let _ = fs::remove_file(path);
    }
    TemporariesRemoved { _live: live }
}

#[cfg(test)]
mod tests {
    use super::{OutputFile, resolve_links, write_atomically};
    use std::fs;

    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_file_appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a.csv");
        let file = OutputFile::create(&out).unwrap();
        assert!(!file.is_direct());
        assert!(!out.exists());
        fs::write(file.path(), "x").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::read_to_string(&out).unwrap(), "x");
        assert_eq!(names(dir.path()), ["a.csv"]);
    }

    #[test]
    fn dropping_without_commit_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = OutputFile::create(&dir.path().join("a.png")).unwrap();
        let temp = file.path().to_path_buf();
        assert!(temp.file_name().unwrap().to_string_lossy().ends_with(".png"));
        assert!(temp.exists());
        drop(file);
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    #[cfg(unix)]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("private.csv");
        fs::write(&out, "old").unwrap();
        fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomically(&out, |p| fs::write(p, "new")).unwrap();
        assert_eq!(fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
        write_atomically(&dir.path().join("new.csv"), |p| fs::write(p, "new")).unwrap();
        let mode = fs::metadata(dir.path().join("new.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    #[cfg(unix)]
    fn links_are_followed_relative_to_their_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("real.csv", dir.path().join("sub/link1")).unwrap();
        std::os::unix::fs::symlink("sub/link1", dir.path().join("link2")).unwrap();
        assert_eq!(
            resolve_links(&dir.path().join("link2")).unwrap(),
            dir.path().join("sub/real.csv")
        );
        std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
        let err = resolve_links(&dir.path().join("loop")).unwrap_err();
        assert!(err.to_string().contains("levels of symbolic links"), "{err}");
    }

    #[test]
    fn a_folder_is_not_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let err = OutputFile::create(dir.path()).unwrap_err();
        assert_eq!(err.to_string(), "is a directory");
    }
}
