//! Global sensitivity analysis of sweep outputs.
//!
//! * [`prcc`]: partial rank correlation coefficients, for any design
//!   (typically Latin hypercube).
//! * [`sobol_indices`] / [`sobol_indices_with_ci`]: variance-based first-order
//!   and total-effect Sobol' indices from a Saltelli design
//!   ([`crate::sweep::design::DesignKind::Saltelli`]); [`split_saltelli`]
//!   extracts the estimator inputs from a design's output vector.

use crate::rng::{Purpose, Stream};
use rand::Rng;
use thiserror::Error;

use crate::stats::{pearson, quantile, rank};
use crate::sweep::design::{DesignPoint, SaltelliBlock};

#[cfg(test)]
mod tests;

/// Errors from sensitivity estimators.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SensitivityError {
    /// No runs (or no factors) were supplied.
    #[error("input is empty")]
    Empty,
    /// Two inputs that must have matching lengths do not.
    #[error("{what} has length {got}, expected {expected}")]
    LengthMismatch {
        /// Which input is wrong.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The length it should have.
        expected: usize,
    },
    /// Too few runs for the requested estimate.
    #[error("need at least {needed} runs, got {got}")]
    TooFewRuns {
        /// Minimum number of runs.
        needed: usize,
        /// Number of runs supplied.
        got: usize,
    },
    /// An input contained `NaN` or an infinity.
    #[error("{what} contains a non-finite value at index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Index of the first offending value (run index).
        index: usize,
    },
    /// The output variance is zero, so Sobol' indices are undefined.
    #[error("output variance is zero; Sobol' indices are undefined")]
    ZeroVariance,
    /// Bootstrap was requested with zero resamples.
    #[error("the number of bootstrap resamples must be at least 1")]
    ZeroResamples,
    /// A design point has no Saltelli tag.
    #[error("design point {index} is not part of a Saltelli design")]
    NotSaltelli {
        /// Position of the point.
        index: usize,
    },
    /// Saltelli tags are inconsistent (duplicate, missing or out-of-range rows).
    #[error("inconsistent Saltelli layout: {0}")]
    BadLayout(String),
}

/// Partial rank correlation coefficient of each factor with the output.
///
/// `x[r][j]` is factor `j` in run `r`; `y[r]` is the run's output. Every
/// column and `y` are rank-transformed (average ties), then for factor `j`
/// both its ranks and the output ranks are regressed (least squares, with
/// intercept) on the ranks of all other factors, and the PRCC is the
/// Pearson correlation of the two residual vectors.
///
/// Since ranks are invariant under monotone maps, unit-hypercube
/// coordinates and mapped factor values give the same result (up to ties).
///
/// An entry is `NaN` when it is undefined: the factor is constant or fully
/// determined by the other factors, or the output residual is zero.
///
/// # Errors
/// Empty input, ragged rows, `y` length mismatch, non-finite values, or
/// fewer than `k + 2` runs for `k` factors.
pub fn prcc(x: &[Vec<f64>], y: &[f64]) -> Result<Vec<f64>, SensitivityError> {
    let n = x.len();
    if n == 0 || x[0].is_empty() {
        return Err(SensitivityError::Empty);
    }
    let k = x[0].len();
    if y.len() != n {
        return Err(SensitivityError::LengthMismatch {
            what: "y",
            got: y.len(),
            expected: n,
        });
    }
    for (r, row) in x.iter().enumerate() {
        if row.len() != k {
            return Err(SensitivityError::LengthMismatch {
                what: "x row",
                got: row.len(),
                expected: k,
            });
        }
        if !row.iter().all(|v| v.is_finite()) {
            return Err(SensitivityError::NonFinite {
                what: "x",
                index: r,
            });
        }
    }
    check_finite("y", y)?;
    if n < k + 2 {
        return Err(SensitivityError::TooFewRuns {
            needed: k + 2,
            got: n,
        });
    }

    // Centred rank columns; centring replaces the regression intercept.
    let centre = |mut v: Vec<f64>| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter_mut().for_each(|e| *e -= m);
        v
    };
    let cols: Vec<Vec<f64>> = (0..k)
        .map(|j| centre(rank(&x.iter().map(|row| row[j]).collect::<Vec<_>>())))
        .collect();
    let ry = centre(rank(y));
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    let gram: Vec<Vec<f64>> = cols
        .iter()
        .map(|a| cols.iter().map(|b| dot(a, b)).collect())
        .collect();
    let xty: Vec<f64> = cols.iter().map(|c| dot(c, &ry)).collect();

    let mut out = Vec::with_capacity(k);
    for j in 0..k {
        let others: Vec<usize> = (0..k).filter(|&m| m != j).collect();
        let g: Vec<Vec<f64>> = others
            .iter()
            .map(|&a| others.iter().map(|&b| gram[a][b]).collect())
            .collect();
        let bx = solve_sym(&g, &others.iter().map(|&m| gram[m][j]).collect::<Vec<_>>());
        let by = solve_sym(&g, &others.iter().map(|&m| xty[m]).collect::<Vec<_>>());
        let resid = |v: &[f64], beta: &[f64]| -> Vec<f64> {
            (0..n)
                .map(|r| {
                    v[r] - others
                        .iter()
                        .zip(beta)
                        .map(|(&m, b)| b * cols[m][r])
                        .sum::<f64>()
                })
                .collect()
        };
        let rx = resid(&cols[j], &bx);
        let rr = resid(&ry, &by);
        // Residuals that are pure round-off mean the correlation is undefined.
        let negligible = |res: &[f64], orig: &[f64]| dot(res, res) <= 1e-10 * dot(orig, orig);
        if negligible(&rx, &cols[j]) || negligible(&rr, &ry) {
            out.push(f64::NAN);
        } else {
            out.push(pearson(&rx, &rr));
        }
    }
    Ok(out)
}

/// Solves the symmetric positive semi-definite system `a · x = b` by
/// Gaussian elimination with partial pivoting. Columns whose pivot is
/// negligible (rank deficiency) get coefficient 0, which still yields a
/// least-squares solution when `a`, `b` come from normal equations.
fn solve_sym(a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let m = b.len();
    if m == 0 {
        return Vec::new();
    }
    let mut aug: Vec<Vec<f64>> = a
        .iter()
        .zip(b)
        .map(|(row, &bi)| {
            let mut r = row.clone();
            r.push(bi);
            r
        })
        .collect();
    let scale = (0..m).map(|i| aug[i][i].abs()).fold(0.0, f64::max);
    let tol = scale * 1e-12;
    let mut pivot_cols = Vec::with_capacity(m);
    let mut row = 0;
    for col in 0..m {
        if row == m {
            break;
        }
        let p = (row..m)
            .max_by(|&i, &j| aug[i][col].abs().total_cmp(&aug[j][col].abs()))
            .unwrap_or(row);
        if aug[p][col].abs() <= tol {
            continue;
        }
        aug.swap(row, p);
        let (top, bottom) = aug.split_at_mut(row + 1);
        let piv = &top[row];
        for r in bottom.iter_mut() {
            let f = r[col] / piv[col];
            if f != 0.0 {
                for (x, p) in r[col..].iter_mut().zip(&piv[col..]) {
                    *x -= f * p;
                }
            }
        }
        pivot_cols.push(col);
        row += 1;
    }
    let mut x = vec![0.0; m];
    for (r, &col) in pivot_cols.iter().enumerate().rev() {
        let s: f64 = (col + 1..m).map(|c| aug[r][c] * x[c]).sum();
        x[col] = (aug[r][m] - s) / aug[r][col];
    }
    x
}

/// First-order and total-effect Sobol' indices of one factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    /// First-order index S_i (Saltelli 2010 estimator).
    pub first: f64,
    /// Total-effect index S_Ti (Jansen 1999 estimator).
    pub total: f64,
    /// Bootstrap percentile 95% interval for `first`, if computed.
    pub first_ci: Option<(f64, f64)>,
    /// Bootstrap percentile 95% interval for `total`, if computed.
    pub total_ci: Option<(f64, f64)>,
}

/// Model outputs of a Saltelli design, separated by matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct SaltelliOutputs {
    /// Outputs for the rows of A (`N` values).
    pub y_a: Vec<f64>,
    /// Outputs for the rows of B (`N` values).
    pub y_b: Vec<f64>,
    /// `y_ab[i]`: outputs for AB_i (`k` vectors of `N` values).
    pub y_ab: Vec<Vec<f64>>,
}

/// Splits `outputs[p]` (the output of run `points[p]`) of a design built
/// with `DesignKind::Saltelli` into the A, B and AB_i output vectors,
/// ordered by base-sample row. Uses the points' [`DesignPoint::saltelli`]
/// tags, so any permutation of the points is accepted.
///
/// # Errors
/// Length mismatch, untagged points, or tags that do not form a complete
/// `(k + 2) · N` layout with `k` equal to the number of factors.
pub fn split_saltelli(
    points: &[DesignPoint],
    outputs: &[f64],
) -> Result<SaltelliOutputs, SensitivityError> {
    if points.is_empty() {
        return Err(SensitivityError::Empty);
    }
    if outputs.len() != points.len() {
        return Err(SensitivityError::LengthMismatch {
            what: "outputs",
            got: outputs.len(),
            expected: points.len(),
        });
    }
    let k = points[0].unit.len();
    let n = points.len() / (k + 2);
    if n * (k + 2) != points.len() {
        return Err(SensitivityError::BadLayout(format!(
            "{} points is not a multiple of k + 2 = {}",
            points.len(),
            k + 2
        )));
    }
    let mut y_a = vec![None; n];
    let mut y_b = vec![None; n];
    let mut y_ab = vec![vec![None; n]; k];
    for (p, (pt, &y)) in points.iter().zip(outputs).enumerate() {
        let tag = pt
            .saltelli
            .ok_or(SensitivityError::NotSaltelli { index: p })?;
        if tag.row >= n {
            return Err(SensitivityError::BadLayout(format!(
                "point {p} has row {} >= N = {n}",
                tag.row
            )));
        }
        let slot = match tag.block {
            SaltelliBlock::A => &mut y_a[tag.row],
            SaltelliBlock::B => &mut y_b[tag.row],
            SaltelliBlock::AB(i) if i < k => &mut y_ab[i][tag.row],
            SaltelliBlock::AB(i) => {
                return Err(SensitivityError::BadLayout(format!(
                    "point {p} is in AB_{i} but there are only {k} factors"
                )))
            }
        };
        if slot.replace(y).is_some() {
            return Err(SensitivityError::BadLayout(format!(
                "point {p} duplicates {:?} row {}",
                tag.block, tag.row
            )));
        }
    }
    // Every slot is filled: there are exactly (k+2)·N points and none collided.
    let fill = |v: Vec<Option<f64>>| v.into_iter().map(|o| o.unwrap_or(f64::NAN)).collect();
    Ok(SaltelliOutputs {
        y_a: fill(y_a),
        y_b: fill(y_b),
        y_ab: y_ab.into_iter().map(fill).collect(),
    })
}

fn check_finite(what: &'static str, v: &[f64]) -> Result<(), SensitivityError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(SensitivityError::NonFinite { what, index }),
        None => Ok(()),
    }
}

/// Validates estimator inputs; returns `(N, k)`.
fn check_sobol_inputs(
    y_a: &[f64],
    y_b: &[f64],
    y_ab: &[Vec<f64>],
) -> Result<(usize, usize), SensitivityError> {
    let n = y_a.len();
    if n == 0 || y_ab.is_empty() {
        return Err(SensitivityError::Empty);
    }
    if n < 2 {
        return Err(SensitivityError::TooFewRuns { needed: 2, got: n });
    }
    if y_b.len() != n {
        return Err(SensitivityError::LengthMismatch {
            what: "y_b",
            got: y_b.len(),
            expected: n,
        });
    }
    check_finite("y_a", y_a)?;
    check_finite("y_b", y_b)?;
    for v in y_ab {
        if v.len() != n {
            return Err(SensitivityError::LengthMismatch {
                what: "y_ab[i]",
                got: v.len(),
                expected: n,
            });
        }
        check_finite("y_ab[i]", v)?;
    }
    Ok((n, y_ab.len()))
}

/// `(first, total)` per factor over the base-sample rows `rows`; `None` if
/// the output variance over those rows is zero.
fn sobol_point(
    y_a: &[f64],
    y_b: &[f64],
    y_ab: &[Vec<f64>],
    rows: &[usize],
) -> Option<Vec<(f64, f64)>> {
    let nf = rows.len() as f64;
    let mean = rows.iter().map(|&r| y_a[r] + y_b[r]).sum::<f64>() / (2.0 * nf);
    let var = rows
        .iter()
        .map(|&r| (y_a[r] - mean).powi(2) + (y_b[r] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * nf);
    if var <= f64::EPSILON * f64::EPSILON * mean * mean || var <= f64::MIN_POSITIVE {
        return None;
    }
    Some(
        y_ab.iter()
            .map(|ab| {
                let (mut v1, mut vt) = (0.0, 0.0);
                for &r in rows {
                    // Centring y_b reduces estimator variance without bias.
                    v1 += (y_b[r] - mean) * (ab[r] - y_a[r]);
                    vt += (y_a[r] - ab[r]).powi(2);
                }
                (v1 / nf / var, vt / (2.0 * nf) / var)
            })
            .collect(),
    )
}

/// First-order (Saltelli et al. 2010, `V_i = mean(f_B · (f_ABi − f_A))`)
/// and total-effect (Jansen 1999, `V_Ti = mean((f_A − f_ABi)²) / 2`)
/// Sobol' indices, both normalised by the variance of the pooled A and B
/// outputs. `y_ab[i]` holds the outputs of matrix AB_i (A with column `i`
/// from B), as produced by [`split_saltelli`]. Confidence intervals are
/// `None`; see [`sobol_indices_with_ci`].
///
/// Estimates are not clipped, so small negative values can occur for
/// unimportant factors.
///
/// # Errors
/// Empty input, fewer than 2 base samples, length mismatches, non-finite
/// outputs, or zero output variance.
pub fn sobol_indices(
    y_a: &[f64],
    y_b: &[f64],
    y_ab: &[Vec<f64>],
) -> Result<Vec<SobolIndex>, SensitivityError> {
    let (n, _) = check_sobol_inputs(y_a, y_b, y_ab)?;
    let rows: Vec<usize> = (0..n).collect();
    let est = sobol_point(y_a, y_b, y_ab, &rows).ok_or(SensitivityError::ZeroVariance)?;
    Ok(est
        .into_iter()
        .map(|(first, total)| SobolIndex {
            first,
            total,
            first_ci: None,
            total_ci: None,
        })
        .collect())
}

/// Like [`sobol_indices`], plus bootstrap percentile 95% confidence
/// intervals from `resamples` resamplings of the base-sample rows, drawn
/// from a PRNG seeded with `seed` (deterministic). Resamples with zero
/// variance are skipped.
///
/// # Errors
/// As [`sobol_indices`], plus [`SensitivityError::ZeroResamples`].
pub fn sobol_indices_with_ci(
    y_a: &[f64],
    y_b: &[f64],
    y_ab: &[Vec<f64>],
    resamples: usize,
    seed: u64,
) -> Result<Vec<SobolIndex>, SensitivityError> {
    if resamples == 0 {
        return Err(SensitivityError::ZeroResamples);
    }
    let mut out = sobol_indices(y_a, y_b, y_ab)?;
    let (n, k) = (y_a.len(), y_ab.len());
    let mut rng = Stream::new(seed, 0, 0, Purpose::Bootstrap);
    let mut firsts = vec![Vec::with_capacity(resamples); k];
    let mut totals = vec![Vec::with_capacity(resamples); k];
    let mut rows = vec![0usize; n];
    for _ in 0..resamples {
        rows.iter_mut().for_each(|r| *r = rng.gen_range(0..n));
        if let Some(est) = sobol_point(y_a, y_b, y_ab, &rows) {
            for (i, (f, t)) in est.into_iter().enumerate() {
                firsts[i].push(f);
                totals[i].push(t);
            }
        }
    }
    let ci = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (quantile(&v, 0.025), quantile(&v, 0.975))
    };
    for ((idx, f), t) in out.iter_mut().zip(firsts).zip(totals) {
        idx.first_ci = Some(ci(f));
        idx.total_ci = Some(ci(t));
    }
    Ok(out)
}
