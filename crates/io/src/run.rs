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
    check_memory(p, total_memory_mib())?;
    let patient = crate::cohort::patient_for(p, seed);
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

/// Memory (MiB) this process may still use: `MemAvailable` from
/// `/proc/meminfo`, lowered to what the cgroup memory limit leaves (when one
/// is set), or infinity where neither can be read.
pub fn available_memory_mib() -> f64 {
    meminfo_mib("MemAvailable:").min(cgroup_mib(true))
}

/// Memory (MiB) this process may use at most: `MemTotal` from
/// `/proc/meminfo`, lowered to the cgroup memory limit (when one is set),
/// or infinity where neither can be read.
pub fn total_memory_mib() -> f64 {
    meminfo_mib("MemTotal:").min(cgroup_mib(false))
}

fn meminfo_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(key)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::INFINITY)
}

/// The memory limit (MiB) of this process's cgroup (v2 `memory.max`, else
/// v1 `memory.limit_in_bytes`), less what the cgroup already uses when
/// `free`; infinity when there is no limit or it cannot be read.
fn cgroup_mib(free: bool) -> f64 {
    let read = |p: &str| -> Option<f64> { std::fs::read_to_string(p).ok()?.trim().parse().ok() };
    // The process's own cgroup (v2: a line "0::/path").
    let own = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("0::").map(|p| p.trim().to_string()))
        })
        .unwrap_or_default();
    let mut dirs = vec![];
    if !own.is_empty() && own != "/" {
        dirs.push(format!("/sys/fs/cgroup{own}"));
    }
    dirs.push("/sys/fs/cgroup".to_string());
    for d in dirs {
        if let Some(limit) = read(&format!("{d}/memory.max")) {
            let used = if free {
                read(&format!("{d}/memory.current")).unwrap_or(0.0)
            } else {
                0.0
            };
            return (limit - used).max(0.0) / (1024.0 * 1024.0);
        }
    }
    // cgroup v1; an unlimited group reports a number near 2^63.
    match read("/sys/fs/cgroup/memory/memory.limit_in_bytes") {
        Some(limit) if limit < 1e18 => {
            let used = if free {
                read("/sys/fs/cgroup/memory/memory.usage_in_bytes").unwrap_or(0.0)
            } else {
                0.0
            };
            (limit - used).max(0.0) / (1024.0 * 1024.0)
        }
        _ => f64::INFINITY,
    }
}

/// Refuse a run, before anything is allocated, whose estimated memory
/// ([`Params::memory_estimate_mib`]) or whose worst case with
/// `limits.max_agents` agents ([`Params::memory_worst_case_mib`]) exceeds
/// the budget: `limits.max_memory_mib` when set, but never more than the
/// machine's `machine_mib` (so a large setting cannot switch the guard off).
pub fn check_memory(p: &Params, machine_mib: f64) -> Result<()> {
    let set = p.scenario.limits.max_memory_mib;
    let budget = if set > 0.0 {
        set.min(machine_mib)
    } else {
        machine_mib
    };
    let need = p.memory_estimate_mib();
    if need > budget {
        return Err(Error::Resources {
            needed_mib: need,
            available_mib: budget,
            keys: "domain.width_um / domain.height_um, raise domain.voxel_um, disable fields (fields.<name>.enabled = false) or lower treatment.dose.dose_cells / limits.max_agents".into(),
        });
    }
    let worst = p.memory_worst_case_mib();
    if worst > budget {
        return Err(Error::Resources {
            needed_mib: worst,
            available_mib: budget,
            keys: format!(
                "limits.max_agents (now {}; the run may grow to that many agents), or the domain",
                p.scenario.limits.max_agents
            ),
        });
    }
    Ok(())
}

fn write_checkpoint(
    p: &Params,
    st: &SimState,
    index: &snapshot::Index,
    wall: f64,
    dir: &Path,
    opts: &RunOptions,
) -> Result<()> {
    let ck = Checkpoint {
        version: crate::VERSION.to_string(),
        label: p.label.clone(),
        scenario_toml: p.scenario.to_toml(),
        snapshots: opts.snapshots,
        checkpoint_every_days: opts.checkpoint_every_days,
        state: st.clone(),
        snapshot_index: index.clone(),
        wall_s: wall,
    };
    let bytes = encode_checkpoint(&ck)?;
    output::write_atomic(&dir.join(CHECKPOINT), &bytes)
}

/// An in-memory checkpoint of `st` under `p`: the bytes a run directory's
/// `checkpoint.bin` holds (header, checksum, postcard payload), without
/// snapshot settings. [`restore_bytes`] reads it back (and a run's
/// `checkpoint.bin` too); continuing the restored state gives the same
/// results, bit for bit, as continuing `st`.
pub fn checkpoint_bytes(p: &Params, st: &SimState) -> Result<Vec<u8>> {
    encode_checkpoint(&Checkpoint {
        version: crate::VERSION.to_string(),
        label: p.label.clone(),
        scenario_toml: p.scenario.to_toml(),
        snapshots: false,
        checkpoint_every_days: None,
        state: st.clone(),
        snapshot_index: snapshot::Index::default(),
        wall_s: 0.0,
    })
}

/// Decode checkpoint bytes (from [`checkpoint_bytes`] or a run directory's
/// `checkpoint.bin`; `origin` names them in errors) into the validated
/// parameters of their scenario and the state. Errors are input errors:
/// damaged bytes, another woundsim version, or a state that does not fit
/// its scenario.
pub fn restore_bytes(bytes: &[u8], origin: &str) -> Result<(Params, SimState)> {
    let bad = |msg: String| Error::Input(InputError::new(origin, None, msg));
    let ck =
        decode_checkpoint(bytes).map_err(|why| bad(format!("checkpoint is unusable: {why}")))?;
    if ck.version != crate::VERSION {
        return Err(bad(format!(
            "checkpoint was written by woundsim {}, this is {}",
            ck.version,
            crate::VERSION
        )));
    }
    let scenario = Scenario::from_toml_str(&ck.scenario_toml, &ck.label, &[])?;
    let params = Params::new(scenario, &ck.label)?;
    check_checkpoint(&params, &ck)
        .map_err(|why| bad(format!("checkpoint does not match its scenario: {why}")))?;
    Ok((params, ck.state))
}

/// First bytes of every checkpoint file.
const CHECKPOINT_MAGIC: [u8; 8] = *b"WSIMCKPT";
/// Version of the checkpoint container and payload layout; raised whenever
/// either changes, so an old file is refused instead of misread.
const CHECKPOINT_FORMAT: u32 = 2;
/// Header: magic (8 bytes), format (u32 LE), payload length (u64 LE),
/// CRC-32 of the payload (u32 LE).
const CHECKPOINT_HEADER: usize = 8 + 4 + 8 + 4;

/// A checkpoint file: [`CHECKPOINT_HEADER`] bytes of header, then the
/// postcard encoding of the checkpoint.
fn encode_checkpoint(ck: &Checkpoint) -> Result<Vec<u8>> {
    let payload =
        postcard::to_stdvec(ck).map_err(|e| Error::Other(format!("encoding checkpoint: {e}")))?;
    let mut out = Vec::with_capacity(CHECKPOINT_HEADER + payload.len());
    out.extend_from_slice(&CHECKPOINT_MAGIC);
    out.extend_from_slice(&CHECKPOINT_FORMAT.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Read a checkpoint file, checking its header and checksum before the
/// payload is decoded; the error says which check failed.
fn decode_checkpoint(bytes: &[u8]) -> std::result::Result<Checkpoint, String> {
    if bytes.len() < CHECKPOINT_HEADER {
        return Err(format!(
            "{} bytes is shorter than the {CHECKPOINT_HEADER}-byte header",
            bytes.len()
        ));
    }
    let (head, payload) = bytes.split_at(CHECKPOINT_HEADER);
    if head[..8] != CHECKPOINT_MAGIC {
        return Err("not a woundsim checkpoint (wrong magic bytes)".into());
    }
    let word =
        |r: std::ops::Range<usize>| head[r].iter().rev().fold(0u64, |a, &b| (a << 8) | b as u64);
    let format = word(8..12);
    if format != CHECKPOINT_FORMAT as u64 {
        return Err(format!(
            "checkpoint format {format}, this woundsim reads format {CHECKPOINT_FORMAT}"
        ));
    }
    let len = word(12..20);
    if len != payload.len() as u64 {
        return Err(format!(
            "the header announces {len} payload bytes but the file holds {}",
            payload.len()
        ));
    }
    let crc = word(20..24) as u32;
    let actual = crc32fast::hash(payload);
    if crc != actual {
        return Err(format!(
            "checksum mismatch (stored {crc:08x}, computed {actual:08x})"
        ));
    }
    let (ck, rest): (Checkpoint, &[u8]) =
        postcard::take_from_bytes(payload).map_err(|e| format!("payload does not decode: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after the payload", rest.len()));
    }
    Ok(ck)
}

/// Structural check of a decoded checkpoint against the parameters of its
/// scenario: every array has the grid's shape, every agent store's columns
/// have one length, ids are sorted, unique and below `next_id`, and the
/// step and the settings are in range. A checkpoint that passes cannot
/// index out of bounds in the mechanisms.
fn check_checkpoint(p: &Params, ck: &Checkpoint) -> std::result::Result<(), String> {
    ck.state.validate(p)?;
    if let Some(d) = ck.checkpoint_every_days {
        if !(d.is_finite() && d > 0.0) {
            return Err(format!("checkpoint interval {d} days"));
        }
    }
    if !(ck.wall_s.is_finite() && ck.wall_s >= 0.0) {
        return Err(format!("wall time {} s", ck.wall_s));
    }
    let idx = &ck.snapshot_index;
    if !idx.snapshots.is_empty() && (idx.nx != p.grid.nx || idx.ny != p.grid.ny) {
        return Err(format!(
            "snapshot index is {} × {} voxels, the grid {} × {}",
            idx.nx, idx.ny, p.grid.nx, p.grid.ny
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: [&str; 5] = [
        "domain.width_um=1000",
        "domain.height_um=1000",
        "domain.voxel_um=50",
        "wound.diameter_um=600",
        "time.days=1",
    ];

    fn params(extra: &[&str]) -> Params {
        let sets: Vec<String> = TINY.iter().chain(extra).map(|s| s.to_string()).collect();
        Params::new(Scenario::builtin(&sets).unwrap(), "tiny").unwrap()
    }

    fn checkpoint(p: &Params, st: SimState) -> Checkpoint {
        Checkpoint {
            version: crate::VERSION.to_string(),
            label: p.label.clone(),
            scenario_toml: p.scenario.to_toml(),
            snapshots: false,
            checkpoint_every_days: Some(0.5),
            state: st,
            snapshot_index: snapshot::Index::default(),
            wall_s: 1.0,
        }
    }

    fn stepped(p: &Params, steps: u64) -> SimState {
        let mut st = SimState::new(p, 3, crate::cohort::patient_for(p, 3));
        let mut ws = Workspace::new(p, &st);
        for _ in 0..steps {
            sim::step(p, &mut st, &mut ws).unwrap();
        }
        st
    }

    #[test]
    fn checkpoint_round_trips_and_every_header_field_is_checked() {
        let p = params(&[]);
        let ck = checkpoint(&p, stepped(&p, 10));
        let bytes = encode_checkpoint(&ck).unwrap();
        assert_eq!(&bytes[..8], b"WSIMCKPT");
        let back = decode_checkpoint(&bytes).unwrap();
        assert_eq!(back.state, ck.state);
        check_checkpoint(&p, &back).unwrap();
        let err = |b: &[u8]| decode_checkpoint(b).err().unwrap();
        assert!(err(&bytes[..10]).contains("shorter"));
        let mut b = bytes.clone();
        b[8] = 2;
        assert!(err(&b).contains("format 2"), "{}", err(&b));
        let mut b = bytes.clone();
        b.push(0);
        assert!(err(&b).contains("payload bytes"), "{}", err(&b));
        let mut b = bytes.clone();
        let last = b.len() - 1;
        b[last] ^= 1;
        assert!(err(&b).contains("checksum"), "{}", err(&b));
    }

    #[test]
    fn a_checkpoint_that_disagrees_with_its_scenario_is_refused() {
        let p = params(&[]);
        let st = stepped(&p, 10);
        // A state of another grid (e.g. a checkpoint edited or paired with
        // another scenario).
        let other = params(&["domain.voxel_um=25"]);
        let wrong_grid = stepped(&other, 0);
        let e = check_checkpoint(&p, &checkpoint(&p, wrong_grid)).unwrap_err();
        assert!(e.contains("shape"), "{e}");
        let mut cases: Vec<(SimState, &str)> = Vec::new();
        let mut s = st.clone();
        s.mscs.x.pop();
        cases.push((s, "column"));
        let mut s = st.clone();
        s.mscs.id.swap(0, 1);
        cases.push((s, "strictly increasing"));
        let mut s = st.clone();
        s.next_id = 1;
        cases.push((s, "next_id"));
        let mut s = st.clone();
        s.step = p.steps.total + 1;
        cases.push((s, "past the run"));
        let mut s = st.clone();
        s.tissue.vessel[(0, 0)] = 9;
        cases.push((s, "tissue.vessel"));
        let mut s = st.clone();
        s.mscs.x[0] = f32::NAN;
        cases.push((s, "outside"));
        let mut s = st.clone();
        s.fields.names.reverse();
        cases.push((s, "fields"));
        let mut s = st.clone();
        s.rows[0].values.pop();
        cases.push((s, "columns"));
        let mut s = st.clone();
        s.tips.push(s.next_id, 10.0, 10.0);
        s.tips.trail[0].push(u32::MAX);
        s.next_id += 1;
        cases.push((s, "trail"));
        for (s, needle) in cases {
            let e = check_checkpoint(&p, &checkpoint(&p, s)).unwrap_err();
            assert!(e.contains(needle), "expected '{needle}' in: {e}");
        }
    }

    #[test]
    fn memory_budget_cannot_exceed_the_machine() {
        let p = params(&["limits.max_memory_mib=1e9"]);
        // A machine with 10 MiB: the scenario's 1e9 MiB budget is not trusted.
        let e = check_memory(&p, 10.0).unwrap_err().to_string();
        assert!(e.contains("10 MiB"), "{e}");
        assert!(check_memory(&p, 1e6).is_ok());
        // The agent cap's worst case counts against the budget too.
        let p = params(&["limits.max_agents=100000000"]);
        let e = check_memory(&p, 2000.0).unwrap_err().to_string();
        assert!(e.contains("limits.max_agents"), "{e}");
    }
}
