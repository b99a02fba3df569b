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
