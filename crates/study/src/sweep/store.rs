//! The on-disk layout of a sweep directory and the operations on it that do
//! not run simulations: the manifest, `runs.csv` indexing, sorting and
//! merging shards.
//!
//! ```text
//! DIR/sweep.toml          copy of the sweep file
//! DIR/base.toml           the base scenario table (with the `days` override)
//! DIR/sweep.json          [`Manifest`]: hash, design points, shard
//! DIR/runs.csv            one line per finished run (see [`SweepSpec::header`])
//! DIR/timeseries/run_<i>.csv   optional per-run time series
//! DIR/report/             written by `woundsim sweep report`
//! ```
//!
//! Every `runs.csv` record is exactly one line (line breaks in messages are
//! replaced), so a record cut short by `kill -9` is a trailing line without
//! its newline; readers ignore it and a resumed sweep truncates it.

use crate::error::{Error, InputError, Result};
use crate::output::{self, DirLock};
use crate::sweep::design::SaltelliTag;
use crate::sweep::file::SweepSpec;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Copy of the sweep file.
pub const SWEEP_TOML: &str = "sweep.toml";
/// The base scenario table.
pub const BASE_TOML: &str = "base.toml";
/// The manifest.
pub const SWEEP_JSON: &str = "sweep.json";
/// One line per finished run.
pub const RUNS_CSV: &str = "runs.csv";
/// Per-run time series directory.
pub const TIMESERIES_DIR: &str = "timeseries";

/// A shard `K/N` of a sweep: the runs `i` with `i % N == K - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Shard number, `1..=count`.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parse `K/N` (1 ≤ K ≤ N).
    pub fn parse(s: &str) -> Result<Shard, InputError> {
        let bad = || {
            InputError::new(
                "<command line>",
                Some("--shard"),
                format!("'{s}' is not K/N with 1 <= K <= N"),
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse::<u64>().map_err(|_| bad())?,
            n.trim().parse::<u64>().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Does this shard run `run`?
    pub fn contains(&self, run: u64) -> bool {
        run % self.count == self.index - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// One design point in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointInfo {
    /// Point index.
    pub point: u64,
    /// Factor values, rendered as in `runs.csv`.
    pub values: Vec<String>,
    /// Unit-hypercube coordinates (used by sensitivity analysis).
    pub unit: Vec<f64>,
    /// Saltelli block membership.
    pub saltelli: Option<SaltelliTag>,
}

/// One factor in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorInfo {
    /// Dotted scenario key.
    pub key: String,
    /// Its space, in words.
    pub space: String,
}

/// `sweep.json`: what a sweep directory holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// woundsim version that wrote it.
    pub woundsim_version: String,
    /// Hash of the woundsim version, the sweep file and the base scenario;
    /// shards merge only when it is equal.
    pub sweep_hash: String,
    /// The sweep file as given on the command line.
    pub sweep_file: String,
    /// Where the base scenario came from.
    pub base: String,
    /// Master seed.
    pub seed: u64,
    /// Replicates per point.
    pub replicates: u64,
    /// Design kind (factorial, lhs, random, saltelli).
    pub design: String,
    /// Samples as written.
    pub samples: Option<usize>,
    /// Factors.
    pub factors: Vec<FactorInfo>,
    /// Outcome columns.
    pub outcomes: Vec<String>,
    /// `time.days` override.
    pub days: Option<f64>,
    /// Runs were replaced by a test function.
    pub dry_run: bool,
    /// Number of design points.
    pub n_points: u64,
    /// Number of runs of the whole sweep.
    pub n_runs: u64,
    /// The shard this directory holds (`None`: the whole sweep).
    pub shard: Option<Shard>,
    /// `runs.csv` header.
    pub columns: Vec<String>,
    /// The design points.
    pub points: Vec<PointInfo>,
}

impl Manifest {
    /// The manifest of `spec` (for `shard`).
    pub fn new(spec: &SweepSpec, shard: Option<Shard>) -> Manifest {
        Manifest {
            woundsim_version: crate::VERSION.to_string(),
            sweep_hash: spec.hash.clone(),
            sweep_file: spec.label.clone(),
            base: spec.base_label.clone(),
            seed: spec.seed,
            replicates: spec.replicates,
            design: spec.kind.as_str().to_string(),
            samples: spec.samples,
            factors: spec
                .factors
                .iter()
                .map(|f| FactorInfo {
                    key: f.key.clone(),
                    space: f.describe(),
                })
                .collect(),
            outcomes: spec.outcomes.clone(),
            days: spec.days,
            dry_run: spec.dry_run,
            n_points: spec.n_points(),
            n_runs: spec.n_runs(),
            shard,
            columns: spec.header(),
            points: spec
                .points
                .iter()
                .map(|p| PointInfo {
                    point: p.index as u64,
                    values: spec.rendered_values(p.index as u64),
                    unit: p.unit.clone(),
                    saltelli: p.saltelli,
                })
                .collect(),
        }
    }

    /// Read `DIR/sweep.json`.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(SWEEP_JSON);
        let text = fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Input(InputError::new(
                    dir.display().to_string(),
                    None,
                    "not a sweep directory (no sweep.json)",
                ))
            } else {
                Error::io("reading", &path, e)
            }
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::Input(InputError::new(
                path.display().to_string(),
                None,
                format!("unreadable sweep manifest: {e}"),
            ))
        })
    }

    /// The `runs.csv` header line (with newline).
    pub fn header_line(&self) -> String {
        csv_line(&self.columns)
    }
}

/// One CSV record as a line, quoted as the `csv` crate quotes (with newline).
pub fn csv_line(fields: &[String]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(fields);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Where each complete record of a `runs.csv` is.
#[derive(Debug, Clone, Default)]
pub struct RowIndex {
    /// The header line (with newline), empty if the file is empty.
    pub header: String,
    /// `(run, byte offset, byte length incl. newline)` per record, in file order.
    pub rows: Vec<(u64, u64, u32)>,
    /// Length of the file up to the end of its last complete line.
    pub complete_len: u64,
    /// Bytes after the last complete line (a record cut short).
    pub partial_tail: u64,
}

/// Index `path` (a `runs.csv`) without holding its rows in memory.
pub fn index_rows(path: &Path) -> Result<RowIndex> {
    let file = File::open(path).map_err(|e| Error::io("reading", path, e))?;
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut idx = RowIndex::default();
    let mut line = Vec::with_capacity(256);
    let mut offset = 0u64;
    let mut lineno = 0u64;
    loop {
        line.clear();
        let n = r
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io("reading", path, e))? as u64;
        if n == 0 {
            break;
        }
        if line.last() != Some(&b'\n') {
            idx.partial_tail = n;
            break;
        }
        lineno += 1;
        if lineno == 1 {
            idx.header = String::from_utf8_lossy(&line).into_owned();
        } else {
            let first = line.split(|b| *b == b',').next().unwrap_or(&[]);
            let run = std::str::from_utf8(first)
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    Error::Other(format!(
                        "'{}' line {lineno}: no run index in the first column",
                        path.display()
                    ))
                })?;
            idx.rows.push((run, offset, n as u32));
        }
        offset += n;
        idx.complete_len = offset;
    }
    Ok(idx)
}

/// Write the header and then the given rows (read from their source files)
/// to `dest` atomically.
fn write_rows(
    dest: &Path,
    header: &str,
    rows: &[(u64, usize, u64, u32)],
    sources: &[File],
) -> Result<()> {
    let io = |e: std::io::Error| Error::io("writing", dest, e);
    let mut w = BufWriter::with_capacity(1 << 16, output::AtomicFile::create(dest).map_err(io)?);
    w.write_all(header.as_bytes()).map_err(io)?;
    let mut buf = Vec::new();
    for &(_, src, off, len) in rows {
        buf.resize(len as usize, 0);
        sources[src]
            .read_exact_at(&mut buf, off)
            .map_err(|e| Error::io("reading", dest, e))?;
        w.write_all(&buf).map_err(io)?;
    }
    let f = w.into_inner().map_err(|e| io(e.into_error()))?;
    f.commit().map_err(io)
}

fn duplicate_error(run: u64, a: &Path, b: &Path) -> Error {
    let msg = if a == b {
        format!("run {run} appears twice in '{}'", a.display())
    } else {
        format!(
            "run {run} appears in both '{}' and '{}'",
            a.display(),
            b.display()
        )
    };
    Error::Input(
        InputError::new(a.display().to_string(), None, msg)
            .hint("shards must be disjoint (same N, different K)"),
    )
}

/// Sort `runs.csv` at `path` by run index (atomically), dropping a trailing
/// partial record. Refuses duplicate runs. The caller holds the directory lock.
pub fn sort_runs_file(path: &Path) -> Result<u64> {
    let idx = index_rows(path)?;
    let src = File::open(path).map_err(|e| Error::io("reading", path, e))?;
    let mut rows: Vec<(u64, usize, u64, u32)> =
        idx.rows.iter().map(|&(r, o, l)| (r, 0, o, l)).collect();
    rows.sort_by_key(|r| r.0);
    if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(duplicate_error(w[0].0, path, path));
    }
    let already_sorted = idx.rows.windows(2).all(|w| w[0].0 < w[1].0);
    if !already_sorted || idx.partial_tail > 0 {
        write_rows(path, &idx.header, &rows, &[src])?;
    }
    Ok(rows.len() as u64)
}

/// `woundsim sweep sort DIR`: sort `DIR/runs.csv` by run index.
pub fn sort_dir(dir: &Path) -> Result<u64> {
    Manifest::read(dir)?;
    let _lock = DirLock::acquire(dir)?;
    sort_runs_file(&dir.join(RUNS_CSV))
}

/// What [`merge`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeSummary {
    /// Runs written.
    pub runs: u64,
    /// Runs of the sweep that no shard holds.
    pub missing: u64,
    /// Time-series files copied.
    pub timeseries: u64,
}

/// Join shard directories into `out`: same sweep hash required, rows sorted
/// by run, duplicates refused, and (unless `allow_missing`) every run present.
pub fn merge(
    out: &Path,
    shards: &[PathBuf],
    force: bool,
    allow_missing: bool,
) -> Result<MergeSummary> {
    if shards.is_empty() {
        return Err(Error::Input(InputError::new(
            "<command line>",
            None,
            "no shard directories given",
        )));
    }
    let manifests: Vec<Manifest> = shards
        .iter()
        .map(|d| Manifest::read(d))
        .collect::<Result<_>>()?;
    let first = &manifests[0];
    for (d, m) in shards.iter().zip(&manifests).skip(1) {
        if m.sweep_hash != first.sweep_hash {
            return Err(Error::Input(
                InputError::new(
                    d.join(SWEEP_JSON).display().to_string(),
                    Some("sweep_hash"),
                    format!("{} differs from {} in '{}'", m.sweep_hash, first.sweep_hash, shards[0].display()),
                )
                .hint("the shards come from different sweep files, base scenarios or woundsim versions"),
            ));
        }
    }
    let canon: Vec<PathBuf> = shards
        .iter()
        .map(|d| fs::canonicalize(d).unwrap_or_else(|_| d.clone()))
        .collect();
    for (i, c) in canon.iter().enumerate() {
        if let Some(j) = canon[..i].iter().position(|o| o == c) {
            return Err(Error::Input(InputError::new(
                "<command line>",
                None,
                format!(
                    "shard directory '{}' is given twice ('{}')",
                    shards[i].display(),
                    shards[j].display()
                ),
            )));
        }
    }
    let out_abs = fs::canonicalize(out).ok();
    for d in shards {
        if out_abs.is_some() && fs::canonicalize(d).ok() == out_abs {
            return Err(Error::Input(InputError::new(
                "<command line>",
                None,
                format!("the output '{}' is also a shard", out.display()),
            )));
        }
    }
    let _locks: Vec<DirLock> = shards
        .iter()
        .map(|d| DirLock::acquire(d))
        .collect::<Result<_>>()?;
    let header = first.header_line();
    let mut rows: Vec<(u64, usize, u64, u32)> = Vec::new();
    let mut files = Vec::with_capacity(shards.len());
    for (s, d) in shards.iter().enumerate() {
        let path = d.join(RUNS_CSV);
        let idx = index_rows(&path)?;
        if idx.header != header {
            return Err(Error::Other(format!(
                "'{}' has an unexpected header",
                path.display()
            )));
        }
        rows.extend(idx.rows.iter().map(|&(r, o, l)| (r, s, o, l)));
        files.push(File::open(&path).map_err(|e| Error::io("reading", &path, e))?);
    }
    rows.sort_by_key(|r| (r.0, r.1));
    if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(duplicate_error(
            w[0].0,
            &shards[w[0].1].join(RUNS_CSV),
            &shards[w[1].1].join(RUNS_CSV),
        ));
    }
    if let Some(r) = rows.iter().find(|r| r.0 >= first.n_runs) {
        return Err(Error::Other(format!(
            "run {} in '{}' is outside the sweep (0..{})",
            r.0,
            shards[r.1].display(),
            first.n_runs
        )));
    }
    let missing = first.n_runs - rows.len() as u64;
    if missing > 0 && !allow_missing {
        let mut gaps = Vec::new();
        let mut next = 0u64;
        for r in rows
            .iter()
            .map(|r| r.0)
            .chain(std::iter::once(first.n_runs))
        {
            if r > next && gaps.len() < 5 {
                gaps.push(if r - 1 == next {
                    format!("{next}")
                } else {
                    format!("{next}-{}", r - 1)
                });
            }
            next = r + 1;
        }
        return Err(Error::Other(format!(
            "{missing} of {} runs are in no shard (runs {}{}); finish or resume the missing shards, or pass --allow-missing",
            first.n_runs,
            gaps.join(", "),
            if gaps.len() == 5 { ", ..." } else { "" }
        )));
    }
    let _out_lock = output::prepare_dir(out, force, &output::OutputKind::sweep())?;
    let copy = |name: &str| -> Result<()> {
        let src = shards[0].join(name);
        if src.exists() {
            let bytes = fs::read(&src).map_err(|e| Error::io("reading", &src, e))?;
            output::write_atomic(&out.join(name), &bytes)?;
        }
        Ok(())
    };
    copy(SWEEP_TOML)?;
    copy(BASE_TOML)?;
    let mut m = first.clone();
    m.shard = None;
    write_rows(&out.join(RUNS_CSV), &header, &rows, &files)?;
    let mut timeseries = 0;
    for &(run, s, _, _) in &rows {
        let src = shards[s]
            .join(TIMESERIES_DIR)
            .join(format!("run_{run}.csv"));
        if src.exists() {
            let dest_dir = output::ensure_subdir(out, TIMESERIES_DIR)?;
            let dest = dest_dir.join(format!("run_{run}.csv"));
            let bytes = fs::read(&src).map_err(|e| Error::io("reading", &src, e))?;
            output::write_atomic(&dest, &bytes)?;
            timeseries += 1;
        }
    }
    output::write_json(&out.join(SWEEP_JSON), &m)?;
    Ok(MergeSummary {
        runs: rows.len() as u64,
        missing,
        timeseries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parse_and_membership() {
        let s = Shard::parse("2/3").unwrap();
        assert!(s.contains(1) && s.contains(4) && !s.contains(0));
        assert!(
            Shard::parse("0/3").is_err()
                && Shard::parse("4/3").is_err()
                && Shard::parse("x").is_err()
        );
    }

    #[test]
    fn index_ignores_partial_tail_and_sort_orders_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("runs.csv");
        fs::write(&p, "run,x\n2,b\n0,a\n1,\"q,r\"\n3,par").unwrap();
        let idx = index_rows(&p).unwrap();
        assert_eq!(idx.rows.len(), 3);
        assert_eq!(idx.partial_tail, 5);
        assert_eq!(sort_runs_file(&p).unwrap(), 3);
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "run,x\n0,a\n1,\"q,r\"\n2,b\n"
        );
        fs::write(&p, "run,x\n2,b\n2,a\n").unwrap();
        assert!(sort_runs_file(&p)
            .unwrap_err()
            .to_string()
            .contains("run 2 appears twice"));
    }
}
