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

/// Rejects zero samples and designs of more than [`MAX_POINTS`] rows.
fn check_samples(samples: usize, rows_per_sample: usize) -> Result<(), DesignError> {
    if samples == 0 {
        return Err(DesignError::ZeroSamples);
    }
    match samples.checked_mul(rows_per_sample) {
        Some(n) if n <= MAX_POINTS => Ok(()),
        _ => Err(DesignError::TooLarge { max: MAX_POINTS }),
    }
}

/// SplitMix64 finaliser, used to derive independent stream seeds.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed for stream `stream` of purpose `domain`, derived from `seed`.
fn stream_seed(seed: u64, domain: u64, stream: u64) -> u64 {
    splitmix64(splitmix64(seed ^ splitmix64(domain)) ^ stream)
}

const DOMAIN_LHS: u64 = 1;
const DOMAIN_RANDOM: u64 = 2;
const DOMAIN_SALTELLI: u64 = 3;

fn factorial_units(factors: &[FactorSpace]) -> Result<Vec<Vec<f64>>, DesignError> {
    let mut counts = Vec::with_capacity(factors.len());
    let mut total: usize = 1;
    for (index, f) in factors.iter().enumerate() {
        let n = f
            .discrete_count()
            .ok_or(DesignError::NotDiscrete { index })?;
        let n = usize::try_from(n).map_err(|_| DesignError::TooLarge { max: MAX_POINTS })?;
        total = total
            .checked_mul(n)
            .filter(|&t| t <= MAX_POINTS)
            .ok_or(DesignError::TooLarge { max: MAX_POINTS })?;
        counts.push(n);
    }
    let mut out = Vec::with_capacity(total);
    let mut digits = vec![0usize; counts.len()];
    for _ in 0..total {
        out.push(
            digits
                .iter()
                .zip(&counts)
                .map(|(&d, &n)| (d as f64 + 0.5) / n as f64)
                .collect(),
        );
        // Increment the mixed-radix counter, last factor fastest.
        for j in (0..counts.len()).rev() {
            digits[j] += 1;
            if digits[j] < counts[j] {
                break;
            }
            digits[j] = 0;
        }
    }
    Ok(out)
}

/// Point inside bin `bin` of `n` equal bins, jittered by `r ∈ [0, 1)`,
/// guaranteed to satisfy `floor(u · n) == bin`.
fn in_bin(bin: usize, n: usize, r: f64) -> f64 {
    let nf = n as f64;
    let mut u = (bin as f64 + r) / nf;
    // Guard against rounding pushing u into a neighbouring bin.
    for _ in 0..8 {
        let b = (u * nf).floor();
        if b > bin as f64 {
            u = f64::from_bits(u.to_bits() - 1);
        } else if b < bin as f64 {
            u = f64::from_bits(u.to_bits() + 1);
        } else {
            break;
        }
    }
    u
}

fn lhs_units(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; k]; n];
    for j in 0..k {
        let mut rng = Stream::new(seed, DOMAIN_LHS, j as u64, Purpose::Design);
        let mut perm: Vec<usize> = (0..n).collect();
        perm.shuffle(&mut rng);
        for (row, &bin) in out.iter_mut().zip(&perm) {
            row[j] = in_bin(bin, n, rng.gen::<f64>());
        }
    }
    out
}

fn random_units(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; k]; n];
    for j in 0..k {
        let mut rng = Stream::new(seed, DOMAIN_RANDOM, j as u64, Purpose::Design);
        for row in out.iter_mut() {
            row[j] = rng.gen::<f64>();
        }
    }
    out
}

/// Coordinate `dim` of base sample `i` of the seeded scrambled Sobol'
/// sequence, shifted to the centre of its 2⁻²³ grid cell so it lies in
/// `(0, 1)`. Dimensions beyond the crate's table are padded by reseeding.
fn sobol_coord(i: usize, dim: usize, seed: u64) -> f64 {
    let ndim = sobol_burley::NUM_DIMENSIONS as usize;
    let set = (dim / ndim) as u64;
    let s = stream_seed(seed, DOMAIN_SALTELLI, set);
    let s32 = (s ^ (s >> 32)) as u32;
    let v = sobol_burley::sample(i as u32, (dim % ndim) as u32, s32);
    f64::from(v) + 0.5 / (1u64 << 23) as f64
}

fn saltelli_units(n: usize, k: usize, seed: u64) -> Vec<(Vec<f64>, Option<SaltelliTag>)> {
    let (a, b): (Vec<Vec<f64>>, Vec<Vec<f64>>) = if n <= MAX_SOBOL_BASE_SAMPLES {
        (0..n)
            .map(|i| {
                let a = (0..k).map(|d| sobol_coord(i, d, seed)).collect();
                let b = (0..k).map(|d| sobol_coord(i, k + d, seed)).collect();
                (a, b)
            })
            .unzip()
    } else {
        let u = random_units(n, 2 * k, seed ^ 0x5A17_E111);
        u.into_iter()
            .map(|mut r| {
                let b = r.split_off(k);
                (r, b)
            })
            .unzip()
    };
    let tag = |block, row| Some(SaltelliTag { block, row });
    let mut out = Vec::with_capacity((k + 2) * n);
    out.extend(
        a.iter()
            .enumerate()
            .map(|(r, x)| (x.clone(), tag(SaltelliBlock::A, r))),
    );
    out.extend(
        b.iter()
            .enumerate()
            .map(|(r, x)| (x.clone(), tag(SaltelliBlock::B, r))),
    );
    for i in 0..k {
        for r in 0..n {
            let mut row = a[r].clone();
            row[i] = b[r][i];
            out.push((row, tag(SaltelliBlock::AB(i), r)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cont(k: usize) -> Vec<FactorSpace> {
        (0..k)
            .map(|_| FactorSpace::Uniform { lo: 0.0, hi: 1.0 })
            .collect()
    }

    #[test]
    fn lhs_stratification() {
        let (n, k) = (37, 4);
        let pts = build(DesignKind::LatinHypercube { samples: n }, &cont(k), 42).unwrap();
        assert_eq!(pts.len(), n);
        for j in 0..k {
            let mut hits = vec![0usize; n];
            for p in &pts {
                let u = p.unit[j];
                assert!((0.0..1.0).contains(&u));
                hits[(u * n as f64).floor() as usize] += 1;
            }
            assert!(hits.iter().all(|&h| h == 1), "factor {j}: {hits:?}");
        }
        for (i, p) in pts.iter().enumerate() {
            assert_eq!(p.index, i);
            assert!(p.saltelli.is_none());
        }
    }

    #[test]
    fn factorial_size_and_coverage() {
        let factors = vec![
            FactorSpace::Levels(vec![Level::Num(0.1), Level::Num(0.2), Level::Num(0.5)]),
            FactorSpace::IntRange { lo: -1, hi: 2 },
            FactorSpace::Levels(vec![Level::Bool(false), Level::Bool(true)]),
            FactorSpace::Levels(vec![Level::Text("a".into()), Level::Text("b".into())]),
        ];
        let pts = build(DesignKind::Factorial, &factors, 0).unwrap();
        assert_eq!(pts.len(), 3 * 4 * 2 * 2);
        let mut seen = std::collections::HashSet::new();
        for p in &pts {
            assert!(
                seen.insert(format!("{:?}", p.levels)),
                "duplicate {:?}",
                p.levels
            );
            for (f, (u, l)) in factors.iter().zip(p.unit.iter().zip(&p.levels)) {
                assert_eq!(&f.map_unit(*u), l);
            }
        }
        // Every combination present: count matches and all are distinct.
        assert_eq!(seen.len(), 48);
        assert_eq!(
            pts[0].levels,
            vec![
                Level::Num(0.1),
                Level::Int(-1),
                Level::Bool(false),
                Level::Text("a".into())
            ]
        );
        assert_eq!(pts[1].levels[3], Level::Text("b".into()));
    }

    #[test]
    fn factorial_rejects_continuous() {
        let factors = vec![
            FactorSpace::IntRange { lo: 0, hi: 1 },
            FactorSpace::Normal { mean: 0.0, sd: 1.0 },
        ];
        assert_eq!(
            build(DesignKind::Factorial, &factors, 0),
            Err(DesignError::NotDiscrete { index: 1 })
        );
    }

    #[test]
    fn determinism_and_seed_sensitivity() {
        let f = cont(3);
        for kind in [
            DesignKind::LatinHypercube { samples: 20 },
            DesignKind::Random { samples: 20 },
            DesignKind::Saltelli { base_samples: 16 },
        ] {
            let a = build(kind, &f, 7).unwrap();
            let b = build(kind, &f, 7).unwrap();
            let c = build(kind, &f, 8).unwrap();
            assert_eq!(a, b, "{kind:?} not deterministic");
            assert_ne!(a, c, "{kind:?} ignores seed");
        }
    }

    #[test]
    fn saltelli_layout() {
        let (n, k) = (8, 3);
        let pts = build(DesignKind::Saltelli { base_samples: n }, &cont(k), 1).unwrap();
        assert_eq!(pts.len(), (k + 2) * n);
        for r in 0..n {
            let a = &pts[r];
            let b = &pts[n + r];
            assert_eq!(a.saltelli.unwrap().block, SaltelliBlock::A);
            assert_eq!(b.saltelli.unwrap().block, SaltelliBlock::B);
            for i in 0..k {
                let ab = &pts[(2 + i) * n + r];
                assert_eq!(
                    ab.saltelli,
                    Some(SaltelliTag {
                        block: SaltelliBlock::AB(i),
                        row: r
                    })
                );
                for j in 0..k {
                    let want = if j == i { b.unit[j] } else { a.unit[j] };
                    assert_eq!(ab.unit[j], want);
                }
            }
            assert!(a.unit.iter().chain(&b.unit).all(|&u| u > 0.0 && u < 1.0));
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let lhs = DesignKind::LatinHypercube { samples: 10 };
        assert_eq!(build(lhs, &[], 0), Err(DesignError::NoFactors));
        assert_eq!(
            build(DesignKind::Random { samples: 0 }, &cont(2), 0),
            Err(DesignError::ZeroSamples)
        );
        assert_eq!(
            build(DesignKind::Saltelli { base_samples: 0 }, &cont(2), 0),
            Err(DesignError::ZeroSamples)
        );
        let bad = [
            FactorSpace::Uniform { lo: 2.0, hi: 1.0 },
            FactorSpace::Uniform {
                lo: f64::NAN,
                hi: 1.0,
            },
            FactorSpace::LogUniform { lo: 0.0, hi: 1.0 },
            FactorSpace::Normal {
                mean: 0.0,
                sd: -1.0,
            },
            FactorSpace::TruncNormal {
                mean: 0.0,
                sd: 1.0,
                lo: 1.0,
                hi: 0.0,
            },
            FactorSpace::TruncNormal {
                mean: 0.0,
                sd: 1.0,
                lo: 60.0,
                hi: 61.0,
            },
            FactorSpace::IntRange { lo: 3, hi: 2 },
            FactorSpace::Levels(vec![]),
        ];
        for f in bad {
            let factors = vec![FactorSpace::Uniform { lo: 0.0, hi: 1.0 }, f.clone()];
            match build(lhs, &factors, 0) {
                Err(DesignError::InvalidFactor { index: 1, .. }) => {}
                other => panic!("{f:?} gave {other:?}"),
            }
        }
        assert_eq!(
            build(
                DesignKind::Random {
                    samples: MAX_POINTS + 1
                },
                &cont(1),
                0
            ),
            Err(DesignError::TooLarge { max: MAX_POINTS })
        );
        let huge = vec![
            FactorSpace::IntRange {
                lo: i64::MIN,
                hi: i64::MAX
            };
            2
        ];
        assert_eq!(
            build(DesignKind::Factorial, &huge, 0),
            Err(DesignError::TooLarge { max: MAX_POINTS })
        );
        // Empty levels must not panic when mapped directly.
        assert!(matches!(FactorSpace::Levels(vec![]).map_unit(0.3), Level::Num(x) if x.is_nan()));
    }

    #[test]
    fn map_unit_inverse_cdfs() {
        let num = |l: Level| l.as_f64().unwrap();
        let n = FactorSpace::Normal {
            mean: 10.0,
            sd: 2.0,
        };
        assert!((num(n.map_unit(0.975)) - (10.0 + 2.0 * 1.959_963_984_540_054)).abs() < 1e-12);
        assert!(num(n.map_unit(0.0)).is_finite());
        let lu = FactorSpace::LogUniform { lo: 1e-3, hi: 1e1 };
        assert!((num(lu.map_unit(0.5)) - 0.1).abs() < 1e-14);
        assert_eq!(num(lu.map_unit(1.0)), 1e1);
        let t = FactorSpace::TruncNormal {
            mean: 0.0,
            sd: 1.0,
            lo: 0.0,
            hi: f64::INFINITY,
        };
        // Half-normal median = Φ⁻¹(0.75).
        assert!((num(t.map_unit(0.5)) - 0.674_489_750_196_081_7).abs() < 1e-12);
        let far = FactorSpace::TruncNormal {
            mean: 0.0,
            sd: 1.0,
            lo: 8.0,
            hi: 9.0,
        };
        for u in [0.0, 0.1, 0.5, 0.9, 1.0] {
            let x = num(far.map_unit(u));
            assert!((8.0..=9.0).contains(&x), "{x}");
        }
        assert!(num(far.map_unit(0.9)) > num(far.map_unit(0.1)));
        let ir = FactorSpace::IntRange { lo: 5, hi: 7 };
        assert_eq!(ir.map_unit(0.0), Level::Int(5));
        assert_eq!(ir.map_unit(0.5), Level::Int(6));
        assert_eq!(ir.map_unit(1.0), Level::Int(7));
        let lv = FactorSpace::Levels(vec![Level::Text("x".into()), Level::Bool(true)]);
        assert_eq!(lv.map_unit(0.49), Level::Text("x".into()));
        assert_eq!(lv.map_unit(0.5), Level::Bool(true));
        assert_eq!(lv.map_unit(f64::NAN), Level::Bool(true));
    }
}
