use super::*;
use crate::sweep::design::{build, DesignKind, FactorSpace};
use std::f64::consts::PI;

fn ishigami(x: &[f64]) -> f64 {
    let (a, b) = (7.0, 0.1);
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

fn ishigami_outputs(n: usize, seed: u64) -> (Vec<DesignPoint>, Vec<f64>) {
    let factors = vec![FactorSpace::Uniform { lo: -PI, hi: PI }; 3];
    let pts = build(DesignKind::Saltelli { base_samples: n }, &factors, seed).unwrap();
    let y = pts
        .iter()
        .map(|p| {
            ishigami(
                &p.levels
                    .iter()
                    .map(|l| l.as_f64().unwrap())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    (pts, y)
}

const S1: [f64; 3] = [0.3139, 0.4424, 0.0];
const ST: [f64; 3] = [0.5576, 0.4424, 0.2437];

#[test]
fn ishigami_sobol_indices() {
    let (pts, y) = ishigami_outputs(8192, 2024);
    let s = split_saltelli(&pts, &y).unwrap();
    let idx = sobol_indices_with_ci(&s.y_a, &s.y_b, &s.y_ab, 200, 9).unwrap();
    for i in 0..3 {
        let e = idx[i];
        assert!((e.first - S1[i]).abs() < 0.005, "S1[{i}] = {}", e.first);
        assert!((e.total - ST[i]).abs() < 0.005, "ST[{i}] = {}", e.total);
        let (lo, hi) = e.first_ci.unwrap();
        assert!(lo <= e.first && e.first <= hi && hi - lo < 0.1);
        let (lo, hi) = e.total_ci.unwrap();
        assert!(lo <= e.total && e.total <= hi && hi - lo < 0.1);
    }
}

#[test]
fn ishigami_several_seeds() {
    for seed in [1, 2, 3] {
        let (pts, y) = ishigami_outputs(8192, seed);
        let s = split_saltelli(&pts, &y).unwrap();
        let idx = sobol_indices(&s.y_a, &s.y_b, &s.y_ab).unwrap();
        for i in 0..3 {
            assert!((idx[i].first - S1[i]).abs() < 0.005, "seed {seed} S1[{i}]");
            assert!((idx[i].total - ST[i]).abs() < 0.005, "seed {seed} ST[{i}]");
        }
    }
}

#[test]
fn split_saltelli_any_order_and_errors() {
    let (pts, y) = ishigami_outputs(16, 5);
    let s = split_saltelli(&pts, &y).unwrap();
    assert_eq!(s.y_a, y[..16].to_vec());
    assert_eq!(s.y_b, y[16..32].to_vec());
    assert_eq!(s.y_ab[2], y[64..80].to_vec());
    let mut rev_p = pts.clone();
    let mut rev_y = y.clone();
    rev_p.reverse();
    rev_y.reverse();
    assert_eq!(split_saltelli(&rev_p, &rev_y).unwrap(), s);
    assert!(matches!(
        split_saltelli(&pts, &y[1..]),
        Err(SensitivityError::LengthMismatch { .. })
    ));
    let mut dup = pts.clone();
    dup[1].saltelli = dup[0].saltelli;
    assert!(matches!(
        split_saltelli(&dup, &y),
        Err(SensitivityError::BadLayout(_))
    ));
    let mut untagged = pts.clone();
    untagged[3].saltelli = None;
    assert_eq!(
        split_saltelli(&untagged, &y),
        Err(SensitivityError::NotSaltelli { index: 3 })
    );
}

#[test]
fn sobol_bad_input() {
    let a = [1.0, 2.0, 3.0];
    assert_eq!(sobol_indices(&[], &[], &[]), Err(SensitivityError::Empty));
    assert_eq!(
        sobol_indices(&[1.0; 3], &[1.0; 3], &[vec![1.0; 3]]),
        Err(SensitivityError::ZeroVariance)
    );
    assert!(matches!(
        sobol_indices(&a, &a[..2], &[a.to_vec()]),
        Err(SensitivityError::LengthMismatch { .. })
    ));
    assert!(matches!(
        sobol_indices(&a, &a, &[vec![1.0, f64::NAN, 2.0]]),
        Err(SensitivityError::NonFinite { .. })
    ));
    assert_eq!(
        sobol_indices_with_ci(&a, &a, &[a.to_vec()], 0, 1),
        Err(SensitivityError::ZeroResamples)
    );
}

fn lhs_x(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let f = vec![FactorSpace::Uniform { lo: 0.0, hi: 1.0 }; k];
    build(DesignKind::LatinHypercube { samples: n }, &f, seed)
        .unwrap()
        .into_iter()
        .map(|p| p.unit)
        .collect()
}

#[test]
fn prcc_linear() {
    let x = lhs_x(500, 3, 11);
    let mut rng = Stream::new(3, 0, 0, Purpose::Bootstrap);
    let y: Vec<f64> = x
        .iter()
        .map(|r| 3.0 * r[0] - 2.0 * r[1] + 0.0 * r[2] + 0.05 * (rng.gen::<f64>() - 0.5))
        .collect();
    let p = prcc(&x, &y).unwrap();
    assert!(p[0] > 0.9, "{p:?}");
    assert!(p[1] < -0.9, "{p:?}");
    assert!(p[2].abs() < 0.1, "{p:?}");
}

#[test]
fn prcc_monotone_nonlinear() {
    let x = lhs_x(200, 3, 12);
    let y: Vec<f64> = x.iter().map(|r| r[0].exp()).collect();
    let p = prcc(&x, &y).unwrap();
    assert!((p[0] - 1.0).abs() < 1e-9, "{p:?}");
    // y is fully determined by x1, so the other partial correlations are
    // undefined (their output residual is zero).
    assert!(p[1].is_nan() && p[2].is_nan(), "{p:?}");
}

#[test]
fn prcc_degenerate_and_bad_input() {
    // Constant factor -> NaN for it; the others still defined.
    let mut x = lhs_x(50, 2, 13);
    for r in &mut x {
        r.push(4.0);
    }
    let y: Vec<f64> = x.iter().map(|r| r[0] + 0.3 * r[1]).collect();
    let p = prcc(&x, &y).unwrap();
    assert!(p[0] > 0.9 && p[1] > 0.5 && p[2].is_nan(), "{p:?}");
    assert_eq!(prcc(&[], &[]), Err(SensitivityError::Empty));
    assert!(matches!(
        prcc(&x, &y[1..]),
        Err(SensitivityError::LengthMismatch { .. })
    ));
    assert!(matches!(
        prcc(&x[..4], &y[..4]),
        Err(SensitivityError::TooFewRuns { needed: 5, got: 4 })
    ));
    let ragged = vec![vec![1.0, 2.0], vec![1.0]];
    assert!(matches!(
        prcc(&ragged, &[1.0, 2.0]),
        Err(SensitivityError::LengthMismatch { .. })
    ));
}

#[test]
fn solve_sym_pivoting_and_rank_deficiency() {
    let a = vec![vec![0.0, 2.0], vec![2.0, 1.0]];
    let x = solve_sym(&a, &[4.0, 5.0]);
    assert!((x[0] - 1.5).abs() < 1e-12 && (x[1] - 2.0).abs() < 1e-12);
    // Singular but consistent: any solution with x0 + x1 = 1.
    let s = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
    let x = solve_sym(&s, &[1.0, 1.0]);
    assert!((x[0] + x[1] - 1.0).abs() < 1e-12);
}
