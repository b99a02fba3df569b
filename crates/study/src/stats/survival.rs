//! Time-to-event and two-arm statistics of virtual trials: the
//! Kaplan–Meier estimate with Greenwood's variance, the (stratified)
//! log-rank test with the Peto one-step hazard ratio, the risk ratio of a
//! binary outcome, and sample sizes for a target power.
//!
//! Conventions: a censored time equal to an event time counts as at risk
//! at that event (censoring happens just after events). Undefined results
//! are `NaN`, never a panic.

use super::{normal_cdf, normal_quantile};

/// One step of a Kaplan–Meier curve: the survival (here: still open)
/// just after an event time.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct KmStep {
    /// Event time.
    pub t: f64,
    /// Subjects at risk just before `t`.
    pub at_risk: u64,
    /// Events at `t`.
    pub events: u64,
    /// Kaplan–Meier survival S(t) just after `t`.
    pub s: f64,
    /// Greenwood variance of S(t): S² Σ d/(n(n−d)) (`NaN` once S = 0).
    pub var: f64,
    /// Lower 95 % limit of S(t) (log–log transformed Greenwood interval).
    pub lo: f64,
    /// Upper 95 % limit of S(t).
    pub hi: f64,
}

/// The Kaplan–Meier estimate of `(time, event)` pairs (`event` false =
/// censored at `time`), one step per distinct event time, in time order.
/// Pairs with a time that is not finite are ignored.
pub fn kaplan_meier(data: &[(f64, bool)]) -> Vec<KmStep> {
    let mut d: Vec<(f64, bool)> = data
        .iter()
        .copied()
        .filter(|(t, _)| t.is_finite())
        .collect();
    // Events before censorings at equal times.
    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let z = normal_quantile(0.975);
    let mut at_risk = d.len() as u64;
    let mut s = 1.0;
    let mut sum = 0.0;
    let mut out = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let t = d[i].0;
        let (mut events, mut gone) = (0u64, 0u64);
        while i < d.len() && d[i].0 == t {
            events += d[i].1 as u64;
            gone += 1;
            i += 1;
        }
        if events > 0 {
            let n = at_risk as f64;
            let e = events as f64;
            s *= 1.0 - e / n;
            let var = if at_risk > events {
                sum += e / (n * (n - e));
                s * s * sum
            } else {
                f64::NAN
            };
            let (lo, hi) = loglog_interval(s, sum, z);
            out.push(KmStep {
                t,
                at_risk,
                events,
                s,
                var,
                lo,
                hi,
            });
        }
        at_risk -= gone;
    }
    out
}

/// The log–log (Kalbfleisch–Prentice) interval of a survival `s` whose
/// Greenwood sum is `sum`: exp(−exp(ln(−ln s) ± z·√sum / |ln s|)); the
/// point itself when s is 0 or 1.
fn loglog_interval(s: f64, sum: f64, z: f64) -> (f64, f64) {
    if s <= 0.0 || s >= 1.0 || sum <= 0.0 {
        return (s, s);
    }
    let l = s.ln();
    let half = z * sum.sqrt() / l.abs();
    let a = (-l).ln();
    ((-(a + half).exp()).exp(), (-(a - half).exp()).exp())
}

/// The value of a Kaplan–Meier curve at time `t` (1 before the first step).
pub fn km_at(steps: &[KmStep], t: f64) -> f64 {
    steps
        .iter()
        .take_while(|k| k.t <= t)
        .last()
        .map(|k| k.s)
        .unwrap_or(1.0)
}

/// The median time of a Kaplan–Meier curve: the first time S ≤ 0.5
/// (`None` when it stays above).
pub fn km_median(steps: &[KmStep]) -> Option<f64> {
    steps.iter().find(|k| k.s <= 0.5).map(|k| k.t)
}

/// A log-rank comparison of two groups.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LogRank {
    /// Events observed in group 1.
    pub observed1: f64,
    /// Events expected in group 1 under equal hazards.
    pub expected1: f64,
    /// Events observed in group 0.
    pub observed0: f64,
    /// Events expected in group 0.
    pub expected0: f64,
    /// Hypergeometric variance of O₁ − E₁ (summed over strata).
    pub variance: f64,
    /// χ² statistic with 1 degree of freedom, (O₁ − E₁)²/V.
    pub chi2: f64,
    /// Two-sided p value.
    pub p: f64,
    /// Peto one-step hazard ratio of group 1 to group 0, exp((O₁ − E₁)/V).
    pub hr: f64,
    /// Lower 95 % limit, exp((O₁ − E₁)/V − 1.96/√V).
    pub hr_lo: f64,
    /// Upper 95 % limit.
    pub hr_hi: f64,
}

/// The log-rank test of group 1 against group 0 over `data` = (time,
/// event, group 0 or 1, stratum); with more than one stratum the
/// observed, expected and variance are summed over strata (the stratified
/// log-rank test). The hazard ratio is Peto's one-step estimate from the
/// same sums (close to Cox's for hazard ratios within about 0.3–3).
pub fn logrank(data: &[(f64, bool, usize, usize)]) -> LogRank {
    let mut strata: Vec<usize> = data.iter().map(|r| r.3).collect();
    strata.sort_unstable();
    strata.dedup();
    let (mut o1, mut e1, mut o0, mut e0, mut v) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for s in strata {
        let mut d: Vec<(f64, bool, usize)> = data
            .iter()
            .filter(|r| r.3 == s && r.0.is_finite() && r.2 <= 1)
            .map(|r| (r.0, r.1, r.2))
            .collect();
        d.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut n = [0.0f64; 2];
        for r in &d {
            n[r.2] += 1.0;
        }
        let mut i = 0;
        while i < d.len() {
            let t = d[i].0;
            let (mut dd, mut gone) = ([0.0f64; 2], [0.0f64; 2]);
            while i < d.len() && d[i].0 == t {
                if d[i].1 {
                    dd[d[i].2] += 1.0;
                }
                gone[d[i].2] += 1.0;
                i += 1;
            }
            let events = dd[0] + dd[1];
            let total = n[0] + n[1];
            if events > 0.0 && total > 0.0 {
                o1 += dd[1];
                o0 += dd[0];
                e1 += n[1] * events / total;
                e0 += n[0] * events / total;
                if total > 1.0 {
                    v += n[0] * n[1] * events * (total - events) / (total * total * (total - 1.0));
                }
            }
            n[0] -= gone[0];
            n[1] -= gone[1];
        }
    }
    let z = normal_quantile(0.975);
    let (chi2, p, hr, hr_lo, hr_hi) = if v > 0.0 {
        let chi2 = (o1 - e1) * (o1 - e1) / v;
        let b = (o1 - e1) / v;
        let h = z / v.sqrt();
        (
            chi2,
            2.0 * (1.0 - normal_cdf(chi2.sqrt())),
            b.exp(),
            (b - h).exp(),
            (b + h).exp(),
        )
    } else {
        (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN)
    };
    LogRank {
        observed1: o1,
        expected1: e1,
        observed0: o0,
        expected0: e0,
        variance: v,
        chi2,
        p,
        hr,
        hr_lo,
        hr_hi,
    }
}

/// A risk ratio with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RiskRatio {
    /// (a/n₁)/(c/n₀).
    pub rr: f64,
    /// Lower 95 % limit (Katz log interval).
    pub lo: f64,
    /// Upper 95 % limit.
    pub hi: f64,
    /// 0.5 was added to every cell of the 2×2 table because one was 0 (Haldane).
    pub corrected: bool,
}

/// The risk ratio of `a` successes of `n1` against `c` successes of `n0`,
/// with Katz's interval exp(ln RR ± 1.96·√(1/a − 1/n₁ + 1/c − 1/n₀)); when
/// a cell of the 2×2 table is 0 (no success or no failure in a group)
/// every cell gets 0.5 (Haldane–Anscombe), so the interval stays defined.
/// `NaN` when a group is empty or neither group has a success.
pub fn risk_ratio(a: u64, n1: u64, c: u64, n0: u64) -> RiskRatio {
    let nan = RiskRatio {
        rr: f64::NAN,
        lo: f64::NAN,
        hi: f64::NAN,
        corrected: false,
    };
    if n1 == 0 || n0 == 0 || a > n1 || c > n0 || (a == 0 && c == 0) {
        return nan;
    }
    let corrected = a == 0 || c == 0 || a == n1 || c == n0;
    let k = if corrected { 0.5 } else { 0.0 };
    let (a, n1, c, n0) = (
        a as f64 + k,
        n1 as f64 + 2.0 * k,
        c as f64 + k,
        n0 as f64 + 2.0 * k,
    );
    let rr = (a / n1) / (c / n0);
    let se = (1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n0).max(0.0).sqrt();
    let z = normal_quantile(0.975);
    RiskRatio {
        rr,
        lo: (rr.ln() - z * se).exp(),
        hi: (rr.ln() + z * se).exp(),
        corrected,
    }
}

/// Patients per arm for a two-sided test of two proportions `p1` vs `p0`
/// at level `alpha` with power `power` (normal approximation without
/// continuity correction, Fleiss 1981):
/// n = (z₁₋α/₂·√(2p̄q̄) + z₁₋β·√(p₁q₁ + p₀q₀))² / (p₁ − p₀)², rounded up.
/// `None` when the proportions are equal or not in [0, 1].
pub fn n_two_proportions(p1: f64, p0: f64, alpha: f64, power: f64) -> Option<u64> {
    let ok = |x: f64| (0.0..=1.0).contains(&x);
    let open = |x: f64| x > 0.0 && x < 1.0;
    let valid = ok(p1) && ok(p0) && p1 != p0 && open(alpha) && open(power);
    if !valid {
        return None;
    }
    let za = normal_quantile(1.0 - alpha / 2.0);
    let zb = normal_quantile(power);
    let pb = (p1 + p0) / 2.0;
    let num = za * (2.0 * pb * (1.0 - pb)).sqrt() + zb * (p1 * (1.0 - p1) + p0 * (1.0 - p0)).sqrt();
    Some((num * num / ((p1 - p0) * (p1 - p0))).ceil() as u64)
}

/// Events needed for a log-rank test with 1:1 allocation to detect hazard
/// ratio `hr` (Schoenfeld 1983): 4(z₁₋α/₂ + z₁₋β)²/(ln HR)², rounded up.
pub fn events_logrank(hr: f64, alpha: f64, power: f64) -> Option<u64> {
    let open = |x: f64| x > 0.0 && x < 1.0;
    let valid = hr > 0.0 && hr != 1.0 && hr.is_finite() && open(alpha) && open(power);
    if !valid {
        return None;
    }
    let s = normal_quantile(1.0 - alpha / 2.0) + normal_quantile(power);
    Some((4.0 * s * s / (hr.ln() * hr.ln())).ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, Stream};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Times 1, 2, 2+, 3, 4+, 5 (+ = censored), computed by hand:
    /// S = 5/6, 2/3, 4/9, 0 at t = 1, 2, 3, 5; Greenwood sums 1/30,
    /// 1/30 + 1/20, + 1/6 = 1/4, so Var S(3) = (4/9)²/4 = 4/81.
    #[test]
    fn kaplan_meier_matches_a_hand_computed_curve() {
        let d = [
            (1.0, true),
            (2.0, true),
            (2.0, false),
            (3.0, true),
            (4.0, false),
            (5.0, true),
        ];
        let km = kaplan_meier(&d);
        let t: Vec<f64> = km.iter().map(|k| k.t).collect();
        assert_eq!(t, [1.0, 2.0, 3.0, 5.0]);
        let n: Vec<u64> = km.iter().map(|k| k.at_risk).collect();
        assert_eq!(n, [6, 5, 3, 1]);
        assert!(close(km[0].s, 5.0 / 6.0) && close(km[1].s, 2.0 / 3.0));
        assert!(close(km[2].s, 4.0 / 9.0) && km[3].s == 0.0);
        assert!(close(km[0].var, (25.0 / 36.0) / 30.0));
        assert!(close(km[1].var, (4.0 / 9.0) * (1.0 / 30.0 + 1.0 / 20.0)));
        assert!(close(km[2].var, 4.0 / 81.0));
        assert!(km[3].var.is_nan());
        for k in &km[..3] {
            assert!(
                k.lo < k.s && k.s < k.hi && k.lo > 0.0 && k.hi < 1.0,
                "{k:?}"
            );
        }
        // The log–log interval by hand at t = 3.
        let l = (4.0f64 / 9.0).ln();
        let a = (-l).ln();
        let h = normal_quantile(0.975) * 0.5 / l.abs();
        assert!(close(km[2].lo, (-(a + h).exp()).exp()));
        assert!(close(km[2].hi, (-(a - h).exp()).exp()));
        assert!(close(km_at(&km, 2.5), 2.0 / 3.0) && km_at(&km, 0.5) == 1.0);
        assert_eq!(km_median(&km), Some(3.0));
    }

    /// Group 0 has events at 1, 3, 5 and group 1 at 2, 4, 6. By hand, for
    /// group 0: E = 1/2 + 2/5 + 1/2 + 1/3 + 1/2 = 67/30, V = 1/4 + 6/25 +
    /// 1/4 + 2/9 + 1/4 = 1.21222…; group 1: O = 3, E = 6 − 67/30.
    #[test]
    fn logrank_matches_a_hand_computed_test() {
        let mut d = Vec::new();
        for t in [1.0, 3.0, 5.0] {
            d.push((t, true, 0, 0));
        }
        for t in [2.0, 4.0, 6.0] {
            d.push((t, true, 1, 0));
        }
        let r = logrank(&d);
        let e0 = 0.5 + 0.4 + 0.5 + 1.0 / 3.0 + 0.5;
        let v = 0.25 + 0.24 + 0.25 + 2.0 / 9.0 + 0.25;
        assert!(close(r.expected0, e0) && close(r.expected1, 6.0 - e0));
        assert!(close(r.variance, v));
        let oe1 = 3.0 - (6.0 - e0);
        assert!(close(r.chi2, oe1 * oe1 / v));
        assert!(close(r.hr, (oe1 / v).exp()));
        assert!(r.hr < 1.0 && r.hr_lo < r.hr && r.hr < r.hr_hi && r.p > 0.4 && r.p < 0.6);
        // Swapping the groups inverts the hazard ratio.
        let sw: Vec<_> = d.iter().map(|r| (r.0, r.1, 1 - r.2, r.3)).collect();
        assert!(close(logrank(&sw).hr, 1.0 / r.hr));
        // Two copies as two strata: sums double.
        let mut two = d.clone();
        two.extend(d.iter().map(|r| (r.0, r.1, r.2, 1)));
        assert!(close(logrank(&two).variance, 2.0 * v));
    }

    /// Exponential times with a known hazard ratio, censored at a fixed
    /// time: the interval covers the true ratio in about 95 % of 400 data
    /// sets, for HR 1 and HR 0.6.
    #[test]
    fn hazard_ratio_interval_covers_the_truth() {
        for (hr, tag) in [(1.0, 1u64), (0.6, 2)] {
            let mut covered = 0;
            let sets = 400;
            for k in 0..sets {
                let mut rng = Stream::new(tag, k, 0, Purpose::Allocation);
                let d: Vec<_> = (0..120)
                    .map(|i| {
                        let g = i % 2;
                        let rate = if g == 1 { 0.1 * hr } else { 0.1 };
                        let t = -(1.0 - rng.uniform()).ln() / rate;
                        if t > 12.0 {
                            (12.0, false, g, 0)
                        } else {
                            (t, true, g, 0)
                        }
                    })
                    .collect();
                let r = logrank(&d);
                covered += (r.hr_lo <= hr && hr <= r.hr_hi) as u32;
            }
            let share = covered as f64 / sets as f64;
            assert!((0.92..=0.98).contains(&share), "HR {hr}: coverage {share}");
        }
    }

    #[test]
    fn risk_ratio_and_sample_sizes() {
        // 20/50 vs 10/50: RR 2, se² = 1/20 − 1/50 + 1/10 − 1/50 = 0.11.
        let r = risk_ratio(20, 50, 10, 50);
        assert!(close(r.rr, 2.0) && !r.corrected);
        assert!(close(
            r.lo,
            (2f64.ln() - normal_quantile(0.975) * 0.11f64.sqrt()).exp()
        ));
        let z = risk_ratio(0, 10, 5, 10);
        assert!(z.corrected && close(z.rr, (0.5 / 11.0) / (5.5 / 11.0)));
        assert!(risk_ratio(0, 10, 0, 10).rr.is_nan() && risk_ratio(1, 0, 1, 1).rr.is_nan());
        // All healed in both arms: corrected, and the interval is not a point.
        let all = risk_ratio(5, 5, 3, 3);
        assert!(
            all.corrected
                && close(all.rr, (5.5 / 6.0) / (3.5 / 4.0))
                && all.lo < 1.0
                && all.hi > 1.0
        );
        // 0.5 vs 0.3 at α 0.05, power 0.8: 93 per arm (Fleiss, uncorrected).
        assert_eq!(n_two_proportions(0.5, 0.3, 0.05, 0.8), Some(93));
        assert_eq!(n_two_proportions(0.3, 0.3, 0.05, 0.8), None);
        // HR 0.5: 4·(1.95996 + 0.84162)²/ln²2 = 65.3 → 66 events.
        assert_eq!(events_logrank(0.5, 0.05, 0.8), Some(66));
    }
}
