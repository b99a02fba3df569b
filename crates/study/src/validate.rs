//! Validation: published facts about wounds and MSC therapy, each checked
//! by a small virtual experiment run as cohorts.
//!
//! Every fact is one entry of the table `crates/study/facts.toml` (parsed
//! into [`FACTS`] on first use): a statement, its source, an [`Experiment`]
//! (scenario A vs B, one scenario against a range, a dose-response over one
//! key, a parameter or a mechanism curve), the observable and what is
//! expected. Adding a fact is adding an entry to that file.
//!
//! Arms are shipped scenario files (`scenarios/<name>.toml`) with `--set`
//! overrides. Every arm runs as a cohort with the same master seed, so
//! replicate `i` of every arm has the same patient draw and comparisons are
//! paired: an ordering "A > B" passes when the 95 % interval (Student t) of
//! the mean paired difference A − B lies above zero. Identical resolved
//! scenarios are run once and shared between facts.
//!
//! `--quick` runs the facts with a `quick_days` span (every ordering) on a
//! small domain with the nominal patient ([`QUICK_SETS`]), mostly for
//! [`QUICK_DAYS`] days, with
//! [`QUICK_REPLICATES`] replicates (doses after the span are dropped);
//! ranges that need the full-size wound and 12 weeks are skipped there.

use crate::cohort_run::{self, Cohort, OutcomeStats, Proportion, Replicate};
use crate::error::{Error, InputError, Result};
use crate::mechanisms::secretion;
use crate::output;
use crate::scenario::{Params, Scenario};
use crate::stats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Overrides of every arm in `--quick` mode: a small domain (a 2.4 mm
/// wound, which still takes the whole dose, so cells are about 20× denser
/// than in the 1 cm wound and their effects are larger), and the nominal
/// patient in every replicate (replicates then differ only in their
/// stochastic events), which leaves the orderings of mechanisms visible with
/// few replicates. A full validation draws every replicate's patient.
pub const QUICK_SETS: [&str; 4] = [
    "domain.width_um=3600",
    "domain.height_um=3600",
    "wound.diameter_um=2400",
    "cohort.vary_patients=false",
];
/// Simulated days of an arm in `--quick` mode (unless its fact says otherwise).
pub const QUICK_DAYS: f64 = 21.0;
/// Replicates per arm in `--quick` mode.
pub const QUICK_REPLICATES: u64 = 8;
/// Replicates per arm of a full validation.
pub const FULL_REPLICATES: u64 = 20;

/// "Until the end of the span" in an [`Observable`].
pub const END: f64 = f64::INFINITY;

mod facts;
pub use facts::*;

mod evaluate;
pub use evaluate::*;
mod report;
#[cfg(test)]
mod tests;

/// The scenario whose resolved parameters the parameter and curve facts read.
const BASE_SCENARIO: &str = "dfu-standard-care";

// ---------------------------------------------------------------------------
// Settings and results
// ---------------------------------------------------------------------------

/// How to run the validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Replicates per arm (at least 2).
    pub replicates: u64,
    /// Quick mode: small domain, [`QUICK_DAYS`], only `quick` facts.
    pub quick: bool,
    /// Master seed of every arm.
    pub master_seed: u64,
    /// Directory holding the scenario files.
    pub scenario_dir: PathBuf,
    /// Extra overrides for every arm (applied after the arm's own).
    pub sets: Vec<String>,
    /// Run only facts whose id contains one of these (all when empty).
    pub only: Vec<String>,
}

impl Settings {
    /// Quick or full defaults for `scenario_dir`.
    pub fn new(quick: bool, scenario_dir: &Path) -> Settings {
        Settings {
            replicates: if quick {
                QUICK_REPLICATES
            } else {
                FULL_REPLICATES
            },
            quick,
            master_seed: 1,
            scenario_dir: scenario_dir.to_path_buf(),
            sets: vec![],
            only: vec![],
        }
    }

    fn days(&self, f: &Fact) -> f64 {
        if self.quick {
            f.quick_days.unwrap_or(QUICK_DAYS)
        } else {
            f.days
        }
    }

    fn selected(&self, f: &Fact) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| f.id.contains(o.as_str()))
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The model reproduces the fact.
    Pass,
    /// It does not (or the observable is undefined).
    Fail,
    /// Not run (`--quick` or not selected).
    Skipped,
}

impl Verdict {
    /// "PASS", "FAIL" or "skip".
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skipped => "skip",
        }
    }
}

/// One arm's statistics in a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmValue {
    /// Arm label (scenario and overrides).
    pub arm: String,
    /// The observable over the replicates.
    pub stats: OutcomeStats,
}

/// The result of one fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactResult {
    /// Fact id.
    pub id: String,
    /// The fact.
    pub statement: String,
    /// Its source.
    pub source: String,
    /// The virtual experiment in words.
    pub experiment: String,
    /// What passes.
    pub expected: String,
    /// What was simulated (values with intervals).
    pub simulated: String,
    /// Pass, fail or skipped.
    pub verdict: Verdict,
    /// Per-arm statistics of the observable.
    pub arms: Vec<ArmValue>,
}

/// A whole validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// woundsim version.
    pub woundsim_version: String,
    /// Quick mode.
    pub quick: bool,
    /// Replicates per arm.
    pub replicates: u64,
    /// Master seed.
    pub master_seed: u64,
    /// Overrides applied to every arm (quick domain and user `--set`).
    pub overrides: Vec<String>,
    /// Cohorts run (distinct resolved scenarios).
    pub cohorts_run: usize,
    /// Passed checks.
    pub passed: usize,
    /// Failed checks.
    pub failed: usize,
    /// Skipped checks.
    pub skipped: usize,
    /// One result per fact, in table order.
    pub results: Vec<FactResult>,
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

fn arm_label(a: &Arm, extra: Option<String>) -> String {
    let mut sets: Vec<String> = a.sets.iter().map(|s| s.to_string()).collect();
    sets.extend(extra);
    if sets.is_empty() {
        a.scenario.to_string()
    } else {
        format!("{} [{}]", a.scenario, sets.join(", "))
    }
}

/// One concrete arm: scenario, overrides (arm and dose-response), days.
#[derive(Debug, Clone, PartialEq)]
struct ArmRun {
    arm: Arm,
    extra: Option<String>,
    days: f64,
}

impl ArmRun {
    fn label(&self) -> String {
        arm_label(&self.arm, self.extra.clone())
    }
}

fn arm_runs(f: &Fact, days: f64) -> Vec<ArmRun> {
    let run = |arm: Arm| ArmRun {
        arm,
        extra: None,
        days,
    };
    match f.experiment {
        Experiment::Compare { a, b, .. } | Experiment::Ratio { a, b, .. } => vec![run(a), run(b)],
        Experiment::Range { arm, .. } | Experiment::Proportion { arm, .. } => vec![run(arm)],
        Experiment::DoseResponse {
            arm, key, values, ..
        } => values
            .iter()
            .map(|v| ArmRun {
                arm,
                extra: Some(format!("{key}={v}")),
                days,
            })
            .collect(),
        Experiment::Parameter { .. } | Experiment::RiseThenFall { .. } => vec![],
    }
}

fn params_for(s: &Settings, scenario: &str, sets: Vec<String>) -> Result<Params> {
    let path = s.scenario_dir.join(format!("{scenario}.toml"));
    let mut all: Vec<String> = if s.quick {
        QUICK_SETS.iter().map(|x| x.to_string()).collect()
    } else {
        vec![]
    };
    all.extend(sets);
    all.extend(s.sets.iter().cloned());
    all.push(format!("seed={}", s.master_seed));
    let mut scenario = Scenario::load(&path, &all)?;
    if s.quick {
        // Doses at or after the end of the short quick span are dropped
        // (one on the last day would never be given).
        let days = scenario.time.days;
        scenario.treatment.dose.days.retain(|d| *d < days);
    }
    Ok(Params::new(scenario, &path.display().to_string())?)
}

fn arm_params(s: &Settings, r: &ArmRun) -> Result<Params> {
    let mut sets: Vec<String> = r.arm.sets.iter().map(|x| x.to_string()).collect();
    sets.extend(r.extra.clone());
    sets.push(format!("time.days={}", r.days));
    params_for(s, r.arm.scenario, sets)
}

/// The value of `obs` in one replicate (None where undefined: past the
/// span, no rows in the window, zero peak).
pub fn observe(obs: &Observable, r: &Replicate) -> Option<f64> {
    let out = &r.output;
    let col = |name: &str| out.columns.iter().position(|c| c == name);
    let series = |name: &str| -> Option<Vec<(f64, f64)>> {
        let c = col(name)?;
        Some(
            out.rows
                .iter()
                .map(|row| (row.values[0], row.values[c]))
                .collect(),
        )
    };
    let at = |s: &[(f64, f64)], day: f64| -> Option<(usize, f64)> {
        if day == END {
            return s.last().map(|&(_, v)| (s.len() - 1, v));
        }
        s.iter()
            .position(|(t, _)| *t + 1e-9 >= day)
            .map(|i| (i, s[i].1))
    };
    match *obs {
        Observable::Outcome(name) => out.summary.outcome(name),
        Observable::At(name, day) => at(&series(name)?, day).map(|(_, v)| v),
        Observable::Mean(name, from, to) => {
            let s = series(name)?;
            let last = s.last()?.0;
            if to != END && to > last + 1e-9 {
                return None;
            }
            let v: Vec<f64> = s
                .iter()
                .filter(|(t, _)| *t + 1e-9 >= from && *t <= to + 1e-9)
                .map(|x| x.1)
                .collect();
            (!v.is_empty()).then(|| stats::mean(&v))
        }
        Observable::ShareOfPeak(name, day) => {
            let s = series(name)?;
            let (i, v) = at(&s, day)?;
            let peak = s[..=i].iter().map(|x| x.1).fold(0.0, f64::max);
            (peak > 0.0).then(|| v / peak)
        }
    }
}

fn describe_obs(o: &Observable) -> String {
    let day = |d: f64| {
        if d == END {
            "the end".to_string()
        } else {
            format!("day {d}")
        }
    };
    match *o {
        Observable::Outcome(n) => n.to_string(),
        Observable::At(n, d) => format!("{n} at {}", day(d)),
        Observable::Mean(n, a, b) => format!("mean {n} from day {a} to {}", day(b)),
        Observable::ShareOfPeak(n, d) => format!("{n} at {} / its peak", day(d)),
    }
}

fn fmt(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => {
            let a = x.abs();
            if a != 0.0 && !(1e-3..1e5).contains(&a) {
                format!("{x:.3e}")
            } else if a >= 100.0 {
                format!("{x:.1}")
            } else {
                format!("{x:.3}")
            }
        }
        Some(x) if x.is_infinite() => if x > 0.0 { "∞" } else { "−∞" }.into(),
        _ => "n/a".into(),
    }
}

fn fmt_stats(s: &OutcomeStats) -> String {
    let mut t = match (s.ci95_lo, s.ci95_hi) {
        (Some(lo), Some(hi)) => format!("{} ({} to {})", fmt(s.mean), fmt(Some(lo)), fmt(Some(hi))),
        _ => fmt(s.mean),
    };
    if s.undefined > 0 {
        t.push_str(&format!(
            " [undefined in {}/{}]",
            s.undefined,
            s.n + s.undefined
        ));
    }
    t
}

fn diff(a: &[Option<f64>], b: &[Option<f64>]) -> Option<OutcomeStats> {
    let d: Option<Vec<Option<f64>>> = a
        .iter()
        .zip(b)
        .map(|(x, y)| Some(Some((*x)? - (*y)?)))
        .collect();
    d.map(|d| {
        // A difference of two arms can be negative: plain Student t.
        let mut s = OutcomeStats::of(crate::stats::Quantity::Unbounded, &d);
        // A zero spread gives a degenerate (exact) interval.
        if s.n >= 2 && s.sd == Some(0.0) {
            s.ci95_lo = s.mean;
            s.ci95_hi = s.mean;
        }
        s
    })
}

/// Run the validation: every selected fact's arms as cohorts (all in one
/// parallel loop; identical resolved scenarios once), then evaluate.
///
/// # Errors
/// [`Error::Input`] for fewer than 2 replicates, a missing scenario file or
/// a bad override; a failing simulation's error; interruption.
pub fn run(settings: &Settings, opts: &cohort_run::Options) -> Result<Report> {
    if settings.replicates < 2 {
        return Err(Error::Input(
            InputError::new(
                "<command line>",
                None,
                "validation needs at least 2 replicates per arm",
            )
            .allowed("--replicates 2 or more"),
        ));
    }
    let active: Vec<&Fact> = FACTS
        .iter()
        .filter(|f| settings.selected(f) && (f.quick_days.is_some() || !settings.quick))
        .collect();
    // Distinct arms by label, then distinct resolved scenarios by hash.
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut unique: BTreeMap<String, Params> = BTreeMap::new();
    for f in &active {
        for r in arm_runs(f, settings.days(f)) {
            let label = r.label_with_days();
            if keys.contains_key(&label) {
                continue;
            }
            let p = arm_params(settings, &r)?;
            let hash = p.scenario.hash_hex();
            keys.insert(label, hash.clone());
            unique.entry(hash).or_insert(p);
        }
    }
    let hashes: Vec<String> = unique.keys().cloned().collect();
    let params: Vec<Params> = unique.into_values().collect();
    let cohorts = cohort_run::simulate_cohorts(&params, settings.replicates, opts)?;
    let cohorts: BTreeMap<String, Cohort> = hashes.into_iter().zip(cohorts).collect();
    let ctx = Ctx {
        settings,
        cohorts: &cohorts,
        keys: &keys,
    };
    let mut results = Vec::with_capacity(FACTS.len());
    for f in FACTS.iter() {
        if active.iter().any(|a| a.id == f.id) {
            results.push(evaluate(f, &ctx)?);
        } else {
            results.push(FactResult {
                id: f.id.into(),
                statement: f.statement.into(),
                source: f.source.into(),
                experiment: String::new(),
                expected: String::new(),
                simulated: if settings.selected(f) {
                    "skipped: needs the full-size wound and span (run without --quick)".into()
                } else {
                    "not selected".into()
                },
                verdict: Verdict::Skipped,
                arms: vec![],
            });
        }
    }
    let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
    let mut overrides: Vec<String> = if settings.quick {
        QUICK_SETS.iter().map(|s| s.to_string()).collect()
    } else {
        vec![]
    };
    overrides.extend(settings.sets.iter().cloned());
    Ok(Report {
        woundsim_version: crate::VERSION.into(),
        quick: settings.quick,
        replicates: settings.replicates,
        master_seed: settings.master_seed,
        overrides,
        cohorts_run: cohorts.len(),
        passed: count(Verdict::Pass),
        failed: count(Verdict::Fail),
        skipped: count(Verdict::Skipped),
        results,
    })
}
