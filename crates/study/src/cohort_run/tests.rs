use super::*;

#[test]
fn replicate_seeds_are_hashed_and_distinct() {
    let s: Vec<u64> = (0..50).map(|i| replicate_seed(9, i)).collect();
    let mut u = s.clone();
    u.sort();
    u.dedup();
    assert_eq!(u.len(), 50);
    assert_ne!(s[1].wrapping_sub(s[0]), 1);
    assert_eq!(s[3], derive_seed(9, &[3]));
    assert_ne!(replicate_seed(10, 0), s[0]);
}

#[test]
fn outcome_stats_and_proportion() {
    let s = OutcomeStats::of(
        stats::Quantity::Unbounded,
        &[Some(2.0), None, Some(4.0), Some(6.0)],
    );
    assert_eq!((s.n, s.undefined), (3, 1));
    assert_eq!(s.mean, Some(4.0));
    assert_eq!(s.sd, Some(2.0));
    // mean ± t(0.975, 2)·2/√3
    let half = 4.302_652_729_749_464 * 2.0 / 3f64.sqrt();
    assert!((s.ci95_lo.unwrap() - (4.0 - half)).abs() < 1e-9);
    assert!((s.ci95_hi.unwrap() - (4.0 + half)).abs() < 1e-9);
    assert_eq!(s.p2_5, Some(2.0 + 2.0 * 0.05));
    let one = OutcomeStats::of(stats::Quantity::PERCENT, &[Some(1.0), None]);
    assert_eq!((one.mean, one.sd, one.ci95_lo), (Some(1.0), None, None));
    let none = OutcomeStats::of(stats::Quantity::PERCENT, &[None, None]);
    assert_eq!((none.n, none.mean), (0, None));

    let p = Proportion::of(&[Some(1.0), Some(0.0), Some(1.0), Some(1.0)]).unwrap();
    assert_eq!((p.successes, p.n), (3, 4));
    assert_eq!(p.fraction, 0.75);
    assert!(Proportion::of(&[Some(1.0), None]).is_none());
    assert!(Proportion::new(0, 0).is_none());
}

#[test]
fn wilson_interval_on_known_inputs() {
    // 8 of 10: centre (0.8 + z²/20)/(1 + z²/10), z = 1.959964.
    let p = Proportion::new(8, 10).unwrap();
    let z: f64 = 1.959_963_984_540_054;
    let (n, ph) = (10.0, 0.8);
    let den = 1.0 + z * z / n;
    let centre = (ph + z * z / (2.0 * n)) / den;
    let half = z / den * (ph * (1.0 - ph) / n + z * z / (4.0 * n * n)).sqrt();
    assert!((p.wilson95_lo - (centre - half)).abs() < 1e-12);
    assert!((p.wilson95_hi - (centre + half)).abs() < 1e-12);
    assert!((p.wilson95_lo - 0.490_162_471_536_641_8).abs() < 1e-9);
    let all = Proportion::new(5, 5).unwrap();
    assert_eq!(all.wilson95_hi, 1.0);
    // All successes: lower bound n / (n + z²).
    assert!((all.wilson95_lo - 5.0 / (5.0 + z * z)).abs() < 1e-12);
}

#[test]
fn replicate_dir_names() {
    assert_eq!(replicate_dir_name(0, 1), "r000");
    assert_eq!(replicate_dir_name(7, 20), "r007");
    assert_eq!(replicate_dir_name(12, 1001), "r0012");
}

/// Donor variability: a cohort whose replicates each get their own product
/// lot (secretion CV 1) has a wider distribution of MSC VEGF output than
/// one where every replicate gets the nominal lot (the lots' mean potency),
/// with the patient held nominal in both; a single run is unaffected.
#[test]
fn lot_to_lot_variance_widens_the_outcome_distribution() {
    let load = |extra: &[&str]| {
        let mut sets: Vec<String> = [
            "domain.width_um=3000",
            "domain.height_um=3000",
            "wound.diameter_um=2000",
            "time.days=6",
            "treatment.dose.days=[0]",
            "cohort.vary_patients=false",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        sets.extend(extra.iter().map(|s| s.to_string()));
        let s = crate::shipped::find("dfu-adipose-weekly").unwrap();
        let sc = crate::scenario::Scenario::from_toml_str(s.toml, "t", &sets).unwrap();
        Params::new(sc, "t").unwrap()
    };
    let single = load(&[]);
    let lots = load(&["cohort.vary_lots=true", "cohort.lot_secretion_cv=1.0"]);
    let n = 8;
    let a = simulate_cohort(&single, n, &Options::default()).unwrap();
    let b = simulate_cohort(&lots, n, &Options::default()).unwrap();
    assert!(a.replicates.iter().all(|r| r.lot.is_none()));
    assert!(b.replicates.iter().all(|r| r.lot.is_some()));
    let sd = |c: &Cohort| {
        let v: Vec<f64> = c
            .replicates
            .iter()
            .map(|r| r.output.summary.vegf_mean_ng_per_ml)
            .collect();
        stats::sd(&v)
    };
    assert!(
        sd(&b) > 3.0 * sd(&a),
        "SD with lots {} vs a single lot {}",
        sd(&b),
        sd(&a)
    );
    // Lot i is the same draw whatever the cohort size; a single run keeps the nominal lot.
    let l3 = crate::cohort::lot_for_replicate(&lots, lots.scenario.seed, 3).unwrap();
    assert_eq!(b.replicates[3].lot, Some(l3));
    let one = run::simulate(&lots, lots.scenario.seed).unwrap();
    let nominal = run::simulate(&single, single.scenario.seed).unwrap();
    assert_eq!(
        one.summary.vegf_mean_ng_per_ml,
        nominal.summary.vegf_mean_ng_per_ml
    );
}
