//! Running a sweep into a directory: runs in parallel, one row of `runs.csv`
//! written and flushed per finished run, resumable, shardable and
//! interruptible.
//!
//! Run `i` is replicate `i % replicates` of design point `i / replicates`
//! with seed `derive_seed(master, [point, replicate])`, so its row does not
//! depend on threads, shards or interruptions.
//!
//! Parallelism: `threads` worker threads each own a one-thread rayon pool
//! (built once) and run whole simulations inside it, so each simulation is
//! single-threaded and at most `threads` runs are in flight. Workers take
//! run indices from a shared counter; finished rows go through a bounded
//! channel to the calling thread, which alone writes `runs.csv`. Memory is
//! therefore flat in the number of runs (one bit per run for bookkeeping).
//!
//! Plain worker threads are used rather than `par_iter` over run indices:
//! a rayon worker that calls `install` on another pool keeps stealing work
//! from its own pool while it waits, so it would start further runs nested
//! on its stack, unbounded by the thread count.

use crate::error::{Error, InputError, Result};
use crate::output::{self, DirLock};
use crate::rng::derive_seed;
use crate::sweep::file::{one_line, render_number, RunId, SweepSpec};
use crate::sweep::store::{
    self, Manifest, Shard, BASE_TOML, RUNS_CSV, SWEEP_JSON, SWEEP_TOML, TIMESERIES_DIR,
};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

/// How to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// A new sweep into an empty (or new) directory.
    #[default]
    Fresh,
    /// A new sweep, clearing a non-empty directory.
    Force,
    /// Continue a sweep in the directory, running only missing runs.
    Resume,
}

/// Options of [`run`].
#[derive(Default)]
pub struct Options<'a> {
    /// Fresh, forced or resumed.
    pub start: Start,
    /// Run only this shard.
    pub shard: Option<Shard>,
    /// Write per-run time series (also enabled by the sweep file).
    pub timeseries: bool,
    /// Worker threads (0: `rayon::current_num_threads()`).
    pub threads: usize,
    /// Set to true (e.g. by a signal handler) to stop launching runs.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Called on the calling thread after each row is written.
    pub progress: Option<&'a dyn Fn(&Progress)>,
}

/// Progress of a sweep invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Runs of this shard (or sweep) in total.
    pub total: u64,
    /// Runs already in `runs.csv` when this invocation started.
    pub previously_done: u64,
    /// Runs this invocation will run if not interrupted.
    pub pending: u64,
    /// Runs finished (ok or failed) by this invocation.
    pub done: u64,
    /// Of those, failed.
    pub failed: u64,
}

/// What [`run`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Final progress counts.
    pub progress: Progress,
    /// Stopped early by the interrupt flag; resumable.
    pub interrupted: bool,
    /// Wall time of this invocation (s).
    pub wall_s: f64,
    /// Worker threads used.
    pub threads: usize,
    /// The `runs.csv` written.
    pub runs_csv: PathBuf,
}

/// One finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Identity.
    pub id: RunId,
    /// Factor values as rendered in `runs.csv`.
    pub values: Vec<String>,
    /// `Err(message)` for a failed run.
    pub status: std::result::Result<(), String>,
    /// Outcome values in the sweep's order (all `None` for a failed run).
    pub outcomes: Vec<Option<f64>>,
}

impl RunRecord {
    /// The `runs.csv` fields of this record.
    pub fn fields(&self) -> Vec<String> {
        let mut f = vec![
            self.id.run.to_string(),
            self.id.point.to_string(),
            self.id.replicate.to_string(),
            self.id.seed.to_string(),
        ];
        f.extend(self.values.iter().cloned());
        match &self.status {
            Ok(()) => f.extend(["ok".to_string(), String::new()]),
            Err(e) => f.extend(["failed".to_string(), one_line(e)]),
        }
        f.extend(self.outcomes.iter().map(|v| render_number(*v)));
        f
    }
}

/// Run one run of `spec` (no files unless `timeseries_dir`).
pub fn execute(spec: &SweepSpec, run: u64, timeseries_dir: Option<&Path>) -> RunRecord {
    let id = spec.run_id(run);
    let values = spec.rendered_values(id.point);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || -> Result<Vec<Option<f64>>> {
            let p = spec.params_for(id.point)?;
            if spec.dry_run {
                return Ok(dry_outcomes(spec, id));
            }
            let out = crate::run::simulate(&p, id.seed)?;
            if let Some(dir) = timeseries_dir {
                let bytes = output::timeseries_csv(&out.columns, &out.rows)?;
                output::write_atomic(&dir.join(format!("run_{run}.csv")), &bytes)?;
            }
            Ok(spec
                .outcomes
                .iter()
                .map(|o| out.summary.outcome(o))
                .collect())
        },
    ));
    let status = match result {
        Ok(Ok(outcomes)) => {
            return RunRecord {
                id,
                values,
                status: Ok(()),
                outcomes,
            }
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into())
        )),
    };
    RunRecord {
        id,
        values,
        status,
        outcomes: vec![None; spec.outcomes.len()],
    }
}

/// The stand-in for a simulation when `dry_run = true`: outcome `j` is
/// `Σ_f (f+1)·u_f + j + 0.1·h(seed, j)` with `u_f` the point's unit
/// coordinates and `h ∈ [0, 1)` a hash.
fn dry_outcomes(spec: &SweepSpec, id: RunId) -> Vec<Option<f64>> {
    let unit = &spec.points[id.point as usize].unit;
    let base: f64 = unit
        .iter()
        .enumerate()
        .map(|(f, u)| (f as f64 + 1.0) * u)
        .sum();
    (0..spec.outcomes.len())
        .map(|j| {
            let h = (derive_seed(id.seed, &[j as u64]) >> 11) as f64 / (1u64 << 53) as f64;
            Some(base + j as f64 + 0.1 * h)
        })
        .collect()
}

fn input(dir: &Path, msg: String) -> Error {
    Error::Input(InputError::new(dir.display().to_string(), None, msg))
}

/// Prepare `dir` for a fresh sweep or check it for a resume; returns the
/// lock, the set of runs already done and the open `runs.csv` (positioned
/// at its end, any partial record removed).
fn prepare(spec: &SweepSpec, dir: &Path, opts: &Options) -> Result<(DirLock, Vec<bool>, File)> {
    let runs_path = dir.join(RUNS_CSV);
    let n = spec.n_runs() as usize;
    let header = store::csv_line(&spec.header());
    if opts.start != Start::Resume {
        let force = opts.start == Start::Force;
        let lock = output::prepare_dir(dir, force, &output::OutputKind::sweep()).map_err(|e| match e {
            Error::OutputInUse(m) if m.contains("not empty") => Error::OutputInUse(format!(
                "{m}; to continue an interrupted sweep there pass --resume (with the same sweep file and --shard, if any)"
            )),
            other => other,
        })?;
        output::write_atomic(&dir.join(SWEEP_TOML), spec.text.as_bytes())?;
        let base =
            toml::to_string(&spec.base).map_err(|e| Error::Other(format!("base scenario: {e}")))?;
        output::write_atomic(&dir.join(BASE_TOML), base.as_bytes())?;
        output::write_atomic(&runs_path, header.as_bytes())?;
        output::write_json(&dir.join(SWEEP_JSON), &Manifest::new(spec, opts.shard))?;
        let f = output::atomic::open_append(&runs_path)?;
        return Ok((lock, vec![false; n], f));
    }
    if !dir.join(SWEEP_JSON).exists() {
        return Err(input(
            dir,
            "nothing to resume: no sweep.json (start the sweep without --resume)".into(),
        ));
    }
    let lock = DirLock::acquire(dir)?;
    let m = Manifest::read(dir)?;
    if m.sweep_hash != spec.hash {
        return Err(Error::Input(
            InputError::new(
                spec.label.clone(),
                None,
                format!(
                    "differs from the sweep in '{}' (hash {} vs {}): the sweep file, its base scenario or woundsim changed",
                    dir.display(),
                    spec.hash,
                    m.sweep_hash
                ),
            )
            .hint("resume with the original sweep file, or start a new sweep in another directory"),
        ));
    }
    if m.shard != opts.shard {
        let show = |s: Option<Shard>| {
            s.map(|s| format!("--shard {s}"))
                .unwrap_or_else(|| "no --shard".into())
        };
        return Err(input(
            dir,
            format!(
                "holds {} but this resume has {}",
                show(m.shard),
                show(opts.shard)
            ),
        ));
    }
    if !runs_path.exists() {
        output::write_atomic(&runs_path, header.as_bytes())?;
    }
    let idx = store::index_rows(&runs_path)?;
    if idx.header.is_empty() {
        output::write_atomic(&runs_path, header.as_bytes())?;
    } else if idx.header != header {
        return Err(Error::Other(format!(
            "'{}' has an unexpected header",
            runs_path.display()
        )));
    }
    let mut done = vec![false; n];
    for &(run, _, _) in &idx.rows {
        let slot = done.get_mut(run as usize).ok_or_else(|| {
            Error::Other(format!(
                "'{}': run {run} is outside the sweep",
                runs_path.display()
            ))
        })?;
        if std::mem::replace(slot, true) {
            return Err(Error::Other(format!(
                "'{}': run {run} appears twice",
                runs_path.display()
            )));
        }
    }
    let f = output::atomic::open_append(&runs_path)?;
    if idx.partial_tail > 0 && !idx.header.is_empty() {
        f.set_len(idx.complete_len)
            .map_err(|e| Error::io("writing", &runs_path, e))?;
    }
    Ok((lock, done, f))
}

/// Run `spec` into `dir` (see the module documentation).
///
/// Failed runs are recorded in `runs.csv` with their error and do not stop
/// the sweep. When the interrupt flag is set no new run starts, runs in
/// flight finish and are written, and the outcome says `interrupted`.
/// At the end `runs.csv` is sorted by run index.
pub fn run(spec: &SweepSpec, dir: &Path, opts: &Options) -> Result<Outcome> {
    let t0 = Instant::now();
    let (_lock, done, file) = prepare(spec, dir, opts)?;
    let runs_path = dir.join(RUNS_CSV);
    let timeseries = opts.timeseries || spec.timeseries;
    let ts_dir = dir.join(TIMESERIES_DIR);
    if timeseries && !spec.dry_run {
        output::ensure_subdir(dir, TIMESERIES_DIR)?;
    }
    let n = spec.n_runs();
    let shard = opts.shard;
    let mine = move |i: u64| shard.map(|s| s.contains(i)).unwrap_or(true);
    let total = (0..n).filter(|&i| mine(i)).count() as u64;
    let previously_done = (0..n).filter(|&i| mine(i) && done[i as usize]).count() as u64;
    let mut progress = Progress {
        total,
        previously_done,
        pending: total - previously_done,
        done: 0,
        failed: 0,
    };
    let threads = if opts.threads == 0 {
        rayon::current_num_threads()
    } else {
        opts.threads
    }
    .max(1);
    let threads = threads.min(progress.pending.max(1) as usize);
    let pools = (0..threads)
        .map(|w| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(move |_| format!("woundsim-sweep-{w}"))
                .build()
                .map_err(|e| Error::Other(format!("starting a worker thread pool: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;

    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let flag = opts.interrupt.clone();
    let interrupted = || {
        flag.as_ref()
            .map(|f| f.load(Ordering::SeqCst))
            .unwrap_or(false)
    };
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(file);
    let ts = (timeseries && !spec.dry_run).then_some(ts_dir.as_path());

    let write_result: Result<()> = std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<RunRecord>(2 * threads);
        for pool in pools {
            let tx = tx.clone();
            let (next, stop, done, interrupted, mine) = (&next, &stop, &done, &interrupted, &mine);
            s.spawn(move || loop {
                if stop.load(Ordering::SeqCst) || interrupted() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    break;
                }
                if !mine(i) || done[i as usize] {
                    continue;
                }
                let rec = pool.install(|| execute(spec, i, ts));
                if tx.send(rec).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut result = Ok(());
        for rec in rx {
            if result.is_err() {
                continue;
            }
            let failed = rec.status.is_err();
            let w = writer
                .write_record(rec.fields())
                .and_then(|_| writer.flush().map_err(csv::Error::from))
                .map_err(|e| Error::Other(format!("writing '{}': {e}", runs_path.display())));
            if let Err(e) = w {
                stop.store(true, Ordering::SeqCst);
                result = Err(e);
                continue;
            }
            progress.done += 1;
            progress.failed += failed as u64;
            if let Some(cb) = opts.progress {
                cb(&progress);
            }
        }
        result
    });
    write_result?;
    let file = writer
        .into_inner()
        .map_err(|e| Error::Other(format!("writing '{}': {e}", runs_path.display())))?;
    file.sync_all()
        .map_err(|e| Error::io("writing", &runs_path, e))?;
    drop(file);
    store::sort_runs_file(&runs_path)?;
    Ok(Outcome {
        progress,
        interrupted: progress.done < progress.pending,
        wall_s: t0.elapsed().as_secs_f64(),
        threads,
        runs_csv: runs_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn spec(extra: &str) -> SweepSpec {
        let text = format!(
            "days = 1\nreplicates = 2\n{extra}\n[[factor]]\nkey = \"treatment.dose.dose_cells\"\nvalues = [1e5, 1e6]\n\
             [base_inline.domain]\nwidth_um = 1000\nheight_um = 1000\n[base_inline.wound]\ndiameter_um = 600\n"
        );
        SweepSpec::from_str(&text, "t.toml", Path::new(".")).unwrap()
    }

    #[test]
    fn rows_are_deterministic_and_failures_are_recorded() {
        let s = spec("outcomes = [\"closure_pct_final\", \"o2_time_mean_mmHg\"]");
        let a = execute(&s, 3, None);
        let b = execute(&s, 3, None);
        assert_eq!(a, b);
        assert_eq!(a.fields().len(), s.header().len());
        let mut bad = s.clone();
        bad.factors[0].values = Some(vec![toml::Value::Float(-5.0), toml::Value::Float(-5.0)]);
        let r = execute(&bad, 0, None);
        assert!(r.status.is_err());
        assert_eq!(r.fields()[5], "failed");
    }

    #[test]
    fn fresh_run_refuses_non_empty_dir_and_resume_completes() {
        let s = spec("dry_run = true");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("out");
        let o = run(
            &s,
            &d,
            &Options {
                threads: 2,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(o.progress.done, 4);
        let full = fs::read_to_string(d.join(RUNS_CSV)).unwrap();
        assert_eq!(full.lines().count(), 5);
        assert!(run(&s, &d, &Options::default())
            .unwrap_err()
            .to_string()
            .contains("not empty"));
        // Drop two rows and leave a partial line; resume restores the same file.
        let lines: Vec<&str> = full.lines().collect();
        fs::write(
            d.join(RUNS_CSV),
            format!("{}\n{}\n{}\n3,1,", lines[0], lines[3], lines[1]),
        )
        .unwrap();
        let o = run(
            &s,
            &d,
            &Options {
                start: Start::Resume,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!((o.progress.previously_done, o.progress.done), (2, 2));
        assert_eq!(fs::read_to_string(d.join(RUNS_CSV)).unwrap(), full);
    }
}
