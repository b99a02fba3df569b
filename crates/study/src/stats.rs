//! Small, dependency-free descriptive statistics used by cohorts,
//! comparisons and sweep analysis; [`ci95`] decides the 95 % interval of a
//! mean by the kind of quantity ([`Quantity`]).
//!
//! Conventions:
//! * Functions return `NaN` (or a `(NaN, NaN)` interval) when the requested
//!   quantity is undefined for the input (empty slice, too few values, zero
//!   variance, mismatched lengths). They never panic.
//! * Distribution helpers ([`normal_cdf`], [`normal_quantile`],
//!   [`student_t_quantile`]) are accurate to roughly 1e-12 relative error in
//!   the ranges used for confidence intervals.

use std::cmp::Ordering;
use std::f64::consts::PI;

mod distributions;
mod survival;
pub use distributions::*;
pub use survival::*;
#[cfg(test)]
mod tests;

/// Arithmetic mean of `xs`. Returns `NaN` for an empty slice.
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (denominator `n - 1`, two-pass algorithm).
/// Returns `NaN` when fewer than two values are given.
pub fn sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return f64::NAN;
    }
    let m = mean(xs);
    let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    (ss / (xs.len() - 1) as f64).sqrt()
}

/// Two-sided 95% confidence interval `(lo, hi)` for the mean of `xs`, using
/// the Student t quantile with `n - 1` degrees of freedom:
/// `mean ± t(0.975, n-1) · sd / √n`.
/// Returns `(NaN, NaN)` when fewer than two values are given.
pub fn ci95_mean(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n < 2 {
        return (f64::NAN, f64::NAN);
    }
    let m = mean(xs);
    let half = student_t_quantile(0.975, (n - 1) as f64) * sd(xs) / (n as f64).sqrt();
    (m - half, m + half)
}

/// Wilson score 95% confidence interval `(lo, hi)` for a binomial proportion
/// `successes / n`. The bounds lie in `[0, 1]`; `lo` is exactly 0 when
/// `successes == 0` and `hi` is exactly 1 when `successes == n`.
/// Returns `(NaN, NaN)` when `n == 0` or `successes > n`.
pub fn wilson95(successes: u64, n: u64) -> (f64, f64) {
    if n == 0 || successes > n {
        return (f64::NAN, f64::NAN);
    }
    let z = normal_quantile(0.975);
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let lo = if successes == 0 {
        0.0
    } else {
        (center - half).max(0.0)
    };
    let hi = if successes == n {
        1.0
    } else {
        (center + half).min(1.0)
    };
    (lo, hi)
}

/// What kind of quantity a sample measures. The kind decides which 95 %
/// interval [`ci95`] gives its mean, so that an interval never leaves the
/// range the quantity can take (a percentage stays within 0–100 % even for
/// two replicates).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// Any real number: Student t interval of the mean ([`ci95_mean`]).
    Unbounded,
    /// A number ≥ 0 (days, counts, concentrations, densities): the Student t
    /// interval on the log scale around the mean (delta method),
    /// `m · exp(± t · se / m)`.
    NonNegative,
    /// A number within `[lo, hi]` (percentages 0–100, fractions 0–1): the
    /// Student t interval on the logit scale around the mean (delta method),
    /// `expit(logit(p) ± t · se_p / (p (1 − p)))` with `p = (m − lo)/(hi − lo)`.
    Bounded {
        /// Lowest possible value.
        lo: f64,
        /// Highest possible value.
        hi: f64,
    },
    /// Outcomes that are 0 or 1 (healed or not): the Wilson score interval
    /// of the proportion of values ≥ 0.5 ([`wilson95`]).
    Binary,
}

impl Quantity {
    /// A percentage, 0–100 %.
    pub const PERCENT: Quantity = Quantity::Bounded { lo: 0.0, hi: 100.0 };
    /// A fraction, 0–1.
    pub const FRACTION: Quantity = Quantity::Bounded { lo: 0.0, hi: 1.0 };

    /// The kind of an outcome or time-series column, from its name (units
    /// are part of woundsim's names): `healed…` are 0/1; names with `_pct`
    /// are percentages; names with `fraction` are fractions; everything
    /// else woundsim reports (days, cell counts, concentrations, pO₂, vessel
    /// densities) is non-negative. A `final.` prefix is ignored.
    pub fn of_name(name: &str) -> Quantity {
        let n = name.strip_prefix("final.").unwrap_or(name);
        if n == "healed" || n.starts_with("healed_") {
            Quantity::Binary
        } else if n.ends_with("_pct") || n.contains("_pct_") {
            Quantity::PERCENT
        } else if n.contains("fraction") {
            Quantity::FRACTION
        } else {
            Quantity::NonNegative
        }
    }

    /// How the interval of this kind is computed, in words (for reports).
    pub fn method(self) -> &'static str {
        match self {
            Quantity::Unbounded => "Student t",
            Quantity::NonNegative => "Student t on the log scale",
            Quantity::Bounded { .. } => "Student t on the logit scale",
            Quantity::Binary => "Wilson score",
        }
    }
}

/// Below this many values an interval is reported with a warning
/// ([`small_sample_warning`]): with fewer than 5 replicates the Student t
/// quantile is at least 2.78 and the interval mostly reflects how little is
/// known.
pub const SMALL_SAMPLE_N: usize = 5;

/// A warning for an interval from `n` values when `n` is below
/// [`SMALL_SAMPLE_N`] (and at least one), else `None`.
pub fn small_sample_warning(n: usize) -> Option<String> {
    (n > 0 && n < SMALL_SAMPLE_N).then(|| {
        format!(
            "warning: 95 % intervals from {n} value{} (fewer than {SMALL_SAMPLE_N}) are very wide and only roughly calibrated; run more replicates",
            if n == 1 { "" } else { "s" }
        )
    })
}

/// Two-sided 95 % interval `(lo, hi)` for the mean of `xs`, chosen by the
/// kind of quantity (see [`Quantity`]). This is the one place that decides
/// the interval of a cohort outcome, a comparison cell or a sweep band.
///
/// * Bounded and non-negative kinds: the interval lies within the bounds
///   and contains the mean. When every value is equal (the standard error
///   is 0, including when all values sit on a bound, e.g. every replicate
///   100 % closed) the interval is the point `(m, m)`. Values outside the
///   kind's range fall back to the plain Student t interval.
/// * Binary: the Wilson interval of the proportion (needs one value).
///
/// Returns `(NaN, NaN)` when fewer than two values are given (one for
/// [`Quantity::Binary`]).
pub fn ci95(kind: Quantity, xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if kind == Quantity::Binary {
        let k = xs.iter().filter(|x| **x >= 0.5).count() as u64;
        return wilson95(k, n as u64);
    }
    if n < 2 {
        return (f64::NAN, f64::NAN);
    }
    let m = mean(xs);
    let se = sd(xs) / (n as f64).sqrt();
    let t = student_t_quantile(0.975, (n - 1) as f64);
    match kind {
        Quantity::NonNegative if xs.iter().all(|x| *x >= 0.0) => {
            if se == 0.0 || m == 0.0 {
                return (m, m);
            }
            let half = t * se / m;
            (m * (-half).exp(), m * half.exp())
        }
        Quantity::Bounded { lo, hi } if hi > lo && xs.iter().all(|x| (lo..=hi).contains(x)) => {
            let w = hi - lo;
            let p = (m - lo) / w;
            if se == 0.0 || p <= 0.0 || p >= 1.0 {
                return (m, m);
            }
            let half = t * (se / w) / (p * (1.0 - p));
            let l = (p / (1.0 - p)).ln();
            let expit = |z: f64| 1.0 / (1.0 + (-z).exp());
            (lo + w * expit(l - half), lo + w * expit(l + half))
        }
        _ => ci95_mean(xs),
    }
}

/// Quantile `q ∈ [0, 1]` of an ascending-sorted slice, with linear
/// interpolation between order statistics (position `(n - 1)·q`, i.e. R's
/// type 7 / NumPy's default). `q` outside `[0, 1]` is clamped.
/// Returns `NaN` for an empty slice or a `NaN` `q`. The slice is assumed
/// sorted; it is not checked.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    let q = q.clamp(0.0, 1.0);
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// Ranks (1-based) of `xs`, assigning tied values the average of the ranks
/// they span, e.g. `[10, 20, 20, 5] → [2, 3.5, 3.5, 1]`.
/// Ordering follows [`f64::total_cmp`], so `NaN`s rank after all numbers.
pub fn rank(xs: &[f64]) -> Vec<f64> {
    let n = xs.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut ranks = vec![0.0; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && xs[idx[end]].total_cmp(&xs[idx[start]]) == Ordering::Equal {
            end += 1;
        }
        // Positions start..end (0-based) hold ranks start+1 ..= end.
        let avg = (start + 1 + end) as f64 / 2.0;
        for &i in &idx[start..end] {
            ranks[i] = avg;
        }
        start = end;
    }
    ranks
}

/// Pearson product-moment correlation of `x` and `y`, clamped to `[-1, 1]`.
/// Returns `NaN` if the lengths differ, fewer than two pairs are given, or
/// either input has zero variance.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    if x.len() != y.len() || x.len() < 2 {
        return f64::NAN;
    }
    let mx = mean(x);
    let my = mean(y);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return f64::NAN;
    }
    (sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0)
}
