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
