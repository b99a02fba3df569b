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

/// Standard normal cumulative distribution function Φ(x), accurate in both
/// tails (computed through the complementary error function).
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal quantile Φ⁻¹(p). Returns `-∞` for `p == 0`, `+∞` for
/// `p == 1` and `NaN` outside `[0, 1]`.
///
/// Acklam's rational approximation refined by one Halley step against
/// [`normal_cdf`], giving close to full double precision.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let mut x = if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    };
    // One Halley refinement step. Work in the lower tail for accuracy.
    let (pp, sign) = if x > 0.0 { (1.0 - p, -1.0) } else { (p, 1.0) };
    let xl = sign * x;
    let e = normal_cdf(xl) - pp;
    let u = e * (2.0 * PI).sqrt() * (xl * xl / 2.0).exp();
    if u.is_finite() {
        let xl = xl - u / (1.0 + xl * u / 2.0);
        x = sign * xl;
    }
    x
}

/// Quantile of Student's t distribution with `df` degrees of freedom at
/// probability `p`.
///
/// `df` may be fractional; `df = ∞` gives the normal quantile. Large `df`
/// (above 1000, when the last retained term is below 1e-16) use the
/// Cornish–Fisher expansion (A&S 26.7.5); otherwise the t CDF (regularised
/// incomplete beta function) is inverted by bisection. Relative error is
/// about 1e-13 or better against high-precision references.
/// Returns `NaN` for `df ≤ 0`, `NaN` inputs or `p ∉ [0, 1]`; `±∞` at
/// `p = 0` / `p = 1`.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if p.is_nan() || df.is_nan() || df <= 0.0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -student_t_quantile(1.0 - p, df);
    }
    if df > 1000.0 {
        // Cornish-Fisher expansion (A&S 26.7.5); used when its last term is
        // negligible, which for df > 1000 holds for all but extreme p.
        let z = normal_quantile(p);
        let z2 = z * z;
        let g1 = (z2 + 1.0) * z / 4.0;
        let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
        let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
        let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
        let last = g4 / df.powi(4);
        if df > 1e5 || last.abs() < 1e-16 * z.abs() {
            return z + g1 / df + g2 / df.powi(2) + g3 / df.powi(3) + last;
        }
    }
    if df == 1.0 {
        return (PI * (p - 0.5)).tan();
    }
    // Upper-tail probability P(T > t) = ½ I_{df/(df+t²)}(df/2, ½).
    let target = 1.0 - p;
    let upper_tail = |t: f64| {
        let t2 = t * t;
        let denom = df + t2;
        0.5 * inc_beta(df / 2.0, 0.5, df / denom, t2 / denom)
    };
    let mut lo = 0.0_f64;
    let mut hi = 1.0_f64;
    while upper_tail(hi) > target {
        lo = hi;
        hi *= 2.0;
        if !hi.is_finite() {
            return f64::INFINITY;
        }
    }
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if upper_tail(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Complementary error function, accurate in relative terms for large `x`.
fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    // erfc(x) = Q(½, x²), the regularised upper incomplete gamma function.
    gamma_q_half(x * x)
}

/// Regularised upper incomplete gamma Q(½, x) for x ≥ 0.
fn gamma_q_half(x: f64) -> f64 {
    const A: f64 = 0.5;
    const EPS: f64 = 1e-16;
    const TINY: f64 = 1e-300;
    if x <= 0.0 {
        return 1.0;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    let ln_gamma_a = 0.5 * PI.ln();
    let front = (-x + A * x.ln() - ln_gamma_a).exp();
    if x < A + 1.0 {
        // Series for P, then Q = 1 - P (P is far from 1 here).
        let mut ap = A;
        let mut del = 1.0 / A;
        let mut sum = del;
        for _ in 0..1000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        1.0 - sum * front
    } else {
        // Continued fraction (modified Lentz).
        let mut b = x + 1.0 - A;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - A);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < EPS {
                break;
            }
        }
        front * h
    }
}

/// Natural log of the gamma function for `x > 0` (Lanczos, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    let t = x + G + 0.5;
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta I_x(a, b); `y` must equal `1 - x` and is
/// passed separately to avoid cancellation.
fn inc_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * y.ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, y) / b
    }
}

/// Continued fraction for the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-16;
    const TINY: f64 = 1e-300;
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn mean_sd_known_values() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&xs), 5.0);
        // Sample variance = 32 / 7.
        assert!(close(sd(&xs), (32.0_f64 / 7.0).sqrt(), 1e-15));
        assert!(mean(&[]).is_nan());
        assert!(sd(&[1.0]).is_nan());
    }

    #[test]
    fn student_t_table() {
        // Reference t(0.975, df) values computed with mpmath (30 digits).
        let table = [
            (1.0, 12.706_204_736_174_705),
            (2.0, 4.302_652_729_749_464),
            (2.5, 3.574_654_842_003_683),
            (3.0, 3.182_446_305_283_71),
            (5.0, 2.570_581_835_636_315_5),
            (7.0, 2.364_624_251_592_785_3),
            (10.0, 2.228_138_851_986_275),
            (30.0, 2.042_272_456_301_238),
            (100.0, 1.983_971_518_523_552_3),
            (1000.0, 1.962_339_080_826_408_5),
            (1e5, 1.959_987_707_534_609_6),
            (2e5, 1.959_975_845_966_768_5),
            (1e6, 1.959_966_356_814_107),
        ];
        for (df, t) in table {
            let got = student_t_quantile(0.975, df);
            assert!(close(got, t, 1e-12), "df {df}: {got} vs {t}");
        }
        // Exact closed form for df = 2: t = (2p-1) / sqrt(2p(1-p)).
        for p in [0.6_f64, 0.9, 0.99, 0.9999] {
            let exact = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
            assert!(close(student_t_quantile(p, 2.0), exact, 1e-12));
        }
        assert!(close(
            student_t_quantile(0.995, 10.0),
            3.169_272_672_616_951,
            1e-12
        ));
        assert!(close(
            student_t_quantile(0.975, f64::INFINITY),
            1.959_963_984_540_054,
            1e-14
        ));
        assert!(close(
            student_t_quantile(0.025, 10.0),
            -2.228_138_851_986_274,
            1e-12
        ));
        assert!(student_t_quantile(0.5, 0.0).is_nan());
    }

    #[test]
    fn normal_functions() {
        assert!(close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-14));
        assert!(close(normal_quantile(1e-10), -6.361_340_902_404_056, 1e-13));
        assert!(close(normal_cdf(-5.0), 2.866_515_718_791_939e-7, 1e-12));
        assert!(close(normal_cdf(0.3), 0.617_911_422_188_952_6, 1e-14));
        assert_eq!(normal_cdf(f64::INFINITY), 1.0);
        assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
        assert!(close(normal_quantile(0.75), 0.674_489_750_196_081_7, 1e-14));
        for p in [1e-300, 1e-20, 0.01, 0.3, 0.5, 0.77, 0.999] {
            let x = normal_quantile(p);
            assert!(close(normal_cdf(x) / p, 1.0, 1e-12), "p {p}");
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert!(normal_quantile(1.5).is_nan());
    }

    #[test]
    fn ci95_known_value() {
        // mean 5, sd sqrt(32/7), n 8, t(0.975, 7) = 2.3646242515927853
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let half = 2.364_624_251_592_785_3 * (32.0_f64 / 7.0).sqrt() / 8f64.sqrt();
        let (lo, hi) = ci95_mean(&xs);
        assert!(close(lo, 5.0 - half, 1e-12));
        assert!(close(hi, 5.0 + half, 1e-12));
        let (a, b) = ci95_mean(&[1.0]);
        assert!(a.is_nan() && b.is_nan());
    }

    #[test]
    fn wilson_known_values() {
        // Reference values from an independent evaluation of the Wilson formula.
        let (lo, hi) = wilson95(8, 10);
        assert!(close(lo, 0.490_162_471_536_641_8, 1e-12), "{lo}");
        assert!(close(hi, 0.943_317_848_545_624_8, 1e-12), "{hi}");
        let (lo, hi) = wilson95(0, 20);
        assert_eq!(lo, 0.0);
        assert!(close(hi, 0.161_125_158_052_819_4, 1e-12), "{hi}");
        let (lo, hi) = wilson95(5, 5);
        assert_eq!(hi, 1.0);
        assert!(lo > 0.0 && lo < 1.0);
        assert!(wilson95(1, 0).0.is_nan());
        assert!(wilson95(3, 2).0.is_nan());
    }

    #[test]
    fn logit_interval_known_values() {
        // Hand-computed (mpmath, 30 digits): p = m/w, half = t·(se/w)/(p(1-p)),
        // interval expit(logit(p) ± half).
        let (lo, hi) = ci95(Quantity::FRACTION, &[0.6, 0.7, 0.8, 0.9]);
        assert!(close(lo, 0.500_751_704_032_614_2, 1e-12), "{lo}");
        assert!(close(hi, 0.899_729_060_682_374_7, 1e-12), "{hi}");
        // Two replicates at 0 and 53 %: the plain t interval is -310.2 to 363.2 %.
        let (lo, hi) = ci95(Quantity::PERCENT, &[0.0, 53.0]);
        assert!(close(lo, 1.119_840_961_962_715_7e-6, 1e-9), "{lo}");
        assert!(close(hi, 99.999_991_385_318_07, 1e-12), "{hi}");
        let (tlo, thi) = ci95_mean(&[0.0, 53.0]);
        assert!(tlo < -300.0 && thi > 350.0);
        // One replicate healed (100 %), one at 78.2 %.
        let (lo, hi) = ci95(Quantity::PERCENT, &[100.0, 78.2]);
        assert!(close(lo, 5.237_741_999_165_527e-4, 1e-9), "{lo}");
        assert!(close(hi, 99.999_992_161_302_04, 1e-12), "{hi}");
        assert!(lo >= 0.0 && hi <= 100.0);
        // All at the bound: the point.
        assert_eq!(ci95(Quantity::PERCENT, &[100.0, 100.0]), (100.0, 100.0));
        // Outside the stated bounds: plain t.
        assert_eq!(
            ci95(Quantity::FRACTION, &[0.5, 1.5]),
            ci95_mean(&[0.5, 1.5])
        );
        assert!(ci95(Quantity::PERCENT, &[50.0]).0.is_nan());
    }

    #[test]
    fn log_interval_known_values() {
        // m = 25, se = 5, t(0.975, 1) = 12.7062: 25·exp(∓12.7062·5/25).
        let (lo, hi) = ci95(Quantity::NonNegative, &[20.0, 30.0]);
        assert!(close(lo, 1.969_214_786_249_29, 1e-12), "{lo}");
        assert!(close(hi, 317.385_388_513_368_1, 1e-12), "{hi}");
        assert_eq!(ci95(Quantity::NonNegative, &[0.0, 0.0]), (0.0, 0.0));
        assert_eq!(
            ci95(Quantity::NonNegative, &[-1.0, 3.0]),
            ci95_mean(&[-1.0, 3.0])
        );
        assert_eq!(
            ci95(Quantity::Unbounded, &[20.0, 30.0]),
            ci95_mean(&[20.0, 30.0])
        );
    }

    #[test]
    fn binary_interval_is_wilson() {
        assert_eq!(
            ci95(
                Quantity::Binary,
                &[1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0]
            ),
            wilson95(8, 10)
        );
        let (lo, hi) = ci95(Quantity::Binary, &[1.0, 1.0]);
        assert_eq!(hi, 1.0);
        // All successes: n / (n + z²).
        let z = normal_quantile(0.975);
        assert!(close(lo, 2.0 / (2.0 + z * z), 1e-12));
    }

    #[test]
    fn kinds_from_names_and_small_samples() {
        assert_eq!(Quantity::of_name("closure_pct_wk4"), Quantity::PERCENT);
        assert_eq!(Quantity::of_name("closure_pct"), Quantity::PERCENT);
        assert_eq!(Quantity::of_name("m2_fraction_d7"), Quantity::FRACTION);
        assert_eq!(
            Quantity::of_name("final.hypoxic_fraction"),
            Quantity::FRACTION
        );
        assert_eq!(Quantity::of_name("healed_wk12"), Quantity::Binary);
        assert_eq!(Quantity::of_name("healed"), Quantity::Binary);
        assert_eq!(Quantity::of_name("t50_closure_d"), Quantity::NonNegative);
        assert_eq!(Quantity::of_name("o2_mean_mmHg"), Quantity::NonNegative);
        assert!(small_sample_warning(2).unwrap().contains("2 values"));
        assert!(small_sample_warning(SMALL_SAMPLE_N).is_none());
        assert!(small_sample_warning(0).is_none());
    }

    #[test]
    fn quantile_linear_interpolation() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&s, 0.0), 1.0);
        assert_eq!(quantile(&s, 1.0), 4.0);
        assert_eq!(quantile(&s, 0.5), 2.5);
        assert!(close(quantile(&s, 0.25), 1.75, 1e-15));
        assert_eq!(quantile(&s, 2.0), 4.0);
        assert!(quantile(&[], 0.5).is_nan());
        assert_eq!(quantile(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn rank_average_ties() {
        assert_eq!(rank(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
        assert_eq!(rank(&[1.0, 1.0, 1.0]), vec![2.0, 2.0, 2.0]);
        assert_eq!(rank(&[3.0, f64::NAN, 1.0]), vec![2.0, 3.0, 1.0]);
        assert!(rank(&[]).is_empty());
    }

    #[test]
    fn pearson_known_values() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        // r = 6 / sqrt(10 * 6) = 0.7745966692414834
        assert!(close(pearson(&x, &y), 0.774_596_669_241_483_4, 1e-14));
        assert!(close(pearson(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]), -1.0, 1e-15));
        assert!(pearson(&x, &[1.0; 5]).is_nan());
        assert!(pearson(&x, &[1.0]).is_nan());
    }
}
