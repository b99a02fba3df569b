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

impl SweepSpec {
    /// Read and validate a sweep file.
    pub fn load(path: &Path) -> Result<SweepSpec, Error> {
        let text = scenario::read_text(path)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_str(&text, &path.display().to_string(), &dir)
    }

    /// Validate sweep-file `text` (from `label`); `base` paths are relative to `dir`.
    pub fn from_str(text: &str, label: &str, dir: &Path) -> Result<SweepSpec, Error> {
        let raw = parse_raw(text, label)?;
        let err = |key: &str, msg: String| InputError::new(label, Some(key), msg);

        // Errors in the base scenario name the sweep file too.
        let of_sweep = |e: InputError| {
            if e.file.contains(label) {
                e
            } else {
                InputError {
                    file: format!("{} (base scenario of {label})", e.file),
                    ..e
                }
            }
        };

        // Base scenario.
        let (mut base, base_label) = match (&raw.base, &raw.base_inline) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "base",
                    "give either `base` or `[base_inline]`, not both".into(),
                )
                .into());
            }
            (Some(b), None) => {
                let p: PathBuf = if Path::new(b).is_absolute() {
                    PathBuf::from(b)
                } else {
                    dir.join(b)
                };
                let text = scenario::read_text(&p).map_err(|e| match e {
                    Error::Io { source, .. } => Error::Input(
                        err(
                            "base",
                            format!("cannot read base scenario '{}': {source}", p.display()),
                        )
                        .hint("`base` is relative to the sweep file"),
                    ),
                    Error::Input(e) => Error::Input(of_sweep(e)),
                    other => other,
                })?;
                let base_file = p.display().to_string();
                let table = scenario::parse_table(&text, &base_file).map_err(of_sweep)?;
                (table, base_file)
            }
            (None, Some(t)) => (t.clone(), format!("{label} [base_inline]")),
            (None, None) => (
                scenario::parse_table(DEFAULT_SCENARIO_TOML, BUILTIN_LABEL)?,
                BUILTIN_LABEL.to_string(),
            ),
        };
        for (i, o) in raw.set.iter().enumerate() {
            let (k, v) = scenario::parse_override(o).map_err(|_| {
                err(&format!("set[{i}]"), format!("'{o}' has no '='")).allowed("\"key.path=value\"")
            })?;
            scenario::set_path(&mut base, &k, v, label)?;
        }
        let base_label = match (raw.set.is_empty(), raw.days.is_none()) {
            (true, true) => base_label,
            (false, true) => format!("{base_label} with `set` from {label}"),
            (true, false) => format!("{base_label} with `days` from {label}"),
            (false, false) => format!("{base_label} with `set` and `days` from {label}"),
        };
        if let Some(d) = raw.days {
            if !(d.is_finite() && d > 0.0) {
                return Err(err(
                    "days",
                    format!("value {d} must be a positive number of days"),
                )
                .into());
            }
            scenario::set_path(&mut base, "time.days", toml::Value::Float(d), label)?;
        }
        let base_params = load_params(base.clone(), &base_label).map_err(of_sweep)?;

        if raw.replicates == 0 {
            return Err(err("replicates", "value 0: need at least 1 replicate".into()).into());
        }

        // Factors.
        if raw.factor.is_empty() {
            return Err(InputError::new(label, Some("factor"), "no factors")
                .hint("add at least one [[factor]] table with `key` and `values`, `range` or `distribution`")
                .into());
        }
        let mut factors = Vec::with_capacity(raw.factor.len());
        for (i, f) in raw.factor.iter().enumerate() {
            if factors.iter().any(|g: &Factor| g.key == f.key) {
                return Err(err(
                    &format!("factor[{i}].key"),
                    format!("'{}' appears twice", f.key),
                )
                .into());
            }
            factors.push(build_factor(f, i, label)?);
        }

        // Design.
        let kind = match (raw.design.kind, raw.design.samples) {
            (KindName::Factorial, None) => DesignKind::Factorial,
            (KindName::Factorial, Some(_)) => {
                return Err(err(
                    "design.samples",
                    "not used by factorial designs (every combination of `values` runs)".into(),
                )
                .into())
            }
            (k, None) => {
                return Err(err(
                    "design.samples",
                    format!("missing: a {} design needs `samples`", k.as_str()),
                )
                .into())
            }
            (KindName::Lhs, Some(n)) => DesignKind::LatinHypercube { samples: n },
            (KindName::Random, Some(n)) => DesignKind::Random { samples: n },
            (KindName::Saltelli, Some(n)) => DesignKind::Saltelli { base_samples: n },
        };
        let spaces: Vec<FactorSpace> = factors.iter().map(|f| f.space.clone()).collect();
        let points = design::build(kind, &spaces, derive_seed(raw.seed, &[u64::MAX])).map_err(|e| match e {
            DesignError::NotDiscrete { index } => err(
                &format!("factor[{index}]"),
                format!("'{}' is continuous; a factorial design needs `values` (or `scale = \"integer\"`)", factors[index].key),
            ),
            DesignError::InvalidFactor { index, reason } => err(&format!("factor[{index}]"), format!("'{}': {reason}", factors[index].key)),
            DesignError::ZeroSamples => err("design.samples", "value 0: need at least 1".into()),
            other => err("design", other.to_string()),
        })?;

        let runs = (points.len() as u64).checked_mul(raw.replicates);
        if runs.is_none_or(|r| r > MAX_RUNS) {
            return Err(err(
                "replicates",
                format!(
                    "{} points × {} replicates is more than {MAX_RUNS} runs",
                    points.len(),
                    raw.replicates
                ),
            )
            .allowed(format!(
                "at most {MAX_RUNS} runs (design points × replicates)"
            ))
            .into());
        }

        // Outcomes.
        let outcomes: Vec<String> = match &raw.outcomes {
            Some(o) => o.clone(),
            None => observe::OUTCOMES.iter().map(|s| s.to_string()).collect(),
        };
        check_outcomes(&outcomes, &base_params, label)?;

        let mut spec = SweepSpec {
            label: label.to_string(),
            text: text.to_string(),
            base_label,
            base,
            seed: raw.seed,
            replicates: raw.replicates,
            kind: raw.design.kind,
            samples: raw.design.samples,
            factors,
            points,
            outcomes,
            days: raw.days,
            timeseries: raw.timeseries,
            dry_run: raw.dry_run,
            hash: String::new(),
        };
        spec.check_factor_values()?;
        if raw.outcomes.is_some() {
            spec.check_outcome_spans(base_params.scenario.time.days)?;
        } else {
            // The default list keeps only the outcomes the span can define.
            let days = spec.max_days(base_params.scenario.time.days);
            spec.outcomes
                .retain(|o| observe::outcome_min_days(o).is_none_or(|need| days + 1e-9 >= need));
        }
        let base_toml = toml::to_string(&spec.base).unwrap_or_default();
        spec.hash = hash_bytes(
            format!("woundsim {}\n{}\n{}", crate::VERSION, spec.text, base_toml).as_bytes(),
        );
        Ok(spec)
    }

    /// Number of design points.
    pub fn n_points(&self) -> u64 {
        self.points.len() as u64
    }

    /// Number of runs (points × replicates).
    pub fn n_runs(&self) -> u64 {
        self.n_points() * self.replicates
    }

    /// The identity of run `run`.
    pub fn run_id(&self, run: u64) -> RunId {
        let point = run / self.replicates;
        let replicate = run % self.replicates;
        RunId {
            run,
            point,
            replicate,
            seed: derive_seed(self.seed, &[point, replicate]),
        }
    }

    /// The value of factor `j` at design point `point`.
    pub fn value(&self, point: u64, j: usize) -> toml::Value {
        let level = &self.points[point as usize].levels[j];
        match (&self.factors[j].values, level) {
            (Some(vals), Level::Int(i)) => {
                vals[(*i).clamp(0, vals.len() as i64 - 1) as usize].clone()
            }
            (_, l) => level_to_toml(l),
        }
    }

    /// The factor values of `point`, rendered as in `runs.csv`.
    pub fn rendered_values(&self, point: u64) -> Vec<String> {
        (0..self.factors.len())
            .map(|j| render_value(&self.value(point, j)))
            .collect()
    }

    /// The base table with `point`'s factor values set.
    pub fn table_for(&self, point: u64) -> Result<toml::Table, InputError> {
        let mut t = self.base.clone();
        for (j, f) in self.factors.iter().enumerate() {
            scenario::set_path(&mut t, &f.key, self.value(point, j), &self.label)?;
        }
        Ok(t)
    }

    /// Validated parameters of `point`.
    pub fn params_for(&self, point: u64) -> Result<Params, InputError> {
        let label = format!("{} (design point {point})", self.label);
        load_params(self.table_for(point)?, &label)
    }

    /// The simulated span (days) of every design point, in point order.
    pub fn point_days(&self) -> Result<Vec<f64>, InputError> {
        let base = self.params_for(0)?.scenario.time.days;
        let j = self.factors.iter().position(|f| f.key == "time.days");
        Ok((0..self.n_points())
            .map(|p| match j.map(|j| self.value(p, j)) {
                Some(toml::Value::Float(x)) => x,
                Some(toml::Value::Integer(i)) => i as f64,
                _ => base,
            })
            .collect())
    }

    /// The parameters of design point `point` shortened to at most `days`
    /// simulated days (for a timing calibration).
    pub fn params_for_days(&self, point: u64, days: f64) -> Result<Params, InputError> {
        let full = self.params_for(point)?;
        let mut t = self.table_for(point)?;
        let d = full.scenario.time.days.min(days);
        scenario::set_path(&mut t, "time.days", toml::Value::Float(d), &self.label)?;
        let label = format!("{} (design point {point}, {d} days)", self.label);
        load_params(t, &label)
    }

    /// The `runs.csv` header.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = LEAD_COLUMNS.iter().map(|s| s.to_string()).collect();
        h.extend(self.factors.iter().map(|f| f.key.clone()));
        h.push("status".into());
        h.push("error".into());
        h.extend(self.outcomes.iter().cloned());
        h
    }

    /// The longest span any design point simulates: the largest value of a
    /// `time.days` factor, else `base_days`.
    pub fn max_days(&self, base_days: f64) -> f64 {
        match self.factors.iter().position(|f| f.key == "time.days") {
            Some(j) => (0..self.n_points())
                .filter_map(|p| match self.value(p, j) {
                    toml::Value::Float(x) => Some(x),
                    toml::Value::Integer(i) => Some(i as f64),
                    _ => None,
                })
                .fold(f64::NEG_INFINITY, f64::max),
            None => base_days,
        }
    }

    /// Every outcome must be definable in the span of at least one design
    /// point (e.g. `m2_fraction_d7` needs 7 simulated days,
    /// [`observe::outcome_min_days`]).
    fn check_outcome_spans(&self, base_days: f64) -> Result<(), InputError> {
        let days = self.max_days(base_days);
        for o in &self.outcomes {
            if let Some(need) = observe::outcome_min_days(o) {
                if days + 1e-9 < need {
                    return Err(InputError::new(
                        &self.label,
                        Some("outcomes"),
                        format!(
                            "outcome '{o}' needs at least {need} simulated days, but the sweep simulates {days} days: it would be empty in every run"
                        ),
                    )
                    .allowed(format!("'{o}' with `days` of {need} or more"))
                    .hint(format!("raise `days` to {need} or more, or drop '{o}' from `outcomes`")));
                }
            }
        }
        Ok(())
    }

    /// Every factor, at each of its probe values (all `values`, both ends of
    /// a `range`, the extremes the design draws from a distribution) with
    /// the other keys at the base, must give a valid scenario.
    fn check_factor_values(&self) -> Result<(), InputError> {
        for (j, f) in self.factors.iter().enumerate() {
            let probes: Vec<toml::Value> = match (&f.values, &f.space) {
                (Some(v), _) => v.clone(),
                (None, FactorSpace::Uniform { lo, hi } | FactorSpace::LogUniform { lo, hi }) => {
                    vec![toml::Value::Float(*lo), toml::Value::Float(*hi)]
                }
                (None, FactorSpace::IntRange { lo, hi }) => {
                    vec![toml::Value::Integer(*lo), toml::Value::Integer(*hi)]
                }
                (None, _) => {
                    let xs = self.points.iter().filter_map(|p| p.levels[j].as_f64());
                    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                        (a.min(x), b.max(x))
                    });
                    if lo.is_finite() {
                        vec![toml::Value::Float(lo), toml::Value::Float(hi)]
                    } else {
                        vec![]
                    }
                }
            };
            for v in probes {
                let mut t = self.base.clone();
                let shown = render_value(&v);
                let wrap = |e: InputError| {
                    let at = match &e.key {
                        Some(k) if k != &f.key => format!(" (at '{k}')"),
                        _ => String::new(),
                    };
                    let hint = match (&e.hint, &f.space) {
                        (None, FactorSpace::Uniform { .. } | FactorSpace::LogUniform { .. })
                            if e.message.contains("invalid type: floating point") =>
                        {
                            Some("this key takes whole numbers: use `scale = \"integer\"` or integer `values`".to_string())
                        }
                        (h, _) => h.clone(),
                    };
                    InputError {
                        file: self.label.clone(),
                        key: Some(f.key.clone()),
                        message: format!(
                            "factor value {shown} is rejected by the scenario{at}: {}",
                            e.message
                        ),
                        allowed: e.allowed,
                        hint,
                    }
                };
                scenario::set_path(&mut t, &f.key, v.clone(), &self.label).map_err(wrap)?;
                load_params(t, &self.base_label).map_err(wrap)?;
            }
        }
        Ok(())
    }
}

/// Load a scenario table into validated [`Params`].
fn load_params(table: toml::Table, label: &str) -> Result<Params, InputError> {
    let s = Scenario::from_table(table, label, &[])?;
    Params::new(s, label)
}

fn level_to_toml(l: &Level) -> toml::Value {
    match l {
        Level::Int(i) => toml::Value::Integer(*i),
        Level::Num(x) => toml::Value::Float(*x),
        Level::Text(s) => toml::Value::String(s.clone()),
        Level::Bool(b) => toml::Value::Boolean(*b),
    }
}

fn build_factor(f: &RawFactor, i: usize, label: &str) -> Result<Factor, InputError> {
    let at = |k: &str| format!("factor[{i}].{k}");
    let err = |k: &str, msg: String| InputError::new(label, Some(&at(k)), msg);
    if f.key.trim().is_empty() || f.key.split('.').any(str::is_empty) {
        return Err(
            err("key", format!("'{}' is not a dotted scenario key", f.key))
                .hint("e.g. key = \"treatment.dose.dose_cells\""),
        );
    }
    let given = [
        f.values.is_some(),
        f.range.is_some() && f.distribution.is_none(),
        f.distribution.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(err(
            "key",
            format!(
                "factor '{}' needs exactly one of `values`, `range` or `distribution`",
                f.key
            ),
        ));
    }
    if f.scale.is_some() && (f.range.is_none() || f.distribution.is_some()) {
        return Err(err(
            "scale",
            format!(
                "factor '{}': `scale` applies only to a `range` factor",
                f.key
            ),
        ));
    }
    if f.distribution.is_none() && (f.mean.is_some() || f.sd.is_some()) {
        return Err(err(
            "mean",
            format!(
                "factor '{}': `mean` and `sd` apply only with `distribution`",
                f.key
            ),
        ));
    }
    let bad = |k: &str, reason: String| err(k, format!("factor '{}': {reason}", f.key));
    if let Some(v) = &f.values {
        if v.is_empty() {
            return Err(bad("values", "empty list".into()));
        }
        let space = FactorSpace::Levels((0..v.len() as i64).map(Level::Int).collect());
        return Ok(Factor {
            key: f.key.clone(),
            space,
            values: Some(v.clone()),
        });
    }
    if let Some(DistName::Normal) = f.distribution {
        let (Some(mean), Some(sd)) = (f.mean, f.sd) else {
            return Err(bad(
                "distribution",
                "a normal distribution needs `mean` and `sd`".into(),
            ));
        };
        if !mean.is_finite() || !sd.is_finite() || sd < 0.0 {
            return Err(bad(
                "sd",
                format!("need finite mean and sd >= 0 (got mean {mean}, sd {sd})"),
            ));
        }
        let space = match f.range {
            Some([lo, hi]) => {
                if sd == 0.0 {
                    return Err(bad("sd", "a truncated normal needs sd > 0".into()));
                }
                FactorSpace::TruncNormal { mean, sd, lo, hi }
            }
            None => FactorSpace::Normal { mean, sd },
        };
        check_space(&space, &f.key, &at("range"), label)?;
        return Ok(Factor {
            key: f.key.clone(),
            space,
            values: None,
        });
    }
    let [lo, hi] = f.range.unwrap_or([0.0, 0.0]);
    let space = match f.scale.unwrap_or_default() {
        ScaleName::Linear => FactorSpace::Uniform { lo, hi },
        ScaleName::Log => FactorSpace::LogUniform { lo, hi },
        ScaleName::Integer => {
            if lo.fract() != 0.0
                || hi.fract() != 0.0
                || !lo.is_finite()
                || !hi.is_finite()
                || lo.abs() > 9e15
                || hi.abs() > 9e15
            {
                return Err(bad(
                    "range",
                    format!("integer scale needs whole-number bounds (got [{lo}, {hi}])"),
                ));
            }
            FactorSpace::IntRange {
                lo: lo as i64,
                hi: hi as i64,
            }
        }
    };
    check_space(&space, &f.key, &at("range"), label)?;
    Ok(Factor {
        key: f.key.clone(),
        space,
        values: None,
    })
}

fn check_space(space: &FactorSpace, key: &str, at: &str, label: &str) -> Result<(), InputError> {
    match design::validate_factors(std::slice::from_ref(space)) {
        Err(DesignError::InvalidFactor { reason, .. }) => Err(InputError::new(
            label,
            Some(at),
            format!("factor '{key}': {reason}"),
        )),
        Err(e) => Err(InputError::new(
            label,
            Some(at),
            format!("factor '{key}': {e}"),
        )),
        Ok(()) => Ok(()),
    }
}

fn check_outcomes(outcomes: &[String], base: &Params, label: &str) -> Result<(), InputError> {
    if outcomes.is_empty() {
        return Err(InputError::new(label, Some("outcomes"), "empty list")
            .allowed(observe::OUTCOMES.join(", ")));
    }
    let columns = observe::columns(base);
    let mut known: Vec<String> = observe::OUTCOMES
        .iter()
        .chain(EXTRA_OUTCOMES.iter())
        .map(|s| s.to_string())
        .collect();
    known.extend(columns.iter().map(|c| format!("final.{c}")));
    for (i, o) in outcomes.iter().enumerate() {
        if outcomes[..i].contains(o) {
            return Err(InputError::new(
                label,
                Some("outcomes"),
                format!("'{o}' appears twice"),
            ));
        }
        if !known.contains(o) {
            let mut e = InputError::new(label, Some("outcomes"), format!("unknown outcome '{o}'"))
                .allowed(format!(
                    "{}, {} or final.<time-series column>",
                    observe::OUTCOMES.join(", "),
                    EXTRA_OUTCOMES.join(", ")
                ));
            if let Some(n) = scenario::nearest(o, known.iter().map(String::as_str)) {
                e = e.hint(format!("did you mean '{n}'?"));
            }
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "[base_inline.domain]\nwidth_um = 1000\nheight_um = 1000\n[base_inline.wound]\ndiameter_um = 600\n";

    fn spec(extra: &str) -> Result<SweepSpec, Error> {
        SweepSpec::from_str(
            &format!("days = 1\n{extra}\n{SMALL}"),
            "s.toml",
            Path::new("."),
        )
    }

    #[test]
    fn factorial_sweep_validates_and_counts_runs() {
        let s = spec("replicates = 2\n[[factor]]\nkey = \"treatment.dose.dose_cells\"\nvalues = [1e5, 1e6]\n[[factor]]\nkey = \"treatment.product.source\"\nvalues = [\"adipose\", \"bone_marrow\"]\n").unwrap();
        assert_eq!(s.n_points(), 4);
        assert_eq!(s.n_runs(), 8);
        assert_eq!(
            s.rendered_values(1),
            vec!["100000.0".to_string(), "bone_marrow".into()]
        );
        let id = s.run_id(3);
        assert_eq!((id.point, id.replicate), (1, 1));
        assert_eq!(id.seed, derive_seed(1, &[1, 1]));
        assert_eq!(
            s.header()[..5],
            [
                "run",
                "point",
                "replicate",
                "seed",
                "treatment.dose.dose_cells"
            ]
        );
    }

    #[test]
    fn unknown_key_and_wrong_type_are_named() {
        let e = spec("[[factor]]\nkey = \"treatment.dose.dose_cellz\"\nvalues = [1, 2]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("s.toml")
                && e.contains("treatment.dose.dose_cellz")
                && e.contains("dose_cells"),
            "{e}"
        );
        let e = spec("[[factor]]\nkey = \"time.days\"\nvalues = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.toml") && e.contains("'time.days'"), "{e}");
        let e = spec("[[factor]]\nkey = \"time.days\"\nrange = [-1, 2]\n[design]\nkind = \"lhs\"\nsamples = 4\n").unwrap_err().to_string();
        assert!(e.contains("'time.days'") && e.contains("-1"), "{e}");
    }

    #[test]
    fn unknown_sweep_keys_and_outcomes_are_rejected() {
        let e = spec("replicate = 2\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'replicate'") && e.contains("replicates"), "{e}");
        let e = spec(
            "outcomes = [\"closure_pct_finl\"]\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("outcomes") && e.contains("closure_pct_final"),
            "{e}"
        );
        let e = spec("[[factor]]\nkey = \"time.days\"\nrange = [1, 2]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("factorial design needs `values`"), "{e}");
    }

    #[test]
    fn distributions_and_saltelli() {
        let s = spec("[design]\nkind = \"saltelli\"\nsamples = 4\n[[factor]]\nkey = \"patient.perfusion\"\ndistribution = \"normal\"\nmean = 0.5\nsd = 0.1\nrange = [0.1, 0.9]\n[[factor]]\nkey = \"treatment.dose.dose_cells\"\nrange = [1e4, 1e6]\nscale = \"log\"\n").unwrap();
        assert_eq!(s.n_points(), 16);
        assert!(s.points.iter().all(|p| p.saltelli.is_some()));
    }

    #[test]
    fn hash_depends_on_text() {
        let a = spec("[[factor]]\nkey = \"time.days\"\nvalues = [1]\n").unwrap();
        let b = spec("seed = 2\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n").unwrap();
        assert_ne!(a.hash, b.hash);
        assert_eq!(
            a.hash,
            spec("[[factor]]\nkey = \"time.days\"\nvalues = [1]\n")
                .unwrap()
                .hash
        );
    }
}
