//! Design-of-experiments generation for parameter sweeps.
//!
//! Every design is first built in the unit hypercube `[0, 1)^k` (one
//! coordinate per factor) and then mapped to concrete factor values with
//! [`FactorSpace::map_unit`], an inverse-CDF transform. Supported designs
//! ([`DesignKind`]): full factorial, Latin hypercube, plain random and
//! Saltelli (2010) sampling for Sobol' indices.
//!
//! All randomness comes from PRNG streams derived from the caller's `seed`
//! (one independent stream per factor) or, for Saltelli designs, from a
//! seeded Owen-scrambled Sobol' sequence. Output is therefore a pure function
//! of `(kind, factors, seed)`: the same arguments always give the same
//! points in the same order, independent of threads or platform.

use std::fmt;

use crate::rng::{Purpose, Stream};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::stats::{normal_cdf, normal_quantile};

mod units;
use units::*;
#[cfg(test)]
mod tests;

/// Largest number of points [`build`] will generate; larger requests fail
/// with [`DesignError::TooLarge`] instead of exhausting memory.
pub const MAX_POINTS: usize = 1 << 22;

/// Largest Saltelli base sample count served by the Sobol' sequence
/// (a limit of `sobol_burley`); larger counts use pseudo-random base samples.
pub const MAX_SOBOL_BASE_SAMPLES: usize = 1 << 16;

/// Errors from design validation and generation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DesignError {
    /// The factor list was empty.
    #[error("a design needs at least one factor")]
    NoFactors,
    /// A sampled design was asked for zero samples.
    #[error("the number of samples must be at least 1")]
    ZeroSamples,
    /// A factor's parameters are invalid (e.g. `lo > hi`, `sd < 0`).
    #[error("factor {index} is invalid: {reason}")]
    InvalidFactor {
        /// Position of the offending factor in the factor list.
        index: usize,
        /// Human-readable description of the problem.
        reason: String,
    },
    /// A factorial design was requested with a continuous factor.
    #[error("factor {index} is continuous; a factorial design needs Levels or IntRange factors")]
    NotDiscrete {
        /// Position of the offending factor in the factor list.
        index: usize,
    },
    /// The design would exceed [`MAX_POINTS`] points.
    #[error("design would have too many points (limit {max})")]
    TooLarge {
        /// The limit that was exceeded ([`MAX_POINTS`]).
        max: usize,
    },
}

/// One concrete value of a factor.
///
/// Serialised untagged, i.e. as a bare JSON/TOML number, string or bool.
/// `Int` is declared before `Num` so that integral numbers deserialise as
/// `Int` and fractional ones as `Num`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Level {
    /// An integer value.
    Int(i64),
    /// A real value.
    Num(f64),
    /// A categorical value.
    Text(String),
    /// A boolean switch.
    Bool(bool),
}

impl Level {
    /// Numeric view of the level: `Num` and `Int` as themselves, `Bool` as
    /// 0/1, `Text` as `None`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Level::Num(x) => Some(*x),
            Level::Int(i) => Some(*i as f64),
            Level::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Level::Text(_) => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Level::Num(x) => write!(f, "{x}"),
            Level::Int(i) => write!(f, "{i}"),
            Level::Text(s) => write!(f, "{s}"),
            Level::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// The space a single factor is sampled from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FactorSpace {
    /// An explicit list of discrete values (numbers, strings or bools),
    /// each equally likely in sampled designs.
    Levels(Vec<Level>),
    /// Continuous uniform on `[lo, hi]`.
    Uniform {
        /// Lower bound.
        lo: f64,
        /// Upper bound (`>= lo`).
        hi: f64,
    },
    /// Log-uniform on `[lo, hi]` (uniform in `ln x`); requires `0 < lo`.
    LogUniform {
        /// Lower bound (`> 0`).
        lo: f64,
        /// Upper bound (`>= lo`).
        hi: f64,
    },
    /// Normal distribution.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (`>= 0`; 0 gives the constant `mean`).
        sd: f64,
    },
    /// Normal distribution truncated to `[lo, hi]` (bounds may be infinite).
    TruncNormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal (`> 0`).
        sd: f64,
        /// Lower truncation bound.
        lo: f64,
        /// Upper truncation bound (`>= lo`).
        hi: f64,
    },
    /// Integers `lo..=hi`, each equally likely.
    IntRange {
        /// Smallest integer.
        lo: i64,
        /// Largest integer (`>= lo`).
        hi: i64,
    },
}

/// Smallest/largest unit coordinate fed to unbounded inverse CDFs.
const UNIT_EPS: f64 = 1e-15;

impl FactorSpace {
    /// Number of distinct values for discrete factors (`Levels`,
    /// `IntRange`, saturating at `u64::MAX`); `None` for continuous factors.
    pub fn discrete_count(&self) -> Option<u64> {
        match self {
            FactorSpace::Levels(v) => Some(v.len() as u64),
            FactorSpace::IntRange { lo, hi } => {
                let span = *hi as i128 - *lo as i128 + 1;
                Some(u64::try_from(span.max(0)).unwrap_or(u64::MAX))
            }
            _ => None,
        }
    }

    /// Maps a unit coordinate `u ∈ [0, 1)` to a factor value via the
    /// inverse CDF.
    ///
    /// * `Levels` / `IntRange`: value number `floor(u·n)` (clamped to `n-1`).
    /// * `Uniform` / `LogUniform`: linear / logarithmic interpolation.
    /// * `Normal` / `TruncNormal`: `Φ⁻¹`, with `u` kept inside
    ///   `[1e-15, 1 - 1e-15]` for the untruncated normal so the result is
    ///   finite.
    ///
    /// `u` is clamped to `[0, 1]`; a `NaN` `u` is treated as `0.5`. Never
    /// panics; for parameters rejected by [`validate_factors`] the result is
    /// unspecified (an empty `Levels` list yields `Level::Num(NaN)`).
    pub fn map_unit(&self, u: f64) -> Level {
        let u = if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) };
        match self {
            FactorSpace::Levels(v) => {
                if v.is_empty() {
                    return Level::Num(f64::NAN);
                }
                let i = ((u * v.len() as f64) as usize).min(v.len() - 1);
                v[i].clone()
            }
            FactorSpace::IntRange { lo, hi } => {
                let span = (*hi as i128 - *lo as i128 + 1).max(1);
                let off = ((u * span as f64) as i128).clamp(0, span - 1);
                Level::Int((*lo as i128 + off).clamp(i64::MIN as i128, i64::MAX as i128) as i64)
            }
            FactorSpace::Uniform { lo, hi } => {
                Level::Num((lo + u * (hi - lo)).clamp(lo.min(*hi), hi.max(*lo)))
            }
            FactorSpace::LogUniform { lo, hi } => {
                let x = (lo.ln() + u * (hi.ln() - lo.ln())).exp();
                Level::Num(x.clamp(lo.min(*hi), hi.max(*lo)))
            }
            FactorSpace::Normal { mean, sd } => {
                if *sd == 0.0 {
                    return Level::Num(*mean);
                }
                let u = u.clamp(UNIT_EPS, 1.0 - UNIT_EPS);
                Level::Num(mean + sd * normal_quantile(u))
            }
            FactorSpace::TruncNormal { mean, sd, lo, hi } => {
                Level::Num(trunc_normal_inv(*mean, *sd, *lo, *hi, u))
            }
        }
    }

    /// Describes why the factor is invalid, or `None` if it is valid.
    fn problem(&self) -> Option<String> {
        let bounds = |lo: f64, hi: f64| -> Option<String> {
            if lo.is_nan() || hi.is_nan() {
                Some("bounds must not be NaN".into())
            } else if lo > hi {
                Some(format!("lo ({lo}) > hi ({hi})"))
            } else {
                None
            }
        };
        match self {
            FactorSpace::Levels(v) if v.is_empty() => Some("empty level list".into()),
            FactorSpace::Levels(_) => None,
            FactorSpace::IntRange { lo, hi } if lo > hi => Some(format!("lo ({lo}) > hi ({hi})")),
            FactorSpace::IntRange { .. } => None,
            FactorSpace::Uniform { lo, hi } => bounds(*lo, *hi).or_else(|| {
                (!lo.is_finite() || !hi.is_finite()).then(|| "bounds must be finite".into())
            }),
            FactorSpace::LogUniform { lo, hi } => bounds(*lo, *hi).or_else(|| {
                if *lo <= 0.0 || !hi.is_finite() {
                    Some("log-uniform bounds must satisfy 0 < lo <= hi < inf".into())
                } else {
                    None
                }
            }),
            FactorSpace::Normal { mean, sd } => {
                if !mean.is_finite() || !sd.is_finite() || *sd < 0.0 {
                    Some(format!("need finite mean and sd >= 0 (got {mean}, {sd})"))
                } else {
                    None
                }
            }
            FactorSpace::TruncNormal { mean, sd, lo, hi } => {
                if !mean.is_finite() || !sd.is_finite() || *sd <= 0.0 {
                    return Some(format!("need finite mean and sd > 0 (got {mean}, {sd})"));
                }
                if let Some(p) = bounds(*lo, *hi) {
                    return Some(p);
                }
                if lo == hi && !lo.is_finite() {
                    return Some("a degenerate interval must be finite".into());
                }
                if lo < hi && trunc_mass(*mean, *sd, *lo, *hi) <= 0.0 {
                    return Some("truncation interval has negligible probability mass".into());
                }
                None
            }
        }
    }
}

/// Checks every factor's parameters, returning the first problem found
/// as [`DesignError::InvalidFactor`] (or [`DesignError::NoFactors`]).
pub fn validate_factors(factors: &[FactorSpace]) -> Result<(), DesignError> {
    if factors.is_empty() {
        return Err(DesignError::NoFactors);
    }
    for (index, f) in factors.iter().enumerate() {
        if let Some(reason) = f.problem() {
            return Err(DesignError::InvalidFactor { index, reason });
        }
    }
    Ok(())
}

/// Standardised truncation bounds, mirrored so that the lower bound is
/// `<= 0` (keeps Φ in its accurate lower tail). Returns `(a, b, mirrored)`.
fn trunc_std_bounds(mean: f64, sd: f64, lo: f64, hi: f64) -> (f64, f64, bool) {
    let a = (lo - mean) / sd;
    let b = (hi - mean) / sd;
    if a > 0.0 {
        (-b, -a, true)
    } else {
        (a, b, false)
    }
}

/// Probability mass of the truncation interval.
fn trunc_mass(mean: f64, sd: f64, lo: f64, hi: f64) -> f64 {
    let (a, b, _) = trunc_std_bounds(mean, sd, lo, hi);
    normal_cdf(b) - normal_cdf(a)
}

/// Inverse CDF of the truncated normal.
fn trunc_normal_inv(mean: f64, sd: f64, lo: f64, hi: f64, u: f64) -> f64 {
    if lo >= hi {
        return lo;
    }
    let (a, b, mirrored) = trunc_std_bounds(mean, sd, lo, hi);
    let u = if mirrored { 1.0 - u } else { u };
    let (pa, pb) = (normal_cdf(a), normal_cdf(b));
    let z = normal_quantile(pa + u * (pb - pa));
    let z = if z.is_nan() { a } else { z.clamp(a, b) };
    let z = if mirrored { -z } else { z };
    (mean + sd * z).clamp(lo, hi)
}

/// The kind of design to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DesignKind {
    /// Full factorial over all level combinations (discrete factors only).
    Factorial,
    /// Latin hypercube with `samples` points.
    LatinHypercube {
        /// Number of points.
        samples: usize,
    },
    /// Independent uniform random points.
    Random {
        /// Number of points.
        samples: usize,
    },
    /// Saltelli (2010) A/B/AB_i design for Sobol' indices:
    /// `(k + 2) · base_samples` points for `k` factors.
    Saltelli {
        /// Number of base samples `N` (rows of matrix A).
        base_samples: usize,
    },
}

/// Which Saltelli matrix a design row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SaltelliBlock {
    /// Matrix A.
    A,
    /// Matrix B.
    B,
    /// Matrix AB_i: A with column `i` (the factor index) taken from B.
    AB(usize),
}

/// Tag locating a Saltelli design row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SaltelliTag {
    /// The matrix the row belongs to.
    pub block: SaltelliBlock,
    /// Row within that matrix, `0..base_samples`.
    pub row: usize,
}

/// One point (run configuration) of a design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignPoint {
    /// Position of the point in the design, `0..len`.
    pub index: usize,
    /// Unit-hypercube coordinates, one per factor.
    pub unit: Vec<f64>,
    /// Factor values, `levels[j] = factors[j].map_unit(unit[j])`.
    pub levels: Vec<Level>,
    /// Saltelli block membership; `Some` only for Saltelli designs.
    pub saltelli: Option<SaltelliTag>,
}

/// Generates a design over `factors`.
///
/// Point order (deterministic for a given `seed`):
/// * `Factorial`: mixed-radix order, the **last** factor varying fastest;
///   unit coordinates are bin centres `(j + 0.5) / n_levels`. `seed` is
///   unused. Every factor must be `Levels` or `IntRange`.
/// * `LatinHypercube`: point `i` lies in bin `perm_j[i]` of factor `j`,
///   with an independent random permutation and jitter per factor.
/// * `Random`: i.i.d. uniform coordinates.
/// * `Saltelli`: `N` rows of A, then `N` rows of B, then `N` rows of each
///   AB_i for `i = 0..k` (row `r` of every block shares base sample `r`),
///   each tagged via [`DesignPoint::saltelli`]. A and B are the first `k`
///   and next `k` dimensions of a seeded Owen-scrambled Sobol' sequence
///   (pseudo-random when `N > MAX_SOBOL_BASE_SAMPLES`). Use a power of two
///   for `N` for the best convergence.
///
/// # Errors
/// [`DesignError`] for no factors, invalid factor parameters, zero samples,
/// continuous factors in a factorial design, or more than [`MAX_POINTS`]
/// points.
pub fn build(
    kind: DesignKind,
    factors: &[FactorSpace],
    seed: u64,
) -> Result<Vec<DesignPoint>, DesignError> {
    validate_factors(factors)?;
    let k = factors.len();
    let too_large = DesignError::TooLarge { max: MAX_POINTS };
    let rows: Vec<(Vec<f64>, Option<SaltelliTag>)> = match kind {
        DesignKind::Factorial => factorial_units(factors)?
            .into_iter()
            .map(|u| (u, None))
            .collect(),
        DesignKind::LatinHypercube { samples } => {
            check_samples(samples, 1)?;
            lhs_units(samples, k, seed)
                .into_iter()
                .map(|u| (u, None))
                .collect()
        }
        DesignKind::Random { samples } => {
            check_samples(samples, 1)?;
            random_units(samples, k, seed)
                .into_iter()
                .map(|u| (u, None))
                .collect()
        }
        DesignKind::Saltelli { base_samples } => {
            let per = k.checked_add(2).ok_or(too_large)?;
            check_samples(base_samples, per)?;
            saltelli_units(base_samples, k, seed)
        }
    };
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(index, (unit, saltelli))| {
            let levels = factors
                .iter()
                .zip(&unit)
                .map(|(f, &u)| f.map_unit(u))
                .collect();
            DesignPoint {
                index,
                unit,
                levels,
                saltelli,
            }
        })
        .collect())
}
