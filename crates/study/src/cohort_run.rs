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
//! | `manifest.json` | as for a run, plus `replicates`; status `running` until complete |
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
    /// The run's rows and summary.
    pub output: RunOutput,
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

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

/// Descriptive statistics of one outcome over the replicates where it is
/// defined. Values are `None` where undefined (no replicate, or fewer than
/// two for SD and intervals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeStats {
    /// Replicates where the outcome is defined.
    pub n: usize,
    /// Replicates where it is undefined (e.g. never reached, not simulated).
    pub undefined: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Sample standard deviation.
    pub sd: Option<f64>,
    /// Lower end of the 95 % interval of the mean ([`stats::ci95`] for the
    /// outcome's kind: within 0–100 % for percentages, ≥ 0 for days).
    pub ci95_lo: Option<f64>,
    /// Upper end of the 95 % interval of the mean.
    pub ci95_hi: Option<f64>,
    /// 2.5th percentile of the replicates.
    pub p2_5: Option<f64>,
    /// 97.5th percentile of the replicates.
    pub p97_5: Option<f64>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

impl OutcomeStats {
    /// Statistics of `values` (`None` entries count as undefined), with the
    /// 95 % interval of the mean for a quantity of kind `kind`
    /// ([`stats::ci95`]).
    pub fn of(kind: stats::Quantity, values: &[Option<f64>]) -> OutcomeStats {
        let mut xs: Vec<f64> = values.iter().flatten().copied().collect();
        let (lo, hi) = if kind == stats::Quantity::Binary {
            // The mean of 0/1 values is a proportion; its interval needs 2.
            if xs.len() < 2 {
                (f64::NAN, f64::NAN)
            } else {
                stats::ci95(kind, &xs)
            }
        } else {
            stats::ci95(kind, &xs)
        };
        xs.sort_by(f64::total_cmp);
        OutcomeStats {
            n: xs.len(),
            undefined: values.len() - xs.len(),
            mean: finite(stats::mean(&xs)),
            sd: finite(stats::sd(&xs)),
            ci95_lo: finite(lo),
            ci95_hi: finite(hi),
            p2_5: finite(stats::quantile(&xs, 0.025)),
            p97_5: finite(stats::quantile(&xs, 0.975)),
        }
    }
}

/// A proportion with its Wilson score 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Successes.
    pub successes: u64,
    /// Trials.
    pub n: u64,
    /// successes / n.
    pub fraction: f64,
    /// Lower Wilson 95 % bound.
    pub wilson95_lo: f64,
    /// Upper Wilson 95 % bound.
    pub wilson95_hi: f64,
}

impl Proportion {
    /// `successes` of `n` (None when `n` is 0 or `successes > n`).
    pub fn new(successes: u64, n: u64) -> Option<Proportion> {
        if n == 0 || successes > n {
            return None;
        }
        let (lo, hi) = stats::wilson95(successes, n);
        Some(Proportion {
            successes,
            n,
            fraction: successes as f64 / n as f64,
            wilson95_lo: lo,
            wilson95_hi: hi,
        })
    }

    /// The proportion of `true` among 0/1 values; None if any is undefined.
    pub fn of(values: &[Option<f64>]) -> Option<Proportion> {
        let all: Option<Vec<f64>> = values.iter().copied().collect();
        let all = all?;
        Proportion::new(
            all.iter().filter(|v| **v >= 0.5).count() as u64,
            all.len() as u64,
        )
    }
}

/// The `cohort_summary.json` of a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortSummary {
    /// Scenario name.
    pub scenario: String,
    /// Scenario source.
    pub scenario_source: String,
    /// Master seed.
    pub master_seed: u64,
    /// How replicate seeds are derived.
    pub seed_rule: String,
    /// Replicates.
    pub replicates: u64,
    /// Simulated days.
    pub days: f64,
    /// Fraction completely closed (≥ `closure.complete_pct`) by day 84; null
    /// when a replicate shorter than 84 days had not closed.
    pub healed_wk12: Option<Proportion>,
    /// Why `healed_wk12` is null, if it is.
    pub healed_wk12_note: Option<String>,
    /// Fraction completely closed by the end of the span.
    pub healed_by_end: Option<Proportion>,
    /// How the 95 % intervals were computed.
    #[serde(default)]
    pub interval_note: String,
    /// Set when there are fewer than [`stats::SMALL_SAMPLE_N`] replicates.
    #[serde(default)]
    pub small_sample_warning: Option<String>,
    /// Statistics of every outcome of [`COHORT_OUTCOMES`].
    pub outcomes: BTreeMap<String, OutcomeStats>,
}

/// How cohorts, comparisons and sweep reports compute their 95 % intervals,
/// in words.
pub fn interval_note() -> String {
    format!(
        "95 % intervals of the mean by kind of quantity: percentages (0-100) and fractions (0-1) use the \
         Student t interval on the logit scale, other outcomes (days, counts, concentrations, densities; all \
         >= 0) the Student t interval on the log scale, both centred on the mean (delta method) so they stay \
         within the bounds; healed fractions use the Wilson score interval. When every value is equal the \
         interval is that value. Below {} replicates intervals carry a warning.",
        stats::SMALL_SAMPLE_N
    )
}

impl Cohort {
    /// The values of a summary outcome over the replicates.
    pub fn outcome(&self, name: &str) -> Vec<Option<f64>> {
        self.replicates
            .iter()
            .map(|r| r.output.summary.outcome(name))
            .collect()
    }

    /// Statistics of the cohort.
    pub fn summary(&self) -> CohortSummary {
        let wk12 = Proportion::of(&self.outcome("healed_wk12"));
        let note = wk12.is_none().then(|| {
            format!(
                "not defined: the span ({} days) is shorter than 12 weeks and not every replicate closed",
                self.days
            )
        });
        CohortSummary {
            scenario: self.scenario.clone(),
            scenario_source: self.source.clone(),
            master_seed: self.master_seed,
            seed_rule: "replicate i runs with seed derive_seed(master_seed, [i])".into(),
            interval_note: interval_note(),
            small_sample_warning: stats::small_sample_warning(self.replicates.len()),
            replicates: self.replicates.len() as u64,
            days: self.days,
            healed_wk12: wk12,
            healed_wk12_note: note,
            healed_by_end: Proportion::of(&self.outcome("healed")),
            outcomes: COHORT_OUTCOMES
                .iter()
                .map(|o| {
                    let kind = stats::Quantity::of_name(o);
                    (o.to_string(), OutcomeStats::of(kind, &self.outcome(o)))
                })
                .collect(),
        }
    }

    /// Output times (days) shared by the replicates.
    pub fn times(&self) -> Vec<f64> {
        self.replicates
            .first()
            .map(|r| r.output.rows.iter().map(|row| row.values[0]).collect())
            .unwrap_or_default()
    }

    /// One time-series column of every replicate (`None` if no such column).
    pub fn column(&self, name: &str) -> Option<Vec<Vec<f64>>> {
        let c = self.columns.iter().position(|c| c == name)?;
        Some(
            self.replicates
                .iter()
                .map(|r| r.output.rows.iter().map(|row| row.values[c]).collect())
                .collect(),
        )
    }

    /// Mean and 95 % interval of the mean of a time-series column at each
    /// output time, as a plot series named `name` (`None` if no such column).
    /// The interval is [`stats::ci95`] for the column's kind
    /// ([`stats::Quantity::of_name`]), so a closure band stays within 0–100 %.
    pub fn band(&self, column: &str, name: &str) -> Option<Series> {
        let cols = self.column(column)?;
        let x = self.times();
        let kind = stats::Quantity::of_name(column);
        let (mut mean, mut lo, mut hi) = (vec![], vec![], vec![]);
        for t in 0..x.len() {
            let v: Vec<f64> = cols.iter().filter_map(|c| c.get(t).copied()).collect();
            let (l, h) = stats::ci95(kind, &v);
            mean.push(stats::mean(&v));
            lo.push(l);
            hi.push(h);
        }
        Some(Series {
            name: name.to_string(),
            x,
            mean,
            lo,
            hi,
        })
    }
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// `cohort.csv` column names of the drawn patient values (see
/// [`patient_values`]).
pub const PATIENT_COLUMNS: [&str; 12] = [
    "patient_perfusion",
    "patient_vessel_density_mult",
    "patient_tnf_secretion_mult",
    "patient_switch_mult",
    "patient_efferocytosis_mult",
    "patient_bioburden",
    "patient_debris",
    "patient_reperfusion_damage_per_day",
    "patient_oedema",
    "patient_fibrosis",
    "patient_closure_speed_mult",
    "patient_angiogenesis_mult",
];

/// A replicate's patient values in the order of [`PATIENT_COLUMNS`].
pub fn patient_values(v: &PatientValues) -> [f64; 12] {
    [
        v.perfusion,
        v.vessel_density_mult,
        v.tnf_secretion_mult,
        v.switch_mult,
        v.efferocytosis_mult,
        v.bioburden,
        v.debris,
        v.reperfusion_damage_per_day,
        v.oedema,
        v.fibrosis,
        v.closure_speed_mult,
        v.angiogenesis_mult,
    ]
}

fn csv_err(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("CSV: {e}"))
}

fn cell(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(output::format_value)
        .unwrap_or_default()
}

/// `cohort.csv` text: one row per replicate.
pub fn cohort_csv(c: &Cohort) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["replicate".into(), "seed".into()];
    header.extend(PATIENT_COLUMNS.iter().map(|n| n.to_string()));
    header.extend(COHORT_OUTCOMES.iter().map(|s| s.to_string()));
    w.write_record(&header).map_err(csv_err)?;
    for r in &c.replicates {
        let mut rec = vec![r.index.to_string(), r.seed.to_string()];
        rec.extend(patient_values(&r.patient).iter().map(|v| cell(Some(*v))));
        rec.extend(
            COHORT_OUTCOMES
                .iter()
                .map(|o| cell(r.output.summary.outcome(o))),
        );
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// `cohort_timeseries.csv` text: `time_d`, then for every column
/// `<column>_mean`, `<column>_ci95_lo`, `<column>_ci95_hi`.
pub fn cohort_timeseries_csv(c: &Cohort) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let cols: Vec<&String> = c.columns.iter().skip(1).collect();
    let mut header = vec!["time_d".to_string()];
    for col in &cols {
        header.extend([
            format!("{col}_mean"),
            format!("{col}_ci95_lo"),
            format!("{col}_ci95_hi"),
        ]);
    }
    w.write_record(&header).map_err(csv_err)?;
    let bands: Vec<Series> = cols.iter().filter_map(|col| c.band(col, col)).collect();
    for (t, time) in c.times().iter().enumerate() {
        let mut rec = vec![output::format_value(*time)];
        for b in &bands {
            rec.extend([
                cell(Some(b.mean[t])),
                cell(Some(b.lo[t])),
                cell(Some(b.hi[t])),
            ]);
        }
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// Directory name of replicate `index` in a cohort of `n`: `r000`, `r001`, …
/// (at least three digits, more when needed).
pub fn replicate_dir_name(index: u64, n: u64) -> String {
    let width = n.saturating_sub(1).max(1).to_string().len().max(3);
    format!("r{index:0width$}")
}

/// The key observables of cohorts as chart panels (one series per cohort).
pub fn key_charts(cohorts: &[(&str, &Cohort)]) -> Vec<Chart> {
    let panels = [
        ("closure_pct", "Wound closure", "closure (%)"),
        ("msc_live", "Live MSCs", "live MSCs in the slice"),
        ("m2_fraction", "M2 fraction of macrophages", "M2 fraction"),
        (
            "vessel_density_rel",
            "Perfused vessel density",
            "relative to intact tissue",
        ),
        ("o2_mean_mmHg", "Wound O₂", "mean pO₂ (mmHg)"),
        ("vegf_mean_ng_per_ml", "Wound VEGF", "mean VEGF (ng/mL)"),
    ];
    panels
        .iter()
        .filter_map(|(col, title, y)| {
            let series: Vec<Series> = cohorts
                .iter()
                .filter_map(|(name, c)| c.band(col, name))
                .collect();
            (!series.is_empty()).then(|| Chart::Lines {
                title: format!("{title} (mean, 95 % CI)"),
                x_label: "time (days)".into(),
                y_label: y.to_string(),
                series,
            })
        })
        .collect()
}

fn plot_err(e: plot::PlotError) -> Error {
    Error::Other(format!("drawing a plot: {e}"))
}

/// The cohort result files directly in a cohort directory (without the
/// replicates and plots); removed again when a cohort fails.
pub const COHORT_FILES: [&str; 3] = ["cohort.csv", "cohort_summary.json", "cohort_timeseries.csv"];

/// Write the cohort files (everything but the manifest) into `dir`, which
/// must exist; returns the plot files written. A replicate already stored
/// there (see [`REPLICATE_STATE`]) is not written again.
pub fn write_files(c: &Cohort, dir: &Path, plots: bool) -> Result<Vec<PathBuf>> {
    let n = c.replicates.len() as u64;
    for r in &c.replicates {
        let rel = format!("replicates/{}", replicate_dir_name(r.index, n));
        let rd = output::ensure_subdir(dir, &rel)?;
        if !rd.join(REPLICATE_STATE).is_file() {
            output::write_results(&rd, &r.output.columns, &r.output.rows, &r.output.summary)?;
        }
    }
    let mut files = vec![];
    if plots {
        let charts = key_charts(&[(c.scenario.as_str(), c)]);
        if !charts.is_empty() {
            let title = format!(
                "Cohort “{}”: {} replicates, mean with 95 % interval of the mean",
                c.scenario, n
            );
            let pdir = output::ensure_subdir(dir, "plots")?;
            files.push(
                plot::chart_grid(
                    &pdir.join("cohort.png"),
                    &title,
                    &charts,
                    3,
                    ImageFormat::Png,
                )
                .map_err(plot_err)?,
            );
        }
    }
    output::write_atomic(
        &dir.join("cohort_timeseries.csv"),
        &cohort_timeseries_csv(c)?,
    )?;
    output::write_json(&dir.join("cohort_summary.json"), &c.summary())?;
    output::write_atomic(&dir.join("cohort.csv"), &cohort_csv(c)?)?;
    Ok(files)
}

/// Remove the cohort result files of `dir` ([`COHORT_FILES`]), so that a
/// failed cohort leaves none that looks complete. Stored replicates stay:
/// each is complete, and a resume reuses them.
pub(crate) fn remove_cohort_files(dir: &Path) {
    // Never through a link: only a real directory is cleaned.
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return;
    }
    for f in COHORT_FILES {
        let _ = std::fs::remove_file(dir.join(f));
    }
}

/// The manifest of a cohort (or comparison) directory: a run manifest of
/// the (first) scenario, with its master seed as `seed`, plus the number of
/// replicates and every scenario's source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CohortManifest {
    /// The run-manifest fields (of the first scenario).
    #[serde(flatten)]
    pub run: Manifest,
    /// Replicates per scenario.
    pub replicates: u64,
    /// Sources of all scenarios (one for a cohort).
    pub scenario_sources: Vec<String>,
    /// The resolved scenarios as TOML, in the order of `scenario_sources`
    /// (what `woundsim resume` runs).
    #[serde(default)]
    pub scenarios_toml: Vec<String>,
    /// Plots are drawn.
    #[serde(default)]
    pub plots: bool,
}

impl CohortManifest {
    /// Read `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<CohortManifest> {
        let path = dir.join("manifest.json");
        let bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::Input(crate::error::InputError::new(
                path.display().to_string(),
                None,
                format!("unreadable cohort manifest: {e}"),
            ))
        })
    }

    /// The scenarios of the manifest, validated again.
    pub fn params(&self) -> Result<Vec<Params>> {
        if self.scenarios_toml.len() != self.scenario_sources.len()
            || self.scenarios_toml.is_empty()
        {
            return Err(Error::Input(crate::error::InputError::new(
                "manifest.json",
                Some("scenarios_toml"),
                "the manifest does not hold every resolved scenario (written by an older woundsim?); \
                 the directory cannot be resumed",
            )));
        }
        self.scenarios_toml
            .iter()
            .zip(&self.scenario_sources)
            .map(|(toml, label)| {
                let s = crate::scenario::Scenario::from_toml_str(toml, label, &[])?;
                Ok(Params::new(s, label)?)
            })
            .collect()
    }
}

/// Write `manifest.json` of a cohort-like directory for the scenarios
/// `params` (at least one). On a full disk the manifest is rewritten in
/// place as a last resort, so that a stopped cohort is still marked.
pub fn write_manifest(
    dir: &Path,
    params: &[Params],
    replicates: u64,
    status: Status,
    wall_s: f64,
    error: Option<String>,
) -> Result<()> {
    write_manifest_with(dir, params, replicates, status, wall_s, error, true)
}

pub(crate) fn write_manifest_with(
    dir: &Path,
    params: &[Params],
    replicates: u64,
    status: Status,
    wall_s: f64,
    error: Option<String>,
    plots: bool,
) -> Result<()> {
    let p = params
        .first()
        .ok_or_else(|| Error::Other("a manifest needs a scenario".into()))?;
    let day = if status == Status::Complete {
        p.scenario.time.days
    } else {
        0.0
    };
    let m = CohortManifest {
        run: run::manifest(p, p.scenario.seed, status, wall_s, day, error, dir),
        replicates,
        scenario_sources: params.iter().map(|p| p.label.clone()).collect(),
        scenarios_toml: params.iter().map(|p| p.scenario.to_toml()).collect(),
        plots,
    };
    let path = dir.join("manifest.json");
    match output::write_json(&path, &m) {
        Err(e) if status != Status::Running => {
            output::overwrite_json_in_place(&path, &m).map_err(|_| e)
        }
        r => r,
    }
}

/// Options of [`run_in_dir`].
#[derive(Default, Clone)]
pub struct DirOptions<'a> {
    /// Overwrite a non-empty directory.
    pub force: bool,
    /// Draw `plots/cohort.png`.
    pub plots: bool,
    /// Interruption and progress.
    pub run: Options<'a>,
}

/// The manifest status of a cohort that stopped with an error: interrupted
/// when its interrupt flag was raised, failed otherwise.
pub(crate) fn failure_status(interrupt: Option<&std::sync::atomic::AtomicBool>) -> Status {
    if interrupt.is_some_and(|f| f.load(Ordering::SeqCst)) {
        Status::Interrupted
    } else {
        Status::Failed
    }
}

/// An interruption error names the directory to resume.
pub(crate) fn with_dir(e: Error, dir: &Path) -> Error {
    match e {
        Error::InterruptedReplicates { done, total, .. } => Error::InterruptedReplicates {
            done,
            total,
            dir: Some(dir.to_path_buf()),
        },
        other => other,
    }
}

/// Run `p` as a cohort of `replicates` into `dir` (locked; `manifest.json`
/// says `running` until every file is written, then `complete`; `failed`
/// or `interrupted` otherwise). Each replicate is stored as soon as it
/// finishes, so an interrupted or failed cohort continues with
/// [`resume_in_dir`].
pub fn run_in_dir(p: &Params, replicates: u64, dir: &Path, opts: &DirOptions) -> Result<Cohort> {
    check_replicates(replicates)?;
    check_cohort_size(
        std::slice::from_ref(p),
        replicates,
        run::available_memory_mib(),
    )?;
    let _lock = output::prepare_dir(dir, opts.force, &output::OutputKind::cohort())?;
    drive(p, replicates, dir, opts.plots, &opts.run, 0.0)
}

/// Continue an interrupted or failed cohort in `dir`: the replicates stored
/// there are kept, the missing ones run, and the cohort files written; the
/// result equals an uninterrupted cohort's byte for byte.
pub fn resume_in_dir(dir: &Path, opts: &Options) -> Result<Cohort> {
    let m = open_resumable(dir, "cohort")?;
    let params = m.params()?;
    let _lock = output::DirLock::acquire(dir)?;
    drive(
        &params[0],
        m.replicates,
        dir,
        m.plots,
        opts,
        m.run.wall_time_s,
    )
}

/// Read the manifest of a cohort-like directory of `kind` to resume.
pub(crate) fn open_resumable(dir: &Path, kind: &str) -> Result<CohortManifest> {
    let bad = |msg: String| {
        Error::Input(crate::error::InputError::new(
            dir.display().to_string(),
            None,
            msg,
        ))
    };
    match output::read_marker(dir) {
        Ok(Some(mk)) if mk.kind == kind => {}
        Ok(Some(mk)) => return Err(bad(format!("holds a {}, not a {kind}", mk.kind))),
        Ok(None) => {
            return Err(bad(format!(
                "not a woundsim {kind} directory (no {})",
                output::MARKER
            )))
        }
        Err(e) => return Err(bad(e)),
    }
    let m = CohortManifest::read(dir)?;
    if m.run.status == Status::Complete {
        return Err(bad(format!(
            "the {kind} is already complete; nothing to resume"
        )));
    }
    Ok(m)
}

fn drive(
    p: &Params,
    replicates: u64,
    dir: &Path,
    plots: bool,
    opts: &Options,
    wall0: f64,
) -> Result<Cohort> {
    let t0 = Instant::now();
    let params = std::slice::from_ref(p);
    write_manifest_with(dir, params, replicates, Status::Running, wall0, None, plots)?;
    let store = [dir.to_path_buf()];
    let result = run_cohorts(params, replicates, opts, Some(&store))
        .and_then(|mut v| {
            v.pop()
                .ok_or_else(|| Error::Other("no cohort was produced".into()))
        })
        .and_then(|c| write_files(&c, dir, plots).map(|_| c))
        .and_then(|c| {
            write_manifest_with(
                dir,
                params,
                replicates,
                Status::Complete,
                wall0 + t0.elapsed().as_secs_f64(),
                None,
                plots,
            )
            .map(|()| c)
        });
    result.map_err(|e| {
        remove_cohort_files(dir);
        let status = failure_status(opts.interrupt.as_deref());
        let e = with_dir(e, dir);
        let wall = wall0 + t0.elapsed().as_secs_f64();
        let _ = write_manifest_with(
            dir,
            params,
            replicates,
            status,
            wall,
            Some(e.to_string()),
            plots,
        );
        e
    })
}

/// Default output directory of a cohort.
pub fn default_out_dir(p: &Params, replicates: u64) -> PathBuf {
    PathBuf::from("results").join(format!(
        "{}-cohort{replicates}-{}",
        p.scenario.name, p.scenario.seed
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicate_seeds_are_hashed_and_distinct() {
        let s: Vec<u64> = (0..50).map(|i| replicate_seed(9, i)).collect();
        let mut u = s.clone();
        u.sort();
        u.dedup();
        assert_eq!(u.len(), 50);
        assert_ne!(s[1].wrapping_sub(s[0]), 1);
        assert_eq!(s[3], derive_seed(9, &[3]));
        assert_ne!(replicate_seed(10, 0), s[0]);
    }

    #[test]
    fn outcome_stats_and_proportion() {
        let s = OutcomeStats::of(
            stats::Quantity::Unbounded,
            &[Some(2.0), None, Some(4.0), Some(6.0)],
        );
        assert_eq!((s.n, s.undefined), (3, 1));
        assert_eq!(s.mean, Some(4.0));
        assert_eq!(s.sd, Some(2.0));
        // mean ± t(0.975, 2)·2/√3
        let half = 4.302_652_729_749_464 * 2.0 / 3f64.sqrt();
        assert!((s.ci95_lo.unwrap() - (4.0 - half)).abs() < 1e-9);
        assert!((s.ci95_hi.unwrap() - (4.0 + half)).abs() < 1e-9);
        assert_eq!(s.p2_5, Some(2.0 + 2.0 * 0.05));
        let one = OutcomeStats::of(stats::Quantity::PERCENT, &[Some(1.0), None]);
        assert_eq!((one.mean, one.sd, one.ci95_lo), (Some(1.0), None, None));
        let none = OutcomeStats::of(stats::Quantity::PERCENT, &[None, None]);
        assert_eq!((none.n, none.mean), (0, None));

        let p = Proportion::of(&[Some(1.0), Some(0.0), Some(1.0), Some(1.0)]).unwrap();
        assert_eq!((p.successes, p.n), (3, 4));
        assert_eq!(p.fraction, 0.75);
        assert!(Proportion::of(&[Some(1.0), None]).is_none());
        assert!(Proportion::new(0, 0).is_none());
    }

    #[test]
    fn wilson_interval_on_known_inputs() {
        // 8 of 10: centre (0.8 + z²/20)/(1 + z²/10), z = 1.959964.
        let p = Proportion::new(8, 10).unwrap();
        let z: f64 = 1.959_963_984_540_054;
        let (n, ph) = (10.0, 0.8);
        let den = 1.0 + z * z / n;
        let centre = (ph + z * z / (2.0 * n)) / den;
        let half = z / den * (ph * (1.0 - ph) / n + z * z / (4.0 * n * n)).sqrt();
        assert!((p.wilson95_lo - (centre - half)).abs() < 1e-12);
        assert!((p.wilson95_hi - (centre + half)).abs() < 1e-12);
        assert!((p.wilson95_lo - 0.490_162_471_536_641_8).abs() < 1e-9);
        let all = Proportion::new(5, 5).unwrap();
        assert_eq!(all.wilson95_hi, 1.0);
        // All successes: lower bound n / (n + z²).
        assert!((all.wilson95_lo - 5.0 / (5.0 + z * z)).abs() < 1e-12);
    }

    #[test]
    fn replicate_dir_names() {
        assert_eq!(replicate_dir_name(0, 1), "r000");
        assert_eq!(replicate_dir_name(7, 20), "r007");
        assert_eq!(replicate_dir_name(12, 1001), "r0012");
    }
}
