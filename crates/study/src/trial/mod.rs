//! Virtual randomized trials (`woundsim trial TRIAL.toml`): two or more
//! arms (scenarios that differ in treatment), patients screened against
//! inclusion criteria, stratified block randomization, MSC product lots per
//! site, patient or trial, every patient a run in parallel; a per-patient
//! table, a summary with the core outcome set and a Markdown report.
//!
//! **Screening.** Patient `j` draws its patient values with
//! [`crate::cohort::patient_for`] (the arms' common `[patient]` and
//! `[cohort]` distribution) from seed `derive_seed(seed, [j, k])` for draws
//! k = 0, 1, …; the first draw that meets every `[inclusion]` range is
//! enrolled (the others are screen failures, counted); a patient whose
//! `inclusion.max_draws` draws all fail is excluded (counted, not run). The
//! accepted draw's seed is the patient's run seed.
//!
//! **Allocation.** Patient `j` is enrolled at site `j mod sites` and falls
//! in a stratum (site × perfusion band, or the band alone). Within each
//! stratum patients are allocated in order by permuted blocks of
//! `block_size` (each arm equally often per block), every block shuffled by
//! its own stream `(seed, stratum, block, Purpose::Allocation)`.
//!
//! **Lots.** Each arm that gives an MSC product draws its lots
//! ([`crate::cohort::Lot::draw`], group = arm index): one per site, one per
//! patient or one for the trial. A lot multiplies the arm's secretion and
//! death hazard; its simulated potency assay is the VEGF a fresh cell of
//! the lot secretes per day in culture at `lots.assay_o2_mmhg` without
//! TNF-α (the arm's base VEGF rate × its product and lot multipliers × the
//! hypoxia response of [`crate::mechanisms::secretion::msc_vegf_environment`]).
//!
//! Everything is keyed by counter-based streams, so the trial is identical
//! at any thread count, and each finished patient is stored at once
//! (`patients/pNNNN/patient.bin`, written last), so an interrupted trial
//! resumes with `woundsim resume DIR` and gives the same files.

use crate::cohort::{self, Lot};
use crate::error::{Error, InputError, Result};
use crate::output::{self, Status};
use crate::rng::{derive_seed, Purpose, Stream};
use crate::run;
use crate::scenario::patient::PatientValues;
use crate::scenario::{Params, Scenario};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub mod file;
pub use file::{Arm, LotPer, Overrides, RawTrial, Trial};
mod report;
pub use report::*;
mod outputs;
pub use outputs::*;
#[cfg(test)]
mod tests;

/// One enrolled patient, before its run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrolled {
    /// Patient number (0-based, in enrolment order).
    pub index: u64,
    /// Site (0-based).
    pub site: u64,
    /// Draws it took to meet the inclusion criteria (1 = the first).
    pub draws: u32,
    /// Run seed (that of the accepted draw).
    pub seed: u64,
    /// Drawn patient values.
    pub patient: PatientValues,
    /// Stratum index.
    pub stratum: usize,
    /// Arm index.
    pub arm: usize,
    /// The product lot, in arms that give an MSC product.
    pub lot: Option<Lot>,
}

/// The outcome of screening and allocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screening {
    /// Patients enrolled, in order.
    pub enrolled: Vec<Enrolled>,
    /// Patients excluded (every draw failed the criteria).
    pub excluded: u64,
    /// Draws that failed the criteria (of enrolled and excluded patients).
    pub screen_failures: u64,
}

/// Screen the patients and allocate them to arms (see the module docs).
pub fn screen(t: &Trial) -> Screening {
    let seed = t.raw.seed;
    let criteria = t.raw.inclusion.criteria();
    let p0 = &t.arms[0].params;
    let k = t.arms.len() as u64;
    let mut counts = vec![0u64; t.strata()];
    let mut enrolled = Vec::new();
    let (mut excluded, mut failures) = (0, 0);
    for j in 0..t.raw.patients {
        let site = j % t.raw.sites;
        let mut accepted = None;
        for d in 0..t.raw.inclusion.max_draws {
            let s = derive_seed(seed, &[j, d as u64]);
            let pv = cohort::patient_for(p0, s);
            if criteria.iter().all(|(key, r)| {
                let v = patient_value(&pv, key);
                r[0] <= v && v <= r[1]
            }) {
                accepted = Some((d + 1, s, pv));
                break;
            }
            failures += 1;
        }
        let Some((draws, s, pv)) = accepted else {
            excluded += 1;
            continue;
        };
        let stratum = t.stratum(site, pv.perfusion);
        let c = counts[stratum];
        counts[stratum] += 1;
        let arm = block_arm(
            seed,
            stratum as u64,
            c / t.block_size,
            (c % t.block_size) as usize,
            t.block_size,
            k,
        );
        let a = &t.arms[arm];
        let lot = a.has_product.then(|| {
            let idx = match t.raw.lots.per {
                LotPer::Site => site,
                LotPer::Patient => j,
                LotPer::Trial => 0,
            };
            Lot::draw(seed, arm as u64, idx, a.secretion_cv, a.hazard_cv)
        });
        enrolled.push(Enrolled {
            index: j,
            site,
            draws,
            seed: s,
            patient: pv,
            stratum,
            arm,
            lot,
        });
    }
    Screening {
        enrolled,
        excluded,
        screen_failures: failures,
    }
}

/// The arm at position `pos` of permuted block `block` of `stratum`: a
/// Fisher–Yates shuffle of `size` slots holding each of `arms` arms
/// equally often.
fn block_arm(seed: u64, stratum: u64, block: u64, pos: usize, size: u64, arms: u64) -> usize {
    let mut slots: Vec<usize> = (0..size).map(|i| (i % arms) as usize).collect();
    let mut rng = Stream::new(seed, stratum, block, Purpose::Allocation);
    for i in (1..slots.len()).rev() {
        let j = ((rng.uniform() * (i + 1) as f64) as usize).min(i);
        slots.swap(i, j);
    }
    slots[pos]
}

/// A drawn patient value by name (the names of `[inclusion]`).
pub fn patient_value(p: &PatientValues, key: &str) -> f64 {
    match key {
        "perfusion" => p.perfusion,
        "bioburden" => p.bioburden,
        "switch_mult" => p.switch_mult,
        "closure_speed_mult" => p.closure_speed_mult,
        "angiogenesis_mult" => p.angiogenesis_mult,
        _ => f64::NAN,
    }
}

/// The parameters of arm `arm` with `lot` applied.
pub fn arm_params(t: &Trial, arm: usize, lot: Option<&Lot>) -> Result<Params> {
    let a = &t.arms[arm];
    match lot {
        None => Ok(a.params.clone()),
        Some(l) => {
            let mut s: Scenario = a.params.scenario.clone();
            l.apply(&mut s);
            Ok(Params::new(s, &a.params.label)?)
        }
    }
}

/// The simulated potency assay of a product: VEGF secreted per fresh cell
/// per day (fg) in culture at `o2_mmhg` without TNF-α.
pub fn potency_assay_vegf(p: &Params, o2_mmhg: f64) -> f64 {
    let base = p
        .scenario
        .msc
        .secretion_fg_per_cell_per_day
        .get("vegf")
        .copied()
        .unwrap_or(0.0);
    let env = crate::scenario::rates::VegfEnvironment::new(p);
    let e = crate::mechanisms::secretion::msc_vegf_environment(&env, o2_mmhg as f32, 0.0) as f64;
    base * p.product.vegf * e
}

/// One patient's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Day of complete closure (`None`: open at the trial's end, censored).
    pub t_closure_d: Option<f64>,
    /// Closure at week 12 (% of the initial area), when simulated.
    pub closure_pct_wk12: Option<f64>,
    /// Closure at the trial's end (%).
    pub closure_pct_final: f64,
    /// Potency assay of the patient's lot (fg VEGF per cell per day; `None`
    /// without a product).
    pub assay_vegf: Option<f64>,
}

/// A finished trial.
#[derive(Debug, Clone)]
pub struct TrialResult {
    /// The trial.
    pub trial: Trial,
    /// Screening and allocation.
    pub screening: Screening,
    /// One outcome per enrolled patient, in enrolment order.
    pub outcomes: Vec<Outcome>,
}

/// Progress callback: (patients finished, patients in total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Options of a trial run.
#[derive(Default, Clone)]
pub struct Options<'a> {
    /// Set to true (e.g. by a signal handler) to start no further patient.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Called after each finished patient (from worker threads).
    pub progress: Option<Progress<'a>>,
    /// Draw the figures.
    pub plots: bool,
}

/// What `patients/pNNNN/patient.bin` holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: String,
    scenario_hash: String,
    index: u64,
    seed: u64,
    outcome: Outcome,
}

const STORED: &str = "patient.bin";

fn patient_dir(index: u64) -> String {
    format!("patients/p{index:05}")
}

fn load_stored(dir: &Path, p: &Params, e: &Enrolled) -> Option<Outcome> {
    let path = dir.join(patient_dir(e.index)).join(STORED);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let st: Stored = postcard::from_bytes(&std::fs::read(&path).ok()?).ok()?;
    (st.version == crate::VERSION
        && st.scenario_hash == p.scenario.hash_hex()
        && st.index == e.index
        && st.seed == e.seed)
        .then_some(st.outcome)
}

/// Run one patient (or take its stored result).
fn run_patient(
    t: &Trial,
    e: &Enrolled,
    store: Option<&Path>,
    stopped: &dyn Fn() -> bool,
) -> Option<Result<Outcome>> {
    let p = match arm_params(t, e.arm, e.lot.as_ref()) {
        Ok(p) => p,
        Err(err) => return Some(Err(err)),
    };
    if let Some(o) = store.and_then(|d| load_stored(d, &p, e)) {
        return Some(Ok(o));
    }
    if stopped() {
        return None;
    }
    let r = run::simulate_patient(&p, e.seed, e.patient).and_then(|out| {
        let s = &out.summary;
        let o = Outcome {
            t_closure_d: s.t100_closure_d,
            closure_pct_wk12: s.closure_pct_wk12,
            closure_pct_final: s.closure_pct_final,
            assay_vegf: e
                .lot
                .map(|_| potency_assay_vegf(&p, t.raw.lots.assay_o2_mmhg)),
        };
        if let Some(dir) = store {
            let d = output::ensure_subdir(dir, &patient_dir(e.index))?;
            output::write_json(&d.join("summary.json"), s)?;
            let st = Stored {
                version: crate::VERSION.to_string(),
                scenario_hash: p.scenario.hash_hex(),
                index: e.index,
                seed: e.seed,
                outcome: o.clone(),
            };
            let bytes = postcard::to_stdvec(&st)
                .map_err(|e| Error::Other(format!("patient state: {e}")))?;
            output::write_atomic(&d.join(STORED), &bytes)?;
        }
        Ok(o)
    });
    Some(r)
}

/// Run a trial in memory, or storing each patient under `store` (and
/// taking those already stored there).
pub fn run_trial(t: &Trial, opts: &Options, store: Option<&Path>) -> Result<TrialResult> {
    for a in &t.arms {
        run::check_memory(&a.params, run::total_memory_mib())?;
    }
    let screening = screen(t);
    let total = screening.enrolled.len() as u64;
    if total == 0 {
        return Err(Error::Input(
            InputError::new(&t.label, Some("inclusion"), "no patient met the inclusion criteria")
                .allowed("criteria that the [patient]/[cohort] distribution can meet (or a larger inclusion.max_draws)"),
        ));
    }
    let done = AtomicU64::new(0);
    let stopped = || {
        opts.interrupt
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
    };
    let results: Vec<Option<Result<Outcome>>> = screening
        .enrolled
        .par_iter()
        .map(|e| {
            let r = run_patient(t, e, store, &stopped);
            if r.is_some() {
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                if let Some(cb) = opts.progress {
                    cb(n, total);
                }
            }
            r
        })
        .collect();
    let finished = results.iter().filter(|r| r.is_some()).count() as u64;
    if finished < total {
        if let Some(e) = results.into_iter().flatten().find_map(|r| r.err()) {
            return Err(e);
        }
        return Err(Error::InterruptedReplicates {
            done: finished,
            total,
            dir: None,
        });
    }
    let outcomes = results.into_iter().flatten().collect::<Result<Vec<_>>>()?;
    Ok(TrialResult {
        trial: t.clone(),
        screening,
        outcomes,
    })
}

/// The manifest of a trial directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialManifest {
    /// woundsim version.
    pub woundsim_version: String,
    /// Status.
    pub status: Status,
    /// The trial file's label.
    pub trial_source: String,
    /// The trial file as written.
    pub trial_toml: String,
    /// The arms' resolved scenarios (what a resume runs).
    pub scenarios_toml: Vec<String>,
    /// Patients enrolled (after screening).
    pub enrolled: u64,
    /// Figures are drawn.
    pub plots: bool,
    /// Wall time so far (s).
    pub wall_time_s: f64,
    /// Why it stopped, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TrialManifest {
    fn new(
        t: &Trial,
        status: Status,
        enrolled: u64,
        plots: bool,
        wall: f64,
        error: Option<String>,
    ) -> Self {
        TrialManifest {
            woundsim_version: crate::VERSION.to_string(),
            status,
            trial_source: t.label.clone(),
            trial_toml: toml::to_string(&t.raw).unwrap_or_default(),
            scenarios_toml: t.scenarios_toml(),
            enrolled,
            plots,
            wall_time_s: wall,
            error,
        }
    }

    /// The trial, rebuilt from the manifest alone.
    pub fn trial(&self) -> Result<Trial> {
        let raw = file::parse(&self.trial_toml, "manifest.json trial_toml")?;
        let scenarios = self
            .scenarios_toml
            .iter()
            .map(|s| Scenario::from_toml_str(s, "manifest.json scenarios_toml", &[]))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if scenarios.len() != raw.arm.len() {
            return Err(Error::Input(InputError::new(
                "manifest.json",
                Some("scenarios_toml"),
                "one resolved scenario per arm is needed; the directory cannot be resumed",
            )));
        }
        Trial::from_parts(raw, &self.trial_source, scenarios)
    }
}

/// Default output directory of a trial.
pub fn default_out_dir(t: &Trial) -> PathBuf {
    PathBuf::from("results").join(format!(
        "{}-trial{}-{}",
        t.raw.name, t.raw.patients, t.raw.seed
    ))
}

/// Run a trial into `dir` (locked, marked as a trial directory; the
/// manifest says `running` until every file is written).
pub fn run_in_dir(t: &Trial, dir: &Path, force: bool, opts: &Options) -> Result<TrialResult> {
    let _lock = output::prepare_dir(dir, force, &output::OutputKind::trial())?;
    output::write_atomic(
        &dir.join("trial.toml"),
        toml::to_string(&t.raw).unwrap_or_default().as_bytes(),
    )?;
    drive(t, dir, opts, 0.0)
}

/// Continue an interrupted or failed trial in `dir`; the result equals an
/// uninterrupted trial's byte for byte.
pub fn resume_in_dir(dir: &Path, opts: &Options) -> Result<TrialResult> {
    let m = read_manifest(dir)?;
    if m.status == Status::Complete {
        return Err(Error::Input(InputError::new(
            dir.display().to_string(),
            None,
            "the trial is already complete; nothing to resume",
        )));
    }
    let t = m.trial()?;
    let _lock = output::DirLock::acquire(dir)?;
    let opts = Options {
        plots: m.plots,
        ..opts.clone()
    };
    drive(&t, dir, &opts, m.wall_time_s)
}

/// Read `dir/manifest.json` of a trial directory (checking its marker).
pub fn read_manifest(dir: &Path) -> Result<TrialManifest> {
    let bad = |msg: String| Error::Input(InputError::new(dir.display().to_string(), None, msg));
    match output::read_marker(dir) {
        Ok(Some(mk)) if mk.kind == "trial" => {}
        Ok(Some(mk)) => return Err(bad(format!("holds a {}, not a trial", mk.kind))),
        Ok(None) => {
            return Err(bad(format!(
                "not a woundsim trial directory (no {})",
                output::MARKER
            )))
        }
        Err(e) => return Err(bad(e)),
    }
    let path = dir.join("manifest.json");
    let bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::Input(InputError::new(
            path.display().to_string(),
            None,
            format!("unreadable trial manifest: {e}"),
        ))
    })
}

fn drive(t: &Trial, dir: &Path, opts: &Options, wall0: f64) -> Result<TrialResult> {
    let t0 = Instant::now();
    let n = screen(t).enrolled.len() as u64;
    let write = |status, wall, error| {
        let m = TrialManifest::new(t, status, n, opts.plots, wall, error);
        output::write_json(&dir.join("manifest.json"), &m)
    };
    write(Status::Running, wall0, None)?;
    let result = run_trial(t, opts, Some(dir)).and_then(|r| {
        write_files(&r, dir, opts.plots)?;
        write(Status::Complete, wall0 + t0.elapsed().as_secs_f64(), None)?;
        Ok(r)
    });
    result.map_err(|e| {
        let status = if opts
            .interrupt
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
        {
            Status::Interrupted
        } else {
            Status::Failed
        };
        let e = match e {
            Error::InterruptedReplicates { done, total, .. } => Error::InterruptedReplicates {
                done,
                total,
                dir: Some(dir.to_path_buf()),
            },
            other => other,
        };
        let _ = write(
            status,
            wall0 + t0.elapsed().as_secs_f64(),
            Some(e.to_string()),
        );
        e
    })
}
