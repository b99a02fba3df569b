//! Running a scenario: in memory ([`simulate`]) or into a run directory with
//! manifest, snapshots, checkpoints and interruption handling
//! ([`run_in_dir`], [`resume`]).

use crate::error::{Error, InputError, Result};
use crate::observe::{self, Row, Summary};
use crate::output::{self, snapshot, Manifest, Status};
use crate::scenario::{Params, Scenario};
use crate::sim::{self, PhaseTimes, SimState, Workspace};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

mod memory;
pub use memory::*;
mod checkpoint;
use checkpoint::*;
pub use checkpoint::{checkpoint_bytes, restore_bytes};
#[cfg(test)]
mod tests;

/// Progress callback: (steps done, total steps).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Options of a run into a directory.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Overwrite a non-empty directory.
    pub force: bool,
    /// Write field snapshots.
    pub snapshots: bool,
    /// Write a checkpoint every this many simulated days.
    pub checkpoint_every_days: Option<f64>,
    /// Set to true (e.g. by a signal handler) to stop at the next step.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Progress reporting.
    pub progress: Option<Progress<'a>>,
}

/// What a finished run returns.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Column names.
    pub columns: Vec<String>,
    /// Time-series rows.
    pub rows: Vec<Row>,
    /// Summary.
    pub summary: Summary,
    /// Wall time (s).
    pub wall_s: f64,
    /// Time per phase.
    pub times: PhaseTimes,
    /// Base steps simulated.
    pub steps: u64,
}

/// Simulate in memory (no files), with the cohort patient for `seed`.
/// A run that would need more memory than the machine has installed (or
/// than `limits.max_memory_mib`) is refused before allocating.
pub fn simulate(p: &Params, seed: u64) -> Result<RunOutput> {
    simulate_patient(p, seed, crate::cohort::patient_for(p, seed))
}

/// [`simulate`] with a given patient instead of the cohort patient of
/// `seed` (a virtual trial draws and screens its patients itself).
pub fn simulate_patient(
    p: &Params,
    seed: u64,
    patient: crate::scenario::patient::PatientValues,
) -> Result<RunOutput> {
    check_memory(p, total_memory_mib())?;
    let mut st = SimState::new(p, seed, patient);
    let mut ws = Workspace::new(p, &st);
    let mut times = PhaseTimes::default();
    let t0 = Instant::now();
    while st.step < p.steps.total {
        sim::step_timed(p, &mut st, &mut ws, &mut times)?;
    }
    Ok(finish(p, st, times, t0.elapsed().as_secs_f64()))
}

fn finish(p: &Params, st: SimState, times: PhaseTimes, wall_s: f64) -> RunOutput {
    let columns = observe::columns(p);
    let mut summary = Summary::from_rows(p, st.seed, &columns, &st.rows);
    summary.agent_cap_hit_day = st.agent_cap_hit_step.map(|s| p.steps.day(s));
    RunOutput {
        columns,
        rows: st.rows,
        summary,
        wall_s,
        times,
        steps: st.step,
    }
}

/// A checkpoint: the scenario, the run's output settings and the full state.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    version: String,
    label: String,
    scenario_toml: String,
    /// Field snapshots are written (as in [`RunOptions::snapshots`]).
    snapshots: bool,
    /// Checkpoint interval (as in [`RunOptions::checkpoint_every_days`]).
    checkpoint_every_days: Option<f64>,
    state: SimState,
    snapshot_index: snapshot::Index,
    wall_s: f64,
}

const CHECKPOINT: &str = "checkpoint.bin";
const PARTIAL: &str = "timeseries.partial.csv";
const RESULTS: [&str; 2] = ["timeseries.csv", "summary.json"];

/// The manifest of a run directory `dir` in its current state (files
/// listed from the directory).
pub fn manifest(
    p: &Params,
    seed: u64,
    status: Status,
    wall: f64,
    day: f64,
    error: Option<String>,
    dir: &Path,
) -> Manifest {
    let mut files: Vec<String> = walk(dir);
    files.sort();
    Manifest {
        woundsim_version: crate::VERSION.to_string(),
        status,
        scenario_name: p.scenario.name.clone(),
        scenario_source: p.label.clone(),
        scenario_hash: p.scenario.hash_hex(),
        scenario_toml: p.scenario.to_toml(),
        seed,
        threads: rayon::current_num_threads(),
        wall_time_s: wall,
        day_reached: day,
        error,
        files,
        agent_cap_hit_day: None,
    }
}

/// Every regular file under `dir` (relative), except temporary and hidden
/// files and the manifest. Symbolic links are neither listed nor followed.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let path = e.path();
                let Ok(ft) = e.file_type() else { continue };
                let hidden = e.file_name().to_string_lossy().starts_with('.');
                if ft.is_dir() && !hidden {
                    stack.push(path);
                } else if ft.is_file() && !hidden {
                    if let Ok(rel) = path.strip_prefix(dir) {
                        let s = rel.to_string_lossy().to_string();
                        if !s.ends_with(".tmp") && s != "manifest.json" {
                            out.push(s);
                        }
                    }
                }
            }
        }
    }
    out
}

/// Run `p` with `seed` into `dir`. A run that would need more memory than
/// is available is refused before anything is allocated or written.
pub fn run_in_dir(p: &Params, seed: u64, dir: &Path, opts: &RunOptions) -> Result<RunOutput> {
    if let Some(d) = opts.checkpoint_every_days {
        if !(d.is_finite() && d > 0.0) {
            return Err(Error::Input(
                InputError::new(
                    "<command line>",
                    Some("--checkpoint-every"),
                    format!("value {d} days never gives a checkpoint"),
                )
                .allowed("a finite number of days > 0, e.g. 1 or 0.5"),
            ));
        }
    }
    check_memory(p, available_memory_mib())?;
    let _lock = output::prepare_dir(dir, opts.force, &output::OutputKind::run())?;
    let patient = crate::cohort::patient_for(p, seed);
    let st = SimState::new(p, seed, patient);
    drive(p, st, snapshot::Index::default(), 0.0, dir, opts)
}

/// A run directory opened for resumption: locked, its checkpoint read and
/// its scenario validated. [`Resumable::run`] continues it.
pub struct Resumable {
    _lock: output::DirLock,
    dir: PathBuf,
    params: Params,
    ck: Checkpoint,
}

impl Resumable {
    /// Lock `dir` and read its checkpoint. Errors are input errors when the
    /// directory is not a resumable run (missing, already complete, no
    /// checkpoint yet, or a checkpoint of another woundsim version).
    pub fn open(dir: &Path) -> Result<Resumable> {
        let bad = |msg: String| Error::Input(InputError::new(dir.display().to_string(), None, msg));
        if !dir.is_dir() {
            return Err(bad("no such run directory".into()));
        }
        let path = dir.join(CHECKPOINT);
        if !path.exists() {
            let manifest = std::fs::read(dir.join("manifest.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
            let why = match manifest.as_ref().map(|m| (m.status, m)) {
                Some((Status::Complete, m)) => {
                    let missing: Vec<&String> =
                        m.files.iter().filter(|f| !dir.join(f).is_file()).collect();
                    match missing.first() {
                        None => "the run is already complete; nothing to resume".into(),
                        Some(first) => format!(
                            "the run is complete but {} of the files its manifest lists are missing (first: {first}); \
                             they cannot be rebuilt by resuming: run it again with `woundsim run ... --force`",
                            missing.len()
                        ),
                    }
                }
                Some(_) => format!(
                    "no {CHECKPOINT}: the run stopped before its first checkpoint; start it again with `woundsim run ... --force`"
                ),
                None => format!("not a woundsim run directory (no manifest.json and no {CHECKPOINT})"),
            };
            return Err(bad(why));
        }
        // Locked only once the directory is known to be a resumable run.
        let lock = output::DirLock::acquire(dir)?;
        let bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
        let ck = decode_checkpoint(&bytes).map_err(|why| {
            bad(format!(
                "checkpoint '{}' is unusable: {why}; it may be damaged or written by another woundsim version, \
                 start the run again with `woundsim run ... --force`",
                path.display()
            ))
        })?;
        if ck.version != crate::VERSION {
            return Err(bad(format!(
                "checkpoint '{}' was written by woundsim {}, this is {}",
                path.display(),
                ck.version,
                crate::VERSION
            )));
        }
        let scenario = Scenario::from_toml_str(&ck.scenario_toml, &ck.label, &[])?;
        let params = Params::new(scenario, &ck.label)?;
        check_checkpoint(&params, &ck).map_err(|why| {
            bad(format!(
                "checkpoint '{}' does not match its scenario: {why}; start the run again with `woundsim run ... --force`",
                path.display()
            ))
        })?;
        let missing = ck.snapshot_index.missing_files(dir);
        if !missing.is_empty() {
            return Err(bad(format!(
                "{} snapshot file(s) listed in snapshots/index.json are missing (first: {}); \
                 restore them or start the run again with `woundsim run ... --force`",
                missing.len(),
                missing[0]
            )));
        }
        Ok(Resumable {
            _lock: lock,
            dir: dir.to_path_buf(),
            params,
            ck,
        })
    }

    /// The run's validated parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The simulated day the checkpoint was taken at.
    pub fn day(&self) -> f64 {
        self.ck.state.day(&self.params)
    }

    /// Continue the run to its end. Snapshots and the checkpoint interval
    /// are those of the original run (`opts.snapshots` and
    /// `opts.checkpoint_every_days` are ignored), so the result equals an
    /// uninterrupted run byte for byte.
    pub fn run(self, opts: &RunOptions) -> Result<RunOutput> {
        check_memory(&self.params, available_memory_mib())?;
        let opts = RunOptions {
            force: false,
            snapshots: self.ck.snapshots,
            checkpoint_every_days: self.ck.checkpoint_every_days,
            interrupt: opts.interrupt.clone(),
            progress: opts.progress,
        };
        let ck = self.ck;
        drive(
            &self.params,
            ck.state,
            ck.snapshot_index,
            ck.wall_s,
            &self.dir,
            &opts,
        )
    }
}

/// Resume an interrupted or checkpointed run in `dir` (see [`Resumable`]).
pub fn resume(dir: &Path, opts: &RunOptions) -> Result<(Params, RunOutput)> {
    let r = Resumable::open(dir)?;
    let p = r.params.clone();
    let out = r.run(opts)?;
    Ok((p, out))
}

fn drive(
    p: &Params,
    mut st: SimState,
    mut index: snapshot::Index,
    wall0: f64,
    dir: &Path,
    opts: &RunOptions,
) -> Result<RunOutput> {
    let seed = st.seed;
    let t0 = Instant::now();
    let wall = |t0: &Instant| wall0 + t0.elapsed().as_secs_f64();
    output::write_json(
        &dir.join("manifest.json"),
        &manifest(p, seed, Status::Running, wall0, st.day(p), None, dir),
    )?;
    let mut ws = Workspace::new(p, &st);
    let mut times = PhaseTimes::default();
    let ck_every = opts
        .checkpoint_every_days
        .filter(|d| *d > 0.0)
        .map(|d| ((d * 1440.0 / p.steps.dt_min).round() as u64).max(1));
    let columns = observe::columns(p);
    let total = p.steps.total;
    let mut next_snap = p
        .steps
        .snapshots
        .iter()
        .position(|&s| s >= st.step)
        .unwrap_or(p.steps.snapshots.len());
    let progress_every = (total / 200).max(1);
    // This run has the pool to itself: its idle workers poll for work.
    let result: Result<()> = sim::with_polling_workers(|| loop {
        if opts.snapshots
            && next_snap < p.steps.snapshots.len()
            && p.steps.snapshots[next_snap] == st.step
        {
            snapshot::write(p, &st, dir, &mut index)?;
            next_snap += 1;
        }
        if st.step >= total {
            return Ok(());
        }
        if let Some(flag) = &opts.interrupt {
            if flag.load(Ordering::SeqCst) {
                write_checkpoint(p, &st, &index, wall(&t0), dir, opts)?;
                return Err(Error::Interrupted {
                    day: st.day(p),
                    run_dir: dir.to_path_buf(),
                });
            }
        }
        sim::step_timed(p, &mut st, &mut ws, &mut times)?;
        if st.step.is_multiple_of(p.steps.output_every) {
            output::write_atomic(
                &dir.join(PARTIAL),
                &output::timeseries_csv(&columns, &st.rows)?,
            )?;
        }
        if let Some(every) = ck_every {
            if st.step.is_multiple_of(every) && st.step < total {
                write_checkpoint(p, &st, &index, wall(&t0), dir, opts)?;
            }
        }
        if let Some(cb) = opts.progress {
            if st.step.is_multiple_of(progress_every) || st.step == total {
                cb(st.step, total);
            }
        }
    });
    let w = wall(&t0);
    let day = st.day(p);
    let result = result.and_then(|()| {
        let out = finish(p, st, times, w);
        complete(p, seed, dir, &out, w).map(|()| out)
    });
    match result {
        Ok(out) => Ok(out),
        Err(e) => {
            let status = if matches!(e, Error::Interrupted { .. }) {
                Status::Interrupted
            } else {
                Status::Failed
            };
            mark_stopped(p, seed, status, w, day, &e, dir);
            Err(e)
        }
    }
}

/// Write the results and the `complete` manifest of a finished run, then
/// remove the partial time series and the checkpoint. If any of it fails
/// (e.g. a full disk) the result files are removed again, so that no
/// result looks complete without a `complete` manifest.
fn complete(p: &Params, seed: u64, dir: &Path, out: &RunOutput, wall: f64) -> Result<()> {
    let r = output::write_results(dir, &out.columns, &out.rows, &out.summary).and_then(|()| {
        let mut m = manifest(p, seed, Status::Complete, wall, out.summary.days, None, dir);
        m.agent_cap_hit_day = out.summary.agent_cap_hit_day;
        m.files.retain(|f| f != CHECKPOINT && f != PARTIAL);
        output::write_json(&dir.join("manifest.json"), &m)
    });
    if r.is_err() {
        remove_results(dir);
        return r;
    }
    let _ = std::fs::remove_file(dir.join(PARTIAL));
    let _ = std::fs::remove_file(dir.join(CHECKPOINT));
    Ok(())
}

fn remove_results(dir: &Path) {
    for f in RESULTS {
        let _ = std::fs::remove_file(dir.join(f));
    }
}

/// Mark a stopped run (`failed` or `interrupted`) in its manifest, with no
/// result file left that looks complete. On a full disk the partial time
/// series (rebuilt on resume from the checkpoint) is given up to make room,
/// and as a last resort the manifest is rewritten in place.
fn mark_stopped(p: &Params, seed: u64, status: Status, wall: f64, day: f64, e: &Error, dir: &Path) {
    remove_results(dir);
    let path = dir.join("manifest.json");
    let m = |dir: &Path| manifest(p, seed, status, wall, day, Some(e.to_string()), dir);
    if output::write_json(&path, &m(dir)).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(dir.join(PARTIAL));
    if output::write_json(&path, &m(dir)).is_ok() {
        return;
    }
    let _ = output::overwrite_json_in_place(&path, &m(dir));
}

/// Default output directory for a scenario and seed: `results/<name>-<seed>`,
/// with every character of the name other than ASCII letters, digits, `-`,
/// `_` and inner `.` replaced by `_`, so that it stays inside `results/`.
pub fn default_out_dir(p: &Params, seed: u64) -> PathBuf {
    let name: String = p
        .scenario
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = name.trim_start_matches('.');
    let name = if name.is_empty() { "scenario" } else { name };
    PathBuf::from("results").join(format!("{name}-{seed}"))
}
