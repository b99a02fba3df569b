//! Output files: atomic writes, the run manifest, time series, summary,
//! field snapshots (`.npy`, readable by numpy) and the directory lock.
//!
//! Every file is written to `<name>.tmp` and renamed into place, so a crash
//! never leaves a half-written file under its final name. A run directory
//! holds `manifest.json` whose `status` is `running` until the run is
//! complete; `timeseries.csv` and `summary.json` appear only at the end.

pub mod snapshot;

use crate::error::{Error, Result};
use crate::observe::{Row, Summary};
use serde::Serialize;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (temporary file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = tmp_name(path);
    let mut f = File::create(&tmp).map_err(|e| Error::io("writing", &tmp, e))?;
    f.write_all(bytes)
        .map_err(|e| Error::io("writing", &tmp, e))?;
    f.sync_all().map_err(|e| Error::io("writing", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io("writing", path, e))
}

/// The temporary name used for `path` while it is written.
pub fn tmp_name(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

/// Write a value as pretty JSON atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Other(format!("JSON for {}: {e}", path.display())))?;
    write_atomic(path, format!("{text}\n").as_bytes())
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

/// Format a number compactly and exactly reproducibly.
pub fn format_value(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.6}")
    }
}

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

impl DirLock {
    /// Lock `dir` (creating `.woundsim.lock`), refusing if another process holds it.
    ///
    /// The lock file is removed when the lock is dropped, so a process that
    /// opened the old file just before its removal could lock a file that no
    /// longer has a name; the lock is therefore only taken once the locked
    /// file is still the one at `.woundsim.lock`.
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        use fs4::fs_std::FileExt;
        let path = dir.join(".woundsim.lock");
        let in_use = || {
            Error::OutputInUse(format!(
                "output directory '{}' is in use by another woundsim process (lock file {})",
                dir.display(),
                path.display()
            ))
        };
        for _ in 0..100 {
            let file = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| Error::io("writing", &path, e))?;
            if file.try_lock_exclusive().is_err() {
                return Err(in_use());
            }
            if same_file(&file, &path) {
                return Ok(DirLock { file, path });
            }
            // The holder removed the file between our open and our lock: retry.
            let _ = FileExt::unlock(&file);
        }
        Err(in_use())
    }
}

/// True when `file` is the file currently named `path`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// True when `file` is the file currently named `path` (always assumed
/// elsewhere than on Unix).
#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
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

/// Files whose presence marks a directory as woundsim output (a run's or a
/// sweep's), which `--force` may clear.
pub const OUTPUT_MARKERS: &[&str] = &[
    "manifest.json",
    "checkpoint.bin",
    "sweep.json",
    "sweep.toml",
    "runs.csv",
];

/// Prepare an output directory: create it, refuse a non-empty one unless
/// `force`, and lock it. `force` clears the directory only if it holds
/// woundsim output (one of [`OUTPUT_MARKERS`]), so a mistyped `--out` never
/// deletes other files.
pub fn prepare_dir(dir: &Path, force: bool) -> Result<DirLock> {
    fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    let lock = DirLock::acquire(dir)?;
    let entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Error::io("reading", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().map(|n| n != ".woundsim.lock").unwrap_or(true))
        .collect();
    if !entries.is_empty() {
        if !force {
            return Err(Error::OutputInUse(format!(
                "output directory '{}' is not empty; choose another --out or pass --force to overwrite it",
                dir.display()
            )));
        }
        if !OUTPUT_MARKERS.iter().any(|m| dir.join(m).is_file()) {
            let mut names: Vec<String> = entries
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            names.sort();
            names.truncate(3);
            return Err(Error::OutputInUse(format!(
                "output directory '{}' holds files woundsim did not write (e.g. {}); \
                 --force only overwrites woundsim results: choose another --out",
                dir.display(),
                names.join(", ")
            )));
        }
        for e in entries {
            let r = if e.is_dir() {
                fs::remove_dir_all(&e)
            } else {
                fs::remove_file(&e)
            };
            r.map_err(|err| Error::io("removing", &e, err))?;
        }
    }
    Ok(lock)
}
