//! The trial's statistics: each arm's outcomes, the contrasts of each arm
//! with the control, subgroups, lots and the release criteria (the files
//! written from them are in `outputs`).

use super::*;
use crate::cohort_run::Proportion;
use crate::stats::{self, KmStep, LogRank, RiskRatio};

/// One arm's outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSummary {
    /// Arm name.
    pub name: String,
    /// Its scenario argument.
    pub scenario: String,
    /// Patients allocated.
    pub n: u64,
    /// Complete healing by `healed_by_week` (Wilson interval).
    pub healed: Option<Proportion>,
    /// At least 50 % area reduction at week 12 (`None` when the trial ends before week 12).
    pub reduction50_wk12: Option<Proportion>,
    /// Median time to complete closure (Kaplan–Meier; `None` when not reached).
    pub median_closure_d: Option<f64>,
    /// The Kaplan–Meier estimate of the fraction still open (log–log Greenwood intervals).
    pub km: Vec<KmStep>,
}

/// One subgroup (stratum) of a contrast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subgroup {
    /// Stratum name.
    pub stratum: String,
    /// Healed / patients in the treated arm.
    pub treated: (u64, u64),
    /// Healed / patients in the control arm.
    pub control: (u64, u64),
    /// Risk ratio of healing.
    pub rr: RiskRatio,
}

/// An arm against the control (arm 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contrast {
    /// Treated arm.
    pub arm: String,
    /// Control arm.
    pub control: String,
    /// Risk ratio of complete healing by the set week.
    pub healed_rr: RiskRatio,
    /// Risk difference of healing (treated − control).
    pub healed_difference: f64,
    /// Risk ratio of ≥ 50 % area reduction at week 12.
    pub reduction50_rr: Option<RiskRatio>,
    /// Log-rank test of time to closure and the Peto hazard ratio (of
    /// closure: above 1 = faster closure in the treated arm).
    pub logrank: LogRank,
    /// The same, stratified by the randomization strata.
    pub logrank_stratified: LogRank,
    /// Patients per arm for the target power to detect the observed healed
    /// fractions (two proportions; `None` when they are equal).
    pub n_per_arm_for_power: Option<u64>,
    /// Closures needed for the target power to detect the observed hazard
    /// ratio (log-rank, Schoenfeld).
    pub events_for_power: Option<u64>,
    /// Healing by stratum.
    pub subgroups: Vec<Subgroup>,
}

/// One product lot as used in the trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotRow {
    /// Arm name.
    pub arm: String,
    /// Lot index.
    pub lot: u64,
    /// Secretion multiplier.
    pub secretion_mult: f64,
    /// Death-hazard multiplier.
    pub hazard_mult: f64,
    /// Simulated potency assay (fg VEGF per cell per day).
    pub assay_vegf_fg_per_cell_per_day: f64,
    /// Patients treated with it.
    pub patients: u64,
    /// Of them healed by the set week.
    pub healed: u64,
}

/// A release criterion: only lots whose assay reaches `threshold` are given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Release {
    /// Arm name.
    pub arm: String,
    /// Lowest assay value released (fg VEGF per cell per day).
    pub threshold: f64,
    /// Lots released of all lots of the arm.
    pub lots_released: (u64, u64),
    /// Healing among patients treated with released lots.
    pub healed: Option<Proportion>,
    /// Risk ratio of those patients against the whole control arm.
    pub rr: RiskRatio,
}

/// `trial_summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialSummary {
    /// Trial name.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Patients to enrol.
    pub patients: u64,
    /// Enrolled (met the criteria).
    pub enrolled: u64,
    /// Excluded after `inclusion.max_draws` failed draws.
    pub excluded: u64,
    /// Failed screening draws.
    pub screen_failures: u64,
    /// Simulated days (time to closure is censored here).
    pub days: f64,
    /// Week of the primary outcome.
    pub healed_by_week: f64,
    /// Two-sided level.
    pub alpha: f64,
    /// Target power.
    pub power: f64,
    /// How the hazard ratio is estimated.
    pub hazard_ratio_method: String,
    /// Per arm.
    pub arms: Vec<ArmSummary>,
    /// Each arm against the control.
    pub contrasts: Vec<Contrast>,
    /// Lots used.
    pub lots: Vec<LotRow>,
    /// Release criteria at the quartiles of each arm's lot assays.
    pub release: Vec<Release>,
}

/// Method statement of the hazard ratio.
pub const HR_METHOD: &str = "Peto one-step estimate from the log-rank sums, exp((O−E)/V), \
95 % CI exp((O−E)/V ± 1.96/√V); hazard of complete closure, treated vs control \
(> 1: faster closure); close to Cox's estimate for ratios within about 0.3–3";

impl TrialResult {
    pub(super) fn healed(&self, i: usize) -> bool {
        let wk = self.trial.raw.healed_by_week * 7.0;
        self.outcomes[i].t_closure_d.is_some_and(|t| t <= wk + 1e-9)
    }

    pub(super) fn reduced50(&self, i: usize) -> Option<bool> {
        self.outcomes[i].closure_pct_wk12.map(|c| c >= 50.0)
    }

    fn in_arm(&self, arm: usize) -> Vec<usize> {
        (0..self.outcomes.len())
            .filter(|&i| self.screening.enrolled[i].arm == arm)
            .collect()
    }

    fn count(&self, idx: &[usize]) -> (u64, u64) {
        (
            idx.iter().filter(|&&i| self.healed(i)).count() as u64,
            idx.len() as u64,
        )
    }

    /// Time to closure of patient `i`: (time, closed), censored at the end.
    pub(super) fn survival(&self, i: usize) -> (f64, bool) {
        match self.outcomes[i].t_closure_d {
            Some(t) => (t, true),
            None => (self.trial.days, false),
        }
    }

    /// The summary with every statistic.
    pub fn summary(&self) -> TrialSummary {
        let t = &self.trial;
        let arms: Vec<ArmSummary> = (0..t.arms.len())
            .map(|a| {
                let idx = self.in_arm(a);
                let (h, n) = self.count(&idx);
                let red: Option<Vec<bool>> = idx.iter().map(|&i| self.reduced50(i)).collect();
                let km =
                    stats::kaplan_meier(&idx.iter().map(|&i| self.survival(i)).collect::<Vec<_>>());
                ArmSummary {
                    name: t.arms[a].name.clone(),
                    scenario: t.arms[a].scenario_arg.clone(),
                    n,
                    healed: Proportion::new(h, n),
                    reduction50_wk12: red.and_then(|r| {
                        Proportion::new(r.iter().filter(|&&x| x).count() as u64, r.len() as u64)
                    }),
                    median_closure_d: stats::km_median(&km),
                    km,
                }
            })
            .collect();
        let control = self.in_arm(0);
        let (hc, nc) = self.count(&control);
        let contrasts = (1..t.arms.len())
            .map(|a| {
                let treated = self.in_arm(a);
                let (ht, nt) = self.count(&treated);
                let both: Vec<usize> = control.iter().chain(&treated).copied().collect();
                let data = |strat: bool| -> Vec<(f64, bool, usize, usize)> {
                    both.iter()
                        .map(|&i| {
                            let (tt, ev) = self.survival(i);
                            let e = &self.screening.enrolled[i];
                            (
                                tt,
                                ev,
                                (e.arm == a) as usize,
                                if strat { e.stratum } else { 0 },
                            )
                        })
                        .collect()
                };
                let lr = stats::logrank(&data(false));
                let red = |idx: &[usize]| -> Option<(u64, u64)> {
                    let v: Option<Vec<bool>> = idx.iter().map(|&i| self.reduced50(i)).collect();
                    v.map(|v| (v.iter().filter(|&&x| x).count() as u64, v.len() as u64))
                };
                let reduction50_rr = red(&treated)
                    .zip(red(&control))
                    .map(|((a1, n1), (c0, n0))| stats::risk_ratio(a1, n1, c0, n0));
                let (pt, pc) = (ht as f64 / nt.max(1) as f64, hc as f64 / nc.max(1) as f64);
                let subgroups = (0..t.strata())
                    .filter_map(|s| {
                        let of = |idx: &[usize]| -> Vec<usize> {
                            idx.iter()
                                .copied()
                                .filter(|&i| self.screening.enrolled[i].stratum == s)
                                .collect()
                        };
                        let (tr, co) = (self.count(&of(&treated)), self.count(&of(&control)));
                        (tr.1 + co.1 > 0).then(|| Subgroup {
                            stratum: t.stratum_name(s),
                            treated: tr,
                            control: co,
                            rr: stats::risk_ratio(tr.0, tr.1, co.0, co.1),
                        })
                    })
                    .collect();
                Contrast {
                    arm: t.arms[a].name.clone(),
                    control: t.arms[0].name.clone(),
                    healed_rr: stats::risk_ratio(ht, nt, hc, nc),
                    healed_difference: pt - pc,
                    reduction50_rr,
                    logrank: lr,
                    logrank_stratified: stats::logrank(&data(true)),
                    n_per_arm_for_power: (nt > 0 && nc > 0)
                        .then(|| stats::n_two_proportions(pt, pc, t.raw.alpha, t.raw.power))
                        .flatten(),
                    events_for_power: stats::events_logrank(lr.hr, t.raw.alpha, t.raw.power),
                    subgroups,
                }
            })
            .collect();
        let (lots, release) = self.lots(hc, nc);
        TrialSummary {
            name: t.raw.name.clone(),
            seed: t.raw.seed,
            patients: t.raw.patients,
            enrolled: self.screening.enrolled.len() as u64,
            excluded: self.screening.excluded,
            screen_failures: self.screening.screen_failures,
            days: t.days,
            healed_by_week: t.raw.healed_by_week,
            alpha: t.raw.alpha,
            power: t.raw.power,
            hazard_ratio_method: HR_METHOD.into(),
            arms,
            contrasts,
            lots,
            release,
        }
    }

    fn lots(&self, hc: u64, nc: u64) -> (Vec<LotRow>, Vec<Release>) {
        let t = &self.trial;
        let mut rows: Vec<LotRow> = Vec::new();
        let mut release = Vec::new();
        for a in 0..t.arms.len() {
            let mut arm_rows: Vec<LotRow> = Vec::new();
            for i in self.in_arm(a) {
                let e = &self.screening.enrolled[i];
                let Some(lot) = e.lot else { continue };
                let healed = self.healed(i) as u64;
                match arm_rows.iter_mut().find(|r| r.lot == lot.index) {
                    Some(r) => {
                        r.patients += 1;
                        r.healed += healed;
                    }
                    None => arm_rows.push(LotRow {
                        arm: t.arms[a].name.clone(),
                        lot: lot.index,
                        secretion_mult: lot.secretion_mult,
                        hazard_mult: lot.hazard_mult,
                        assay_vegf_fg_per_cell_per_day: self.outcomes[i]
                            .assay_vegf
                            .unwrap_or(f64::NAN),
                        patients: 1,
                        healed,
                    }),
                }
            }
            arm_rows.sort_by_key(|r| r.lot);
            if !arm_rows.is_empty() {
                let mut assays: Vec<f64> = arm_rows
                    .iter()
                    .map(|r| r.assay_vegf_fg_per_cell_per_day)
                    .collect();
                assays.sort_by(f64::total_cmp);
                let mut thresholds: Vec<f64> = [0.0, 0.25, 0.5, 0.75]
                    .iter()
                    .map(|&q| assays[((assays.len() - 1) as f64 * q).round() as usize])
                    .collect();
                thresholds.dedup();
                for th in thresholds {
                    let ok: Vec<&LotRow> = arm_rows
                        .iter()
                        .filter(|r| r.assay_vegf_fg_per_cell_per_day >= th)
                        .collect();
                    let (h, n) = ok
                        .iter()
                        .fold((0, 0), |(h, n), r| (h + r.healed, n + r.patients));
                    release.push(Release {
                        arm: t.arms[a].name.clone(),
                        threshold: th,
                        lots_released: (ok.len() as u64, arm_rows.len() as u64),
                        healed: Proportion::new(h, n),
                        rr: stats::risk_ratio(h, n, hc, nc),
                    });
                }
            }
            rows.extend(arm_rows);
        }
        (rows, release)
    }
}
