//! Output files: atomic writes, the run manifest, time series, summary,
//! field snapshots (`.npy`, readable by numpy) and the directory lock.
//!
//! Every file is written through [`AtomicFile`] (an exclusively created
//! temporary file, synced and renamed into place), so a crash never leaves a
//! half-written file under its final name and no existing name (a planted
//! symbolic link included) is ever written through. A run directory holds
//! `manifest.json` whose `status` is `running` until the run is complete;
//! `timeseries.csv` and `summary.json` appear only at the end. Every output
//! directory holds the marker [`MARKER`], by which `--force` recognises it.

pub mod atomic;
pub mod export;
pub mod snapshot;

use crate::error::{Error, Result};
use crate::observe::{Row, Summary};
use serde::Serialize;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

pub use atomic::{ensure_subdir, write_atomic, AtomicFile};

#[cfg(test)]
mod format_tests {
    use super::format_value;

    #[test]
    fn numbers_read_back_exactly_and_undefined_is_empty() {
        for v in [
            0.1,
            1.0 / 3.0,
            3e-7,
            4.9e-7,
            123456.789012345,
            -2.5e-12,
            1e20,
        ] {
            let s = format_value(v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
        assert_eq!(format_value(3e-7), "0.0000003");
        assert_eq!(format_value(42.0), "42");
        assert_eq!(format_value(f64::NAN), "");
    }
}

/// Write a value as pretty JSON atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Other(format!("JSON for {}: {e}", path.display())))?;
    write_atomic(path, format!("{text}\n").as_bytes())
}

/// Rewrite the existing regular file `path` in place with `value` as JSON:
/// the last resort for marking a run stopped when no new file fits on the
/// disk (not atomic; the file's own blocks are reused). Refuses a symbolic
/// link at `path`.
pub fn overwrite_json_in_place<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Other(format!("JSON for {}: {e}", path.display())))?;
    let f = File::options()
        .write(true)
        .open(path)
        .map_err(|e| Error::io("writing", path, e))?;
    if !atomic::is_same(&f, path) {
        return Err(Error::OutputInUse(format!(
            "'{}' is not a regular file; not rewritten",
            path.display()
        )));
    }
    let mut f = f;
    f.write_all(format!("{text}\n").as_bytes())
        .and_then(|_| f.set_len(text.len() as u64 + 1))
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io("writing", path, e))
}

/// Render rows as CSV text.
pub fn timeseries_csv(cols: &[String], rows: &[Row]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cols)
        .map_err(|e| Error::Other(e.to_string()))?;
    for r in rows {
        w.write_record(r.values.iter().map(|v| format_value(*v)))
            .map_err(|e| Error::Other(e.to_string()))?;
    }
    w.into_inner().map_err(|e| Error::Other(e.to_string()))
}

pub use woundsim_core::series::format_value;

/// The status of a run directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In progress (or crashed).
    Running,
    /// Interrupted by a signal; resumable from its checkpoint.
    Interrupted,
    /// Stopped by an error.
    Failed,
    /// Finished; every output is present.
    Complete,
}

/// The run manifest.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Manifest {
    /// woundsim version.
    pub woundsim_version: String,
    /// Run status.
    pub status: Status,
    /// Scenario name.
    pub scenario_name: String,
    /// Scenario source (file or label).
    pub scenario_source: String,
    /// Hash of the resolved scenario.
    pub scenario_hash: String,
    /// The resolved scenario as TOML.
    pub scenario_toml: String,
    /// Run seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Wall time (s).
    pub wall_time_s: f64,
    /// Simulated day reached.
    pub day_reached: f64,
    /// Error message, if failed.
    pub error: Option<String>,
    /// Files written, relative to the run directory.
    pub files: Vec<String>,
    /// First day on which `limits.max_agents` cut births or a dose short
    /// (absent when the cap was never reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_cap_hit_day: Option<f64>,
}

/// Write the time series and summary of a finished run.
pub fn write_results(dir: &Path, cols: &[String], rows: &[Row], summary: &Summary) -> Result<()> {
    write_atomic(&dir.join("timeseries.csv"), &timeseries_csv(cols, rows)?)?;
    write_json(&dir.join("summary.json"), summary)
}

/// An exclusive lock on an output directory, released on drop.
#[derive(Debug)]
pub struct DirLock {
    file: File,
    path: PathBuf,
}

/// Name of the lock file of an output directory.
pub const LOCK_FILE: &str = ".woundsim.lock";

impl DirLock {
    /// Lock `dir` (creating `.woundsim.lock`), refusing if another process holds it.
    ///
    /// The lock file is created exclusively, or an existing one opened only
    /// when it is a regular file (never through a symbolic link). It is
    /// removed when the lock is dropped, so a process that opened the old
    /// file just before its removal could lock a file that no longer has a
    /// name; the lock is therefore only taken once the locked file is still
    /// the one at `.woundsim.lock`.
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        use fs4::fs_std::FileExt;
        let path = dir.join(LOCK_FILE);
        let in_use = || {
            Error::OutputInUse(format!(
                "output directory '{}' is in use by another woundsim process (lock file {})",
                dir.display(),
                path.display()
            ))
        };
        for _ in 0..100 {
            let file = match File::options().write(true).create_new(true).open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    match fs::symlink_metadata(&path) {
                        Ok(m) if m.file_type().is_file() => match File::open(&path) {
                            Ok(f) => f,
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                            Err(e) => return Err(Error::io("reading", &path, e)),
                        },
                        Ok(_) => {
                            return Err(Error::OutputInUse(format!(
                                "lock file '{}' is not a regular file (a symbolic link?); \
                                 woundsim does not open it: remove it or choose another --out",
                                path.display()
                            )))
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(Error::io("reading", &path, e)),
                    }
                }
                Err(e) => return Err(Error::io("writing", &path, e)),
            };
            if file.try_lock_exclusive().is_err() {
                return Err(in_use());
            }
            if atomic::is_same(&file, &path) {
                return Ok(DirLock { file, path });
            }
            // The holder removed the file between our open and our lock: retry.
            let _ = FileExt::unlock(&file);
        }
        Err(in_use())
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        use fs4::fs_std::FileExt;
        // Remove the name first: a process waiting on this file then sees
        // that it is stale (see `acquire`).
        let _ = fs::remove_file(&self.path);
        let _ = FileExt::unlock(&self.file);
    }
}

/// Name of the marker file of every woundsim output directory. No other
/// tool writes it; its JSON content ([`Marker`]) names the format, the kind
/// of output and the entries woundsim writes there.
pub const MARKER: &str = ".woundsim-output";

/// The `format` value of a [`Marker`].
pub const MARKER_FORMAT: &str = "woundsim-output";

/// The marker version this woundsim writes and reads.
pub const MARKER_VERSION: u32 = 1;

/// Largest marker file read (bytes).
const MARKER_MAX_BYTES: u64 = 1 << 20;

/// Content of [`MARKER`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Marker {
    /// Always [`MARKER_FORMAT`].
    pub format: String,
    /// Marker version ([`MARKER_VERSION`]).
    pub version: u32,
    /// Kind of output (`run`, `cohort`, `comparison`, `sweep`, `trial`, `validation`).
    pub kind: String,
    /// woundsim version that created the directory.
    pub woundsim_version: String,
    /// The names (directly in the directory) woundsim writes there; `--force`
    /// removes these, the marker and woundsim's temporary files, nothing else.
    pub entries: Vec<String>,
}

/// A kind of output directory and the entries woundsim writes into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputKind {
    /// Kind name, as in [`Marker::kind`].
    pub kind: &'static str,
    /// Entries (file or directory names directly in the directory).
    pub entries: Vec<String>,
}

impl OutputKind {
    fn of(kind: &'static str, entries: &[&str]) -> OutputKind {
        OutputKind {
            kind,
            entries: entries.iter().map(|e| e.to_string()).collect(),
        }
    }

    /// A run directory.
    pub fn run() -> OutputKind {
        OutputKind::of(
            "run",
            &[
                "manifest.json",
                "checkpoint.bin",
                "timeseries.partial.csv",
                "timeseries.csv",
                "summary.json",
                "snapshots",
                "plots",
            ],
        )
    }

    /// A cohort directory.
    pub fn cohort() -> OutputKind {
        OutputKind::of(
            "cohort",
            &[
                "manifest.json",
                "cohort.csv",
                "cohort_summary.json",
                "cohort_timeseries.csv",
                "replicates",
                "plots",
            ],
        )
    }

    /// A comparison directory with one cohort subdirectory per label.
    pub fn comparison(labels: &[String]) -> OutputKind {
        let mut k = OutputKind::of(
            "comparison",
            &["manifest.json", "comparison.csv", "comparison.md", "plots"],
        );
        k.entries.extend(labels.iter().cloned());
        k
    }

    /// A sweep directory (or a merge of shards).
    pub fn sweep() -> OutputKind {
        OutputKind::of(
            "sweep",
            &[
                "sweep.toml",
                "base.toml",
                "runs.csv",
                "sweep.json",
                "timeseries",
                "report",
            ],
        )
    }

    /// A virtual-trial directory.
    pub fn trial() -> OutputKind {
        OutputKind::of(
            "trial",
            &[
                "manifest.json",
                "trial.toml",
                "patients.csv",
                "lots.csv",
                "trial_summary.json",
                "trial.md",
                "patients",
                "plots",
            ],
        )
    }

    /// A validation report directory.
    pub fn validation() -> OutputKind {
        OutputKind::of("validation", &["validation.md", "validation.json"])
    }

    fn marker(&self) -> Marker {
        Marker {
            format: MARKER_FORMAT.into(),
            version: MARKER_VERSION,
            kind: self.kind.into(),
            woundsim_version: crate::VERSION.into(),
            entries: self.entries.clone(),
        }
    }
}

/// True when `name` is one plain file name (no separator, not `.`/`..`).
fn plain_name(name: &str) -> bool {
    let mut c = Path::new(name).components();
    matches!(c.next(), Some(std::path::Component::Normal(n)) if n == name)
        && c.next().is_none()
        && !name.contains('/')
        && !name.contains('\\')
}

/// Read the marker of `dir`: `Ok(None)` when there is none, `Err(why)` when
/// one is there but not a valid woundsim marker.
pub fn read_marker(dir: &Path) -> std::result::Result<Option<Marker>, String> {
    let path = dir.join(MARKER);
    let meta = match fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    if !meta.file_type().is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if meta.len() > MARKER_MAX_BYTES {
        return Err(format!("{} is too large to be a marker", path.display()));
    }
    let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let m: Marker = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a woundsim marker ({e})", path.display()))?;
    if m.format != MARKER_FORMAT {
        return Err(format!(
            "{}: format '{}', expected '{MARKER_FORMAT}'",
            path.display(),
            m.format
        ));
    }
    if m.version != MARKER_VERSION {
        return Err(format!(
            "{}: marker version {} (this woundsim reads version {MARKER_VERSION})",
            path.display(),
            m.version
        ));
    }
    if let Some(bad) = m
        .entries
        .iter()
        .find(|e| !plain_name(e) || e.as_str() == MARKER)
    {
        return Err(format!(
            "{}: entry '{bad}' is not a plain file name",
            path.display()
        ));
    }
    Ok(Some(m))
}

/// The names in `dir` other than the lock file, sorted.
fn dir_names(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map_err(|e| Error::io("reading", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n != LOCK_FILE)
        .collect();
    names.sort();
    Ok(names)
}

/// Check `dir` for a new output: `Ok(None)` when empty, the marker when it
/// holds woundsim output and `force` is set, an error otherwise.
fn check_dir(dir: &Path, force: bool) -> Result<Option<Marker>> {
    let names = dir_names(dir)?;
    if names.is_empty() {
        return Ok(None);
    }
    if !force {
        return Err(Error::OutputInUse(format!(
            "output directory '{}' is not empty; choose another --out or pass --force to overwrite it",
            dir.display()
        )));
    }
    let why = match read_marker(dir) {
        Ok(Some(m)) => return Ok(Some(m)),
        Ok(None) => format!("it has no {MARKER} marker"),
        Err(e) => e,
    };
    let shown: Vec<&str> = names.iter().take(4).map(String::as_str).collect();
    Err(Error::OutputInUse(format!(
        "output directory '{}' is not woundsim output ({why}; it holds {}{}); \
         --force only overwrites directories woundsim wrote, so nothing was changed: \
         choose another --out",
        dir.display(),
        shown.join(", "),
        if names.len() > shown.len() {
            ", ..."
        } else {
            ""
        }
    )))
}

/// Remove what woundsim wrote into `dir` according to `marker`: its
/// entries and woundsim's temporary files, removing symbolic links as such
/// (never following one). Other names are left alone.
fn clear(dir: &Path, marker: &Marker) -> Result<()> {
    for name in dir_names(dir)? {
        if name == MARKER || !(marker.entries.contains(&name) || atomic::is_tmp_name(&name)) {
            continue;
        }
        let p = dir.join(&name);
        let meta = match fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("reading", &p, e)),
        };
        // `remove_dir_all` removes links inside the tree without following them.
        let r = if meta.file_type().is_dir() {
            fs::remove_dir_all(&p)
        } else {
            fs::remove_file(&p)
        };
        r.map_err(|e| Error::io("removing", &p, e))?;
    }
    Ok(())
}

/// Prepare an output directory of `kind`: create it, refuse a non-empty one
/// unless `force`, lock it and write its [`MARKER`].
///
/// `force` clears the directory only if it carries a valid woundsim marker,
/// and then removes only the entries that marker lists (and woundsim's
/// temporary files), so a mistyped `--out` never deletes other files. The
/// directory is checked before the lock file is created (and again under the
/// lock), so a refused directory is left exactly as it was.
pub fn prepare_dir(dir: &Path, force: bool, kind: &OutputKind) -> Result<DirLock> {
    fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    let meta = fs::metadata(dir).map_err(|e| Error::io("reading", dir, e))?;
    if !meta.is_dir() {
        return Err(Error::OutputInUse(format!(
            "output '{}' is not a directory",
            dir.display()
        )));
    }
    check_dir(dir, force)?;
    let lock = DirLock::acquire(dir)?;
    if let Some(m) = check_dir(dir, force)? {
        clear(dir, &m)?;
    }
    write_json(&dir.join(MARKER), &kind.marker())?;
    Ok(lock)
}
