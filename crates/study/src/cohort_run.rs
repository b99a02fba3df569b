//! Cohorts: one scenario run for N replicates (virtual patients) in
//! parallel, summarised with intervals and written into a directory.
//!
//! Replicate `i` runs with seed [`replicate_seed`]`(master, i)` =
//! `derive_seed(master, [i])` and draws its patient from that seed
//! ([`crate::cohort::patient_for`]); replicate `i` of two scenarios with the
//! same master seed therefore shares its patient draws (a paired design).
//! Replicates run in parallel over the rayon pool; every replicate is
//! bit-identical at any thread count, so the cohort files are too.
//!
//! A cohort directory holds:
//!
//! | file | content |
//! |---|---|
//! | `manifest.json` | as for a run, plus `replicates` and `agent_cap_hits` (replicates that reached `limits.max_agents`); status `running` until complete |
//! | `cohort.csv` | one row per replicate: replicate, seed, the drawn patient values, every outcome of [`COHORT_OUTCOMES`] (empty when undefined) |
//! | `cohort_summary.json` | healed fractions with Wilson 95 % intervals; per outcome n, mean, SD, 95 % interval of the mean (within the outcome's bounds, see [`crate::stats::ci95`]) and 2.5–97.5 percentiles; a warning below [`crate::stats::SMALL_SAMPLE_N`] replicates |
//! | `cohort_timeseries.csv` | per output time: mean and 95 % interval of the mean of every time-series column |
//! | `replicates/rNNN/` | each replicate's `timeseries.csv` and `summary.json` |
//! | `plots/cohort.png` | closure, MSCs, M2 fraction, vessels, O₂ and VEGF: means with 95 % bands |

use crate::error::{Error, Result};
use crate::output::{self, Manifest, Status};
use crate::plot::{self, Chart, ImageFormat, Series};
use crate::rng::derive_seed;
use crate::run::{self, RunOutput};
use crate::scenario::patient::PatientValues;
use crate::scenario::Params;
use crate::stats;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

mod summary;
pub use summary::*;
mod files;
pub use files::*;
mod dir;
pub use dir::*;
#[cfg(test)]
mod tests;

/// Summary outcomes written per replicate and summarised per cohort
/// (names as in [`crate::observe::Summary::outcome`]; `healed` and
/// `healed_wk12` are 0/1).
pub const COHORT_OUTCOMES: [&str; 18] = [
    "closure_pct_final",
    "closure_pct_wk4",
    "closure_pct_wk8",
    "closure_pct_wk12",
    "t50_closure_d",
    "t100_closure_d",
    "healed",
    "healed_wk12",
    "msc_half_life_d",
    "msc_peak",
    "m2_fraction_d7",
    "peak_vessel_density_rel",
    "peak_vessel_day",
    "final_vessel_density_rel",
    "vegf_time_mean_ng_per_ml",
    "vegf_peak_ng_per_ml",
    "tnf_time_mean_d7_14_ng_per_ml",
    "o2_time_mean_mmHg",
];

/// The seed of replicate `index` of a cohort with master seed `master`.
pub fn replicate_seed(master: u64, index: u64) -> u64 {
    derive_seed(master, &[index])
}

/// One finished replicate.
#[derive(Debug, Clone)]
pub struct Replicate {
    /// Replicate index (0-based).
    pub index: u64,
    /// Its run seed.
    pub seed: u64,
    /// Its patient (drawn from the seed when `cohort.vary_patients`).
    pub patient: PatientValues,
    /// Its product lot (drawn when `cohort.vary_lots` and the scenario
    /// gives an MSC product; `None`: the nominal product).
    pub lot: Option<crate::cohort::Lot>,
    /// The run's rows and summary.
    pub output: RunOutput,
}

/// The parameters of `p` with product lot `lot` applied.
pub fn lot_params(p: &Params, lot: &crate::cohort::Lot) -> Result<Params> {
    let mut s = p.scenario.clone();
    lot.apply(&mut s);
    Ok(Params::new(s, &p.label)?)
}

/// A finished cohort: the replicates of one scenario, in index order.
#[derive(Debug, Clone)]
pub struct Cohort {
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from (file or label).
    pub source: String,
    /// Master seed (the scenario's `seed`).
    pub master_seed: u64,
    /// Simulated span (days).
    pub days: f64,
    /// Time-series column names.
    pub columns: Vec<String>,
    /// The replicates.
    pub replicates: Vec<Replicate>,
}

/// Progress callback: (replicates finished, replicates in total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Options of cohort runs.
#[derive(Default, Clone)]
pub struct Options<'a> {
    /// Set to true (e.g. by a signal handler) to start no further replicate.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Called after each finished replicate (from worker threads).
    pub progress: Option<Progress<'a>>,
}

/// Run every scenario of `params` as a cohort of `replicates` replicates.
/// All (scenario, replicate) runs share one parallel loop over the rayon
/// pool; the result does not depend on the number of threads.
///
/// # Errors
/// [`Error::Input`] if `replicates` is 0; the first failing replicate's
/// error (in scenario, then replicate order); [`Error::Other`] if
/// interrupted before every replicate finished.
pub fn simulate_cohorts(params: &[Params], replicates: u64, opts: &Options) -> Result<Vec<Cohort>> {
    run_cohorts(params, replicates, opts, None)
}

/// [`simulate_cohorts`], storing every finished replicate of scenario `k`
/// in `store[k]/replicates/rNNN/` as soon as it finishes (and taking those
/// already stored there instead of running them again), when `store` is set.
pub(crate) fn run_cohorts(
    params: &[Params],
    replicates: u64,
    opts: &Options,
    store: Option<&[PathBuf]>,
) -> Result<Vec<Cohort>> {
    check_replicates(replicates)?;
    check_cohort_size(params, replicates, run::available_memory_mib())?;
    let total = (params.len() as u64)
        .checked_mul(replicates)
        .ok_or_else(|| Error::Other("too many replicates".into()))?;
    let done = AtomicU64::new(0);
    let stopped = || {
        opts.interrupt
            .as_ref()
            .map(|f| f.load(Ordering::SeqCst))
            .unwrap_or(false)
    };
    let results: Vec<Option<Result<Replicate>>> = (0..total)
        .into_par_iter()
        .map(|k| {
            let p = &params[(k / replicates) as usize];
            let index = k % replicates;
            let seed = replicate_seed(p.scenario.seed, index);
            let stored_dir = store.map(|dirs| {
                dirs[(k / replicates) as usize]
                    .join("replicates")
                    .join(replicate_dir_name(index, replicates))
            });
            // A drawn product lot (`cohort.vary_lots`) changes the replicate's scenario.
            let lot = crate::cohort::lot_for_replicate(p, p.scenario.seed, index);
            let lot_params = match lot.map(|l| lot_params(p, &l)).transpose() {
                Ok(lp) => lp,
                Err(e) => return Some(Err(e)),
            };
            let p = lot_params.as_ref().unwrap_or(p);
            let stored = stored_dir
                .as_deref()
                .and_then(|d| load_replicate(d, p, index, seed));
            let r = match stored {
                Some(output) => Ok(output),
                None => {
                    if stopped() {
                        return None;
                    }
                    run::simulate(p, seed).and_then(|output| {
                        if let Some(dirs) = store {
                            let rel =
                                format!("replicates/{}", replicate_dir_name(index, replicates));
                            let d = output::ensure_subdir(&dirs[(k / replicates) as usize], &rel)?;
                            save_replicate(&d, p, index, seed, &output)?;
                        }
                        Ok(output)
                    })
                }
            }
            .map(|output| Replicate {
                index,
                seed,
                patient: crate::cohort::patient_for(p, seed),
                lot,
                output,
            });
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some(cb) = opts.progress {
                cb(n, total);
            }
            Some(r)
        })
        .collect();
    let finished = results.iter().filter(|r| r.is_some()).count() as u64;
    if finished < total {
        // An error of a replicate that did run is reported before the interruption.
        if let Some(e) = results.into_iter().flatten().find_map(|r| r.err()) {
            return Err(e);
        }
        return Err(Error::InterruptedReplicates {
            done: finished,
            total,
            dir: None,
        });
    }
    let mut it = results.into_iter().flatten();
    let mut cohorts = Vec::with_capacity(params.len());
    for p in params {
        let reps = it
            .by_ref()
            .take(replicates as usize)
            .collect::<Result<Vec<_>>>()?;
        let columns = reps
            .first()
            .map(|r| r.output.columns.clone())
            .unwrap_or_default();
        cohorts.push(Cohort {
            scenario: p.scenario.name.clone(),
            source: p.label.clone(),
            master_seed: p.scenario.seed,
            days: p.scenario.time.days,
            columns,
            replicates: reps,
        });
    }
    Ok(cohorts)
}

/// File in each stored replicate directory holding the replicate's result
/// losslessly; written last, so its presence means the replicate is
/// complete. An interrupted cohort resumes from these files.
pub const REPLICATE_STATE: &str = "replicate.bin";

/// What [`REPLICATE_STATE`] holds.
#[derive(Serialize, Deserialize)]
struct StoredReplicate {
    version: String,
    scenario_hash: String,
    index: u64,
    seed: u64,
    columns: Vec<String>,
    rows: Vec<crate::observe::Row>,
    summary: crate::observe::Summary,
}

/// Write a replicate's `timeseries.csv`, `summary.json` and then
/// [`REPLICATE_STATE`] into `rdir`.
fn save_replicate(rdir: &Path, p: &Params, index: u64, seed: u64, out: &RunOutput) -> Result<()> {
    output::write_results(rdir, &out.columns, &out.rows, &out.summary)?;
    let st = StoredReplicate {
        version: crate::VERSION.to_string(),
        scenario_hash: p.scenario.hash_hex(),
        index,
        seed,
        columns: out.columns.clone(),
        rows: out.rows.clone(),
        summary: out.summary.clone(),
    };
    let bytes =
        postcard::to_stdvec(&st).map_err(|e| Error::Other(format!("replicate state: {e}")))?;
    output::write_atomic(&rdir.join(REPLICATE_STATE), &bytes)
}

/// The stored result of replicate `index` in `rdir`, if there is a valid
/// one for this scenario, woundsim version and seed (anything else is run
/// again).
fn load_replicate(rdir: &Path, p: &Params, index: u64, seed: u64) -> Option<RunOutput> {
    let path = rdir.join(REPLICATE_STATE);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    let st: StoredReplicate = postcard::from_bytes(&bytes).ok()?;
    let columns = crate::observe::columns(p);
    let ok = st.version == crate::VERSION
        && st.scenario_hash == p.scenario.hash_hex()
        && st.index == index
        && st.seed == seed
        && st.columns == columns
        && st.rows.iter().all(|r| r.values.len() == columns.len())
        && rdir.join("timeseries.csv").is_file()
        && rdir.join("summary.json").is_file();
    ok.then(|| RunOutput {
        columns: st.columns,
        rows: st.rows,
        summary: st.summary,
        wall_s: 0.0,
        times: Default::default(),
        steps: p.steps.total,
    })
}

/// Fails with [`Error::Input`] unless `replicates` ≥ 1.
pub fn check_replicates(replicates: u64) -> Result<()> {
    if replicates == 0 {
        return Err(Error::Input(
            crate::error::InputError::new("<command line>", None, "--replicates 0")
                .allowed("1 or more replicates"),
        ));
    }
    Ok(())
}

/// Most replicates of one scenario in a cohort or comparison.
pub const MAX_REPLICATES: u64 = 1_000_000;

/// Fails with [`Error::Input`] naming `--replicates` when `replicates`
/// exceeds [`MAX_REPLICATES`] or when the finished replicates of every
/// scenario of `params` (each holds its time series until the cohort is
/// summarised) would not fit in `machine_mib` MiB.
pub fn check_cohort_size(params: &[Params], replicates: u64, machine_mib: f64) -> Result<()> {
    let bad = |msg: String, allowed: String| {
        Error::Input(
            crate::error::InputError::new("<command line>", Some("--replicates"), msg)
                .allowed(allowed),
        )
    };
    if replicates > MAX_REPLICATES {
        return Err(bad(
            format!("{replicates} replicates"),
            format!("1 to {MAX_REPLICATES} replicates"),
        ));
    }
    let mib: f64 = params
        .iter()
        .map(|p| {
            let rows = (p.steps.total / p.steps.output_every + 2) as f64;
            let cols = crate::observe::columns(p).len() as f64;
            // Values, row headers and the summary of one replicate.
            (rows * (cols * 8.0 + 48.0) + 8192.0) * replicates as f64 / (1024.0 * 1024.0)
        })
        .sum();
    if mib > machine_mib {
        let most = (replicates as f64 * machine_mib / mib).floor().max(0.0);
        return Err(bad(
            format!(
                "{replicates} replicates would hold about {mib:.0} MiB of time series, \
                 more than the {machine_mib:.0} MiB of memory available"
            ),
            format!("at most about {most:.0} replicates here, or fewer days (time.days) or a longer time.output_every_h"),
        ));
    }
    Ok(())
}

/// Run one scenario as a cohort in memory (see [`simulate_cohorts`]).
pub fn simulate_cohort(p: &Params, replicates: u64, opts: &Options) -> Result<Cohort> {
    let mut v = simulate_cohorts(std::slice::from_ref(p), replicates, opts)?;
    v.pop()
        .ok_or_else(|| Error::Other("no cohort was produced".into()))
}
