//! Sweep files: the raw TOML format (serde, `deny_unknown_fields`) and its
//! validation into a [`SweepSpec`] that is ready to run.
//!
//! ```toml
//! base = "../scenarios/default.toml"   # relative to this file; or [base_inline]
//! seed = 7                             # master seed
//! replicates = 3
//! set = ["domain.width_um=6000"]       # optional overrides of base keys
//! days = 28                            # optional override of time.days
//! outcomes = ["closure_pct_final"]     # default: observe::OUTCOMES the span can define
//!
//! [design]
//! kind = "lhs"                         # factorial | lhs | random | saltelli
//! samples = 64                         # not used by factorial
//!
//! [[factor]]
//! key = "treatment.dose.dose_cells"
//! range = [1e5, 1e7]
//! scale = "log"                        # linear (default) | log | integer
//!
//! [[factor]]
//! key = "treatment.product.source"
//! values = ["adipose", "bone_marrow"]
//!
//! [[factor]]
//! key = "patient.perfusion"
//! distribution = "normal"
//! mean = 0.5
//! sd = 0.1
//! range = [0.05, 1.0]                  # optional truncation of the normal
//! ```
//!
//! Validation happens before anything runs: every factor key is set (with
//! [`scenario::set_path`]) in the base scenario at each of its values (for
//! `values`), at both ends of its range (for `range`) or at the extreme values
//! the design actually draws (for `distribution`), and the result must load
//! with [`Scenario::from_table`] and [`Params::new`]. Errors are
//! [`InputError`]s that name the sweep file and the key.

use crate::error::{Error, InputError};
use crate::observe;
use crate::rng::{derive_seed, hash_words};
use crate::scenario::{self, Params, Scenario, BUILTIN_LABEL, DEFAULT_SCENARIO_TOML};
use crate::sweep::design::{self, DesignError, DesignKind, DesignPoint, FactorSpace, Level};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

mod factors;
mod resolve;
use factors::*;
#[cfg(test)]
mod tests;

/// The sweep file as written (every key but `design` and `factor` optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    /// Base scenario file, relative to the sweep file.
    #[serde(default)]
    pub base: Option<String>,
    /// Base scenario written inline (instead of `base`).
    #[serde(default)]
    pub base_inline: Option<toml::Table>,
    /// Master seed; run seeds are `derive_seed(seed, [point, replicate])`.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Replicates per design point.
    #[serde(default = "default_replicates")]
    pub replicates: u64,
    /// The design (default: factorial).
    #[serde(default)]
    pub design: RawDesign,
    /// The factors (`[[factor]]` tables).
    #[serde(default)]
    pub factor: Vec<RawFactor>,
    /// Outcome names (default: those of [`observe::OUTCOMES`] the span can
    /// define, see [`observe::outcome_min_days`]).
    #[serde(default)]
    pub outcomes: Option<Vec<String>>,
    /// Overrides of base-scenario keys, `"key.path=value"` as with `--set`.
    #[serde(default)]
    pub set: Vec<String>,
    /// Override of the base scenario's `time.days`.
    #[serde(default)]
    pub days: Option<f64>,
    /// Write each run's time series to `timeseries/run_<i>.csv`.
    #[serde(default)]
    pub timeseries: bool,
    /// Testing aid: replace each simulation by a cheap deterministic function
    /// of the factor values and the seed (the scenario is still loaded).
    #[serde(default)]
    pub dry_run: bool,
}

fn default_seed() -> u64 {
    1
}
fn default_replicates() -> u64 {
    1
}

/// `[design]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDesign {
    /// Design kind.
    #[serde(default)]
    pub kind: KindName,
    /// Sample count (LHS, random) or base samples `N` (Saltelli: `(k+2)·N` points).
    #[serde(default)]
    pub samples: Option<usize>,
}

/// Design kind names in sweep files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KindName {
    /// Full factorial over `values` lists.
    #[default]
    Factorial,
    /// Latin hypercube.
    Lhs,
    /// Independent uniform random points.
    Random,
    /// Saltelli design for Sobol' indices.
    Saltelli,
}

impl KindName {
    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            KindName::Factorial => "factorial",
            KindName::Lhs => "lhs",
            KindName::Random => "random",
            KindName::Saltelli => "saltelli",
        }
    }
}

/// Scale of a `range` factor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleName {
    /// Uniform on `[lo, hi]`.
    #[default]
    Linear,
    /// Log-uniform on `[lo, hi]` (`0 < lo`).
    Log,
    /// Integers `lo..=hi`, each equally likely.
    Integer,
}

/// Distribution names of a `distribution` factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DistName {
    /// Normal with `mean` and `sd` (truncated to `range` when given).
    Normal,
}

/// One `[[factor]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFactor {
    /// Dotted scenario key, e.g. `treatment.dose.dose_cells`.
    pub key: String,
    /// Explicit values (any TOML values: numbers, strings, booleans, arrays).
    #[serde(default)]
    pub values: Option<Vec<toml::Value>>,
    /// `[lo, hi]` of a continuous factor (or truncation of a distribution).
    #[serde(default)]
    pub range: Option<[f64; 2]>,
    /// Scale of `range`.
    #[serde(default)]
    pub scale: Option<ScaleName>,
    /// Sampling distribution.
    #[serde(default)]
    pub distribution: Option<DistName>,
    /// Mean of `distribution`.
    #[serde(default)]
    pub mean: Option<f64>,
    /// Standard deviation of `distribution`.
    #[serde(default)]
    pub sd: Option<f64>,
}

/// A validated factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Dotted scenario key.
    pub key: String,
    /// The space the design samples (`Levels` of value indices for `values`).
    pub space: FactorSpace,
    /// The explicit values, when the factor was given by `values`.
    pub values: Option<Vec<toml::Value>>,
}

impl Factor {
    /// A short description of the factor's space (for manifests and reports).
    pub fn describe(&self) -> String {
        match (&self.values, &self.space) {
            (Some(v), _) => format!(
                "values [{}]",
                v.iter().map(render_value).collect::<Vec<_>>().join(", ")
            ),
            (None, FactorSpace::Uniform { lo, hi }) => format!("uniform [{lo}, {hi}]"),
            (None, FactorSpace::LogUniform { lo, hi }) => format!("log-uniform [{lo}, {hi}]"),
            (None, FactorSpace::IntRange { lo, hi }) => format!("integers {lo}..={hi}"),
            (None, FactorSpace::Normal { mean, sd }) => format!("normal(mean {mean}, sd {sd})"),
            (None, FactorSpace::TruncNormal { mean, sd, lo, hi }) => {
                format!("normal(mean {mean}, sd {sd}) truncated to [{lo}, {hi}]")
            }
            (None, FactorSpace::Levels(l)) => format!("levels {l:?}"),
        }
    }
}

/// Identity of one run: run `i` is replicate `i % replicates` of point
/// `i / replicates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId {
    /// Run index.
    pub run: u64,
    /// Design point index.
    pub point: u64,
    /// Replicate index.
    pub replicate: u64,
    /// Run seed, `derive_seed(master, [point, replicate])`.
    pub seed: u64,
}

/// A validated sweep, ready to run.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// The sweep file (as given), used in messages.
    pub label: String,
    /// The sweep file's text (copied to the output directory).
    pub text: String,
    /// Where the base scenario came from.
    pub base_label: String,
    /// The base scenario table, with the `days` override applied.
    pub base: toml::Table,
    /// Master seed.
    pub seed: u64,
    /// Replicates per point.
    pub replicates: u64,
    /// Design kind.
    pub kind: KindName,
    /// Samples as written (`None` for factorial).
    pub samples: Option<usize>,
    /// Factors in file order.
    pub factors: Vec<Factor>,
    /// The design points.
    pub points: Vec<DesignPoint>,
    /// Outcome names, in column order.
    pub outcomes: Vec<String>,
    /// `time.days` override.
    pub days: Option<f64>,
    /// Write per-run time series.
    pub timeseries: bool,
    /// Testing aid (see [`RawSweep::dry_run`]).
    pub dry_run: bool,
    /// Hash of the woundsim version, the sweep text and the base scenario.
    pub hash: String,
}

/// Most runs (design points × replicates) one sweep may have.
pub const MAX_RUNS: u64 = 100_000_000;

/// Fixed leading columns of `runs.csv`.
pub const LEAD_COLUMNS: [&str; 4] = ["run", "point", "replicate", "seed"];

/// Outcome names accepted besides [`observe::OUTCOMES`] (see
/// [`observe::Summary::outcome`]); `final.<column>` is accepted too.
pub const EXTRA_OUTCOMES: [&str; 5] = [
    "healed_wk12",
    "msc_peak",
    "peak_vessel_day",
    "final_vessel_density_rel",
    "vegf_peak_ng_per_ml",
];

/// A stable 64-bit hash (hex) of some bytes.
pub fn hash_bytes(bytes: &[u8]) -> String {
    let mut words: Vec<u64> = vec![bytes.len() as u64];
    words.extend(bytes.chunks(8).map(|c| {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(b)
    }));
    format!("{:016x}", hash_words(&words))
}

/// Render a factor value for `runs.csv`: strings bare, floats in shortest
/// round-trip form, arrays and tables as inline TOML.
pub fn render_value(v: &toml::Value) -> String {
    let s = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => format!("{f:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    };
    one_line(&s)
}

/// Render an outcome: integers without a decimal point, other numbers in
/// shortest round-trip form, `None` as an empty cell.
pub fn render_number(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(x) if x.is_nan() => "NaN".into(),
        Some(x) if x == x.trunc() && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => format!("{x:?}"),
    }
}

/// Replace line breaks so that every `runs.csv` record is one line.
pub fn one_line(s: &str) -> String {
    if s.contains(['\n', '\r']) {
        s.replace("\r\n", " ").replace(['\n', '\r'], " ")
    } else {
        s.to_string()
    }
}

/// Parse sweep-file text into [`RawSweep`], with errors naming the key (see
/// [`scenario::deserialize_table`]).
pub fn parse_raw(text: &str, label: &str) -> Result<RawSweep, InputError> {
    if scenario::is_blank(text) {
        return Err(InputError::new(label, None, "the file is empty").hint(
            "a sweep needs at least one [[factor]] table with `key` and `values`; see examples/sweeps/tiny.toml",
        ));
    }
    scenario::deserialize_table(scenario::parse_toml(text, label)?, label)
}
