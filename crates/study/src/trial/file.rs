//! Trial files: the raw TOML format (serde, `deny_unknown_fields`) and its
//! validation into a [`Trial`] that is ready to run.
//!
//! ```toml
//! name = "dfu-adipose-vs-standard-care"
//! seed = 2026                 # master seed of screening, allocation, lots and runs
//! patients = 100              # patients enrolled (screened until they meet the criteria)
//! healed_by_week = 12         # complete healing by this week (primary outcome)
//! sites = 4                   # patient j is enrolled at site j mod sites
//! block_size = 4              # permuted blocks within each stratum (a multiple of the arms)
//! alpha = 0.05                # two-sided level of the tests and the sample-size estimate
//! power = 0.8                 # target power of the sample-size estimate
//! set = ["domain.width_um=6000"]  # overrides applied to every arm
//! days = 84                   # optional override of time.days for every arm
//!
//! [[arm]]                     # two or more; the first is the control
//! name = "standard care"
//! scenario = "dfu-standard-care"   # a shipped scenario or a file relative to this one
//! set = []                    # overrides of this arm
//!
//! [[arm]]
//! name = "adipose MSCs weekly"
//! scenario = "dfu-adipose-weekly"
//!
//! [inclusion]                 # ranges [min, max] of drawn patient values
//! perfusion = [0.2, 1.0]
//! max_draws = 20              # draws per patient before the patient is excluded
//!
//! [strata]
//! perfusion_cuts = [0.5]      # perfusion bands: below 0.5, 0.5 and above
//! by_site = true              # strata are site × perfusion band
//!
//! [lots]
//! per = "site"                # site | patient | trial
//! secretion_cv = 0.5          # default: each arm's cohort.lot_secretion_cv
//! hazard_cv = 0.3             # default: each arm's cohort.lot_hazard_cv
//! assay_o2_mmhg = 150         # O₂ of the simulated potency assay
//! ```
//!
//! Errors are [`InputError`]s naming the trial file, the key, the value
//! and what is allowed; everything is checked before anything runs.

use crate::error::{Error, InputError};
use crate::scenario::{self, Params, Scenario};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The trial file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrial {
    /// Trial name (directory names, report title).
    #[serde(default = "default_name")]
    pub name: String,
    /// Master seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Patients enrolled.
    pub patients: u64,
    /// Week by which complete healing is the primary outcome.
    #[serde(default = "default_week")]
    pub healed_by_week: f64,
    /// Sites (lots per site are drawn per site).
    #[serde(default = "one")]
    pub sites: u64,
    /// Size of the permuted blocks.
    #[serde(default)]
    pub block_size: Option<u64>,
    /// Two-sided level.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Target power of the sample-size estimate.
    #[serde(default = "default_power")]
    pub power: f64,
    /// Overrides applied to every arm.
    #[serde(default)]
    pub set: Vec<String>,
    /// Override of every arm's `time.days`.
    #[serde(default)]
    pub days: Option<f64>,
    /// The arms (`[[arm]]`).
    #[serde(default)]
    pub arm: Vec<RawArm>,
    /// Inclusion criteria.
    #[serde(default)]
    pub inclusion: Inclusion,
    /// Stratification.
    #[serde(default)]
    pub strata: RawStrata,
    /// Product lots.
    #[serde(default)]
    pub lots: RawLots,
}

fn default_name() -> String {
    "trial".into()
}
fn default_seed() -> u64 {
    1
}
fn default_week() -> f64 {
    12.0
}
fn one() -> u64 {
    1
}
fn default_alpha() -> f64 {
    0.05
}
fn default_power() -> f64 {
    0.8
}
fn default_draws() -> u32 {
    20
}
fn default_assay_o2() -> f64 {
    150.0
}
fn yes() -> bool {
    true
}

/// One `[[arm]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArm {
    /// Arm name.
    pub name: String,
    /// Shipped scenario name or file (relative to the trial file).
    pub scenario: String,
    /// Overrides of this arm (after the trial's `set`).
    #[serde(default)]
    pub set: Vec<String>,
}

/// `[inclusion]`: ranges `[min, max]` of the drawn patient values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inclusion {
    /// Perfusion (fraction of normal).
    #[serde(default)]
    pub perfusion: Option<[f64; 2]>,
    /// Initial bioburden (0–1).
    #[serde(default)]
    pub bioburden: Option<[f64; 2]>,
    /// Macrophage polarization-rate multiplier.
    #[serde(default)]
    pub switch_mult: Option<[f64; 2]>,
    /// Closure-speed multiplier.
    #[serde(default)]
    pub closure_speed_mult: Option<[f64; 2]>,
    /// Angiogenesis multiplier.
    #[serde(default)]
    pub angiogenesis_mult: Option<[f64; 2]>,
    /// Draws per patient before the patient is excluded.
    #[serde(default = "default_draws")]
    pub max_draws: u32,
}

impl Default for Inclusion {
    fn default() -> Self {
        Inclusion {
            perfusion: None,
            bioburden: None,
            switch_mult: None,
            closure_speed_mult: None,
            angiogenesis_mult: None,
            max_draws: default_draws(),
        }
    }
}

impl Inclusion {
    /// The criteria as (name, [min, max]).
    pub fn criteria(&self) -> Vec<(&'static str, [f64; 2])> {
        [
            ("perfusion", self.perfusion),
            ("bioburden", self.bioburden),
            ("switch_mult", self.switch_mult),
            ("closure_speed_mult", self.closure_speed_mult),
            ("angiogenesis_mult", self.angiogenesis_mult),
        ]
        .into_iter()
        .filter_map(|(k, r)| r.map(|r| (k, r)))
        .collect()
    }
}

/// `[strata]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStrata {
    /// Perfusion cut points, increasing (none: one band).
    #[serde(default)]
    pub perfusion_cuts: Vec<f64>,
    /// Stratify by site as well.
    #[serde(default = "yes")]
    pub by_site: bool,
}

impl Default for RawStrata {
    fn default() -> Self {
        RawStrata {
            perfusion_cuts: Vec::new(),
            by_site: true,
        }
    }
}

/// Who shares a product lot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LotPer {
    /// One lot per site (and product arm).
    #[default]
    Site,
    /// One lot per patient.
    Patient,
    /// One lot for the whole trial (per product arm).
    Trial,
}

/// `[lots]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLots {
    /// Who shares a lot.
    #[serde(default)]
    pub per: LotPer,
    /// CV of the lot secretion multiplier (default: the arm's `cohort.lot_secretion_cv`).
    #[serde(default)]
    pub secretion_cv: Option<f64>,
    /// CV of the lot death-hazard multiplier (default: the arm's `cohort.lot_hazard_cv`).
    #[serde(default)]
    pub hazard_cv: Option<f64>,
    /// O₂ of the simulated potency assay (mmHg).
    #[serde(default = "default_assay_o2")]
    pub assay_o2_mmhg: f64,
}

impl Default for RawLots {
    fn default() -> Self {
        RawLots {
            per: LotPer::Site,
            secretion_cv: None,
            hazard_cv: None,
            assay_o2_mmhg: default_assay_o2(),
        }
    }
}

/// One validated arm.
#[derive(Debug, Clone)]
pub struct Arm {
    /// Arm name.
    pub name: String,
    /// The scenario argument as written.
    pub scenario_arg: String,
    /// The resolved scenario (overrides applied), nominal lot.
    pub params: Params,
    /// The arm gives an MSC product (so it draws lots).
    pub has_product: bool,
    /// CV of its lots' secretion multiplier.
    pub secretion_cv: f64,
    /// CV of its lots' hazard multiplier.
    pub hazard_cv: f64,
}

/// Command-line overrides of a trial file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--patients`.
    pub patients: Option<u64>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--days`.
    pub days: Option<f64>,
    /// `--set`, appended to the trial's `set` (every arm).
    pub set: Vec<String>,
}

/// A validated trial.
#[derive(Debug, Clone)]
pub struct Trial {
    /// The file as written.
    pub raw: RawTrial,
    /// Where it came from.
    pub label: String,
    /// The arms, control first.
    pub arms: Vec<Arm>,
    /// Simulated days (equal in every arm).
    pub days: f64,
    /// Block size (a multiple of the number of arms).
    pub block_size: u64,
}

/// Most patients of a trial.
pub const MAX_PATIENTS: u64 = 1_000_000;

fn bad(label: &str, key: &str, msg: impl Into<String>, allowed: impl Into<String>) -> Error {
    Error::Input(InputError::new(label, Some(key), msg).allowed(allowed))
}

/// Parse trial text into the raw format.
pub fn parse(text: &str, label: &str) -> Result<RawTrial, Error> {
    Ok(scenario::deserialize_table(
        scenario::parse_toml(text, label)?,
        label,
    )?)
}

mod resolve;
