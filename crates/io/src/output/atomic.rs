//! The one way woundsim writes a file: [`AtomicFile`].
//!
//! A file is written to a temporary file created *exclusively* in the same
//! directory (`O_CREAT | O_EXCL` under a fresh name, so an existing name,
//! symbolic links included, is never opened or followed), synced, renamed
//! onto its final name (which replaces a link at that name instead of
//! writing through it) and the directory is synced. A temporary file that is
//! not committed is removed, also when writing fails (e.g. a full disk).
//!
//! Directories inside an output directory are created with [`ensure_subdir`],
//! which refuses a component that is a symbolic link, so nothing is ever
//! written outside the output directory through a planted link.

use crate::error::{Error, Result};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The part of every temporary file name that marks it as woundsim's:
/// temporary files are named `.<name>.woundsim-<unique>.tmp`.
pub const TMP_TAG: &str = ".woundsim-";

/// True when `name` (a file name) is one of woundsim's temporary files.
pub fn is_tmp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(TMP_TAG) && name.ends_with(".tmp")
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique suffix: process id, a per-process counter and clock noise.
fn unique() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mix = crate::rng::derive_seed(nanos as u64 ^ ((std::process::id() as u64) << 32), &[n]);
    format!("{}-{n}-{:08x}", std::process::id(), mix as u32)
}

/// A file being written under a temporary name, renamed onto its target by
/// [`AtomicFile::commit`] and removed if dropped uncommitted.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    tmp: PathBuf,
    target: PathBuf,
}

impl AtomicFile {
    /// Create a fresh temporary file next to `target` (never opening an
    /// existing name).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Keep the temporary name within the usual 255-byte limit.
        let stem: String = name.chars().take(150).collect();
        let mut last = None;
        for _ in 0..64 {
            let tmp = parent.join(format!(".{stem}{TMP_TAG}{}.tmp", unique()));
            match File::options().write(true).create_new(true).open(&tmp) {
                Ok(file) => {
                    return Ok(AtomicFile {
                        file: Some(file),
                        tmp,
                        target: target.to_path_buf(),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
    }

    /// The temporary file's path.
    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    /// Sync the file, rename it onto the target and sync the directory.
    /// On failure the temporary file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        let Some(file) = self.file.take() else {
            return Err(io::Error::other("already committed"));
        };
        let r = file
            .sync_all()
            .and_then(|_| {
                drop(file);
                fs::rename(&self.tmp, &self.target)
            })
            .inspect_err(|_| {
                let _ = fs::remove_file(&self.tmp);
            });
        r?;
        sync_dir(self.target.parent())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(f) = self.file.take() {
            drop(f);
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Sync a directory so that a rename in it is durable. Filesystems that
/// cannot sync directories are tolerated.
pub fn sync_dir(dir: Option<&Path>) -> io::Result<()> {
    let dir = match dir {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        r => r,
    }
}

/// Write `bytes` to `path` through an [`AtomicFile`] (I/O errors as such).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Write `bytes` to `path` atomically (see the module documentation).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, bytes).map_err(|e| Error::io("writing", path, e))
}

fn link_refused(path: &Path) -> Error {
    Error::OutputInUse(format!(
        "'{}' is a symbolic link or not a directory; woundsim writes its output only into real \
         directories it created and never through links inside an output directory: remove it \
         or choose another --out",
        path.display()
    ))
}

/// Create (or accept) the directory `root/rel` component by component,
/// refusing any component that is a symbolic link or not a directory.
/// `rel` must be relative and plain (no `..`). Returns the full path.
pub fn ensure_subdir(root: &Path, rel: &str) -> Result<PathBuf> {
    let mut p = root.to_path_buf();
    for c in Path::new(rel).components() {
        let Component::Normal(c) = c else {
            return Err(Error::Other(format!(
                "'{rel}' is not a plain relative directory name"
            )));
        };
        p.push(c);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(link_refused(&p)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if !fs::symlink_metadata(&p)
                        .map(|m| m.is_dir())
                        .unwrap_or(false)
                    {
                        return Err(link_refused(&p));
                    }
                }
                Err(e) => return Err(Error::io("creating", &p, e)),
            },
            Err(e) => return Err(Error::io("reading", &p, e)),
        }
    }
    Ok(p)
}

/// Open the existing regular file `path` for appending, refusing a
/// symbolic link (or any other kind of file) at that name.
pub fn open_append(path: &Path) -> Result<File> {
    let refuse = || {
        Error::OutputInUse(format!(
            "'{}' is not a regular file (a symbolic link?); woundsim does not write through it",
            path.display()
        ))
    };
    let before = fs::symlink_metadata(path).map_err(|e| Error::io("reading", path, e))?;
    if !before.file_type().is_file() {
        return Err(refuse());
    }
    let f = File::options()
        .append(true)
        .open(path)
        .map_err(|e| Error::io("writing", path, e))?;
    if !is_same(&f, path) {
        return Err(refuse());
    }
    Ok(f)
}

/// True when the open `file` is the regular file named `path` itself (not
/// one a link at `path` points to).
#[cfg(unix)]
pub fn is_same(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => b.file_type().is_file() && a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// True when `path` is a regular file (assumed to be `file`) elsewhere
/// than on Unix.
#[cfg(not(unix))]
pub fn is_same(_file: &File, path: &Path) -> bool {
    fs::symlink_metadata(path)
        .map(|m| m.file_type().is_file())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_files_leave_nothing_and_commit_replaces_a_link() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("a.txt");
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"x").unwrap();
            assert!(f.tmp_path().exists());
        }
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
        let outside = d.path().join("outside");
        fs::write(&outside, "keep").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, &target).unwrap();
        write_file(&target, b"new").unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep");
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert!(!fs::symlink_metadata(&target)
            .unwrap()
            .file_type()
            .is_symlink());
        let names: Vec<String> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !is_tmp_name(n)), "{names:?}");
    }

    #[test]
    fn subdirs_refuse_links() {
        let d = tempfile::tempdir().unwrap();
        let made = ensure_subdir(d.path(), "a/b").unwrap();
        assert!(made.is_dir());
        ensure_subdir(d.path(), "a/b").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(d.path().join("a"), d.path().join("l")).unwrap();
            assert!(ensure_subdir(d.path(), "l/c").is_err());
            assert!(!d.path().join("a/c").exists());
        }
        assert!(ensure_subdir(d.path(), "../x").is_err());
    }
}
